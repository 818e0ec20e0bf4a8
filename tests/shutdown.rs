//! Stopping as on SIGTERM: the workers finish the batch in hand, so a
//! delivery under way when the stop comes is sent and recorded, not left
//! claimed until its lease runs out (which would send it again later).
#![allow(clippy::unwrap_used)]

mod common;

use common::club::{club, copy_of, Club};
use common::wait::{count_where, eventually};
use common::Backend;
use std::time::{Duration, Instant};

async fn deliveries_in_flight_are_recorded_on_shutdown(backend: Backend) {
    let c = club(backend).await;
    // bob's server takes its time: the delivery to it is still under way
    // when the server is told to stop.
    c.b.set_delay(1500);
    let post =
        c.a.fixture("mastodon_direct.json", "alice", &c.group, "91", "");
    assert_eq!(c.a.post("alice", &c.s.url("/inbox"), &post).await, 202);
    copy_of(&c, post["object"]["id"].as_str().unwrap()).await;
    let b_host = c.b.domain();
    let in_flight = format!("host = '{b_host}' AND state = 'pending' AND claim_token <> ''");
    eventually("bob's delivery under way", || {
        let n = count_where(&c.db.url, "deliveries", &in_flight);
        async move { (n > 0).then_some(()) }
    })
    .await;

    let Club { db, s, b, .. } = c;
    let started = Instant::now();
    s.shutdown().await;
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "stopped within the bound"
    );
    assert_eq!(
        count_where(&db.url, "deliveries", "claim_token <> ''"),
        0,
        "nothing is left claimed"
    );
    let not_delivered = format!("host = '{b_host}' AND state <> 'delivered'");
    assert_eq!(
        count_where(&db.url, "deliveries", &not_delivered),
        0,
        "recorded as delivered, not to be sent again"
    );
    assert_eq!(b.of_kind("Create").len(), 1, "and it did arrive");
}

backend_tests!(deliveries_in_flight_are_recorded_on_shutdown);
