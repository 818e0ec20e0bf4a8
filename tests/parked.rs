//! Parked servers: what is queued for them while parked is held and sent
//! once they are back; they are probed (NodeInfo) with backoff, so a
//! server whose users only read is found to be back too.
#![allow(clippy::unwrap_used)]

mod common;

use common::club::{arrived, club, copy_of, creates_of, Club};
use common::wait::{count_where, eventually, settled};
use common::{exec_sql, Backend};
use serde_json::Value;

fn status_of(c: &Club, host: &str) -> Value {
    let all = c.s.cli(&["queue", "--json"]).json();
    all.as_array()
        .unwrap()
        .iter()
        .find(|h| h["host"] == host)
        .cloned()
        .unwrap_or(Value::Null)
}

/// alice posts `n`; bob's server fails it until the schedule gives up.
async fn park_bobs_server(c: &Club, n: &str) {
    let b_host = c.b.domain();
    c.b.answer("/inbox", &[503, 503]);
    let post =
        c.a.fixture("mastodon_direct.json", "alice", &c.group, n, "");
    assert_eq!(c.a.post("alice", &c.s.url("/inbox"), &post).await, 202);
    eventually("bob's server to fail once", || async {
        (status_of(c, &b_host)["last_error"] == "HTTP 503").then_some(())
    })
    .await;
    exec_sql(
        &c.s.db_url,
        "UPDATE deliveries SET attempts = 11, next_attempt_at = 0 WHERE state = 'pending'",
    );
    eventually("bob's server to be parked", || async {
        status_of(c, &b_host)["unavailable_since"]
            .as_str()
            .map(str::to_string)
    })
    .await;
}

async fn a_probe_unparks_a_server_whose_users_only_read(backend: Backend) {
    let c = club(backend).await;
    let b_host = c.b.domain();
    park_bobs_server(&c, "1").await;
    let post =
        c.a.fixture("mastodon_direct.json", "alice", &c.group, "2", "");
    assert_eq!(c.a.post("alice", &c.s.url("/inbox"), &post).await, 202);
    let held = copy_of(&c, post["object"]["id"].as_str().unwrap()).await;
    arrived(&c.a, "Create", &held).await;
    settled(&c.s).await;
    assert_eq!(status_of(&c, &b_host)["held"], 1);
    assert!(c
        .b
        .of_kind("Create")
        .iter()
        .all(|r| r.activity["object"]["id"] != held));

    // The first probe is set for half an hour after the parking.
    assert!(status_of(&c, &b_host)["unavailable_since"].is_string());
    eventually("the first probe to be scheduled", || async {
        let n = count_where(
            &c.s.db_url,
            "unavailable_hosts",
            &format!("next_probe_at = since + {}", 30 * 60 * 1000),
        );
        (n == 1).then_some(())
    })
    .await;

    // Half an hour later: the probe finds the server up (its NodeInfo
    // answers), though none of its users wrote anything.
    exec_sql(
        &c.s.db_url,
        "UPDATE unavailable_hosts SET next_probe_at = 1",
    );
    let r = arrived(&c.b, "Create", &held).await;
    assert!(r.verified);
    settled(&c.s).await;
    let status = status_of(&c, &b_host);
    assert!(status["unavailable_since"].is_null(), "{status}");
    assert_eq!(status["held"], 0, "{status}");
    assert_eq!(creates_of(&c.b, &held), 1, "the held post arrives once");
}

async fn a_probe_that_fails_backs_off(backend: Backend) {
    let c = club(backend).await;
    // Nothing listens on port 9 (discard): the probe cannot connect.
    let now = demesh::db::now_ms();
    exec_sql(
        &c.s.db_url,
        &format!(
            "INSERT INTO unavailable_hosts (host, since, last_error, probes, next_probe_at) \
             VALUES ('127.0.0.1:9', {now}, 'gave up: test', 0, 1)"
        ),
    );
    eventually("the probe to fail", || async {
        let n = count_where(&c.s.db_url, "unavailable_hosts", "probes = 1");
        (n == 1).then_some(())
    })
    .await;
    let hour = 3600 * 1000;
    let later = demesh::db::now_ms();
    let n = count_where(
        &c.s.db_url,
        "unavailable_hosts",
        &format!("next_probe_at BETWEEN {} AND {}", now + hour, later + hour),
    );
    assert_eq!(n, 1, "next probe in an hour");
}

backend_tests!(
    a_probe_unparks_a_server_whose_users_only_read,
    a_probe_that_fails_backs_off,
);
