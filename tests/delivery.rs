//! The durable delivery queue: nothing is lost across a stop, passing
//! failures are retried, final ones are not.
#![allow(clippy::unwrap_used)]

mod common;

use common::club::{arrived, club, copy_of, creates_of, nothing_more};
use common::fake_remote::FakeRemote;
use common::{exec_sql, Backend, TestDb, TestServer};
use serde_json::{json, Value};
use std::net::TcpListener;
use std::time::Duration;

async fn requested(backend: Backend) -> (TestDb, TestServer, FakeRemote, String) {
    let db = TestDb::new(backend);
    let s = TestServer::start(&db).await;
    s.cli(&["group", "create", "club"]).ok();
    // One delivery per approval here: no welcome message (issue #13).
    s.cli(&["group", "set", "club", "welcome", "off"]).ok();
    let remote = FakeRemote::start();
    remote.account("alice");
    let follow = remote.follow("alice", &s.url("/groups/club"), 1);
    assert_eq!(remote.post("alice", &s.url("/inbox"), &follow).await, 202);
    for _ in 0..100 {
        if s.cli(&["request", "list", "--json"])
            .json()
            .as_array()
            .unwrap()
            .len()
            == 1
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let handle = format!("@alice@{}", remote.domain());
    (db, s, remote, handle)
}

fn queue(s: &TestServer) -> Value {
    s.cli(&["queue", "--json"]).json()
}

async fn approval_made_while_stopped_is_delivered_after_restart(backend: Backend) {
    let (db, s, remote, handle) = requested(backend).await;
    let addr = s.base.trim_start_matches("http://").to_string();
    s.stop().await;

    // The server is down: the approval is only written to the database.
    let cli = |args: &[&str]| common::demesh_cli(&db.url, &format!("http://{addr}"), args);
    cli(&["member", "approve", "club", &handle]).ok();
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert!(
        remote.of_kind("Accept").is_empty(),
        "nobody sends while stopped"
    );
    assert_eq!(cli(&["queue", "--json"]).json()[0]["pending"], 1);

    let s = TestServer::start_at(&db, TcpListener::bind(&addr).unwrap()).await;
    let accept = remote.wait_for("Accept").await;
    assert!(accept.verified);
    for _ in 0..100 {
        if queue(&s)[0]["delivered"] == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(queue(&s)[0]["delivered"], 1);
    assert_eq!(queue(&s)[0]["pending"], 0);
    assert_eq!(remote.of_kind("Accept").len(), 1, "sent once");
    s.stop().await;
}

async fn passing_failures_are_retried_final_ones_are_not(backend: Backend) {
    let (_db, s, remote, handle) = requested(backend).await;
    remote.answer("/inbox", &[503]);
    s.cli(&["member", "approve", "club", &handle]).ok();
    remote.wait_for("Accept").await;
    let mut q = queue(&s);
    for _ in 0..100 {
        if q[0]["last_error"] == "HTTP 503" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        q = queue(&s);
    }
    assert_eq!(q[0]["pending"], 1, "{q}");
    assert_eq!(q[0]["last_error"], "HTTP 503");
    let next = chrono::DateTime::parse_from_rfc3339(q[0]["next_attempt_at"].as_str().unwrap())
        .unwrap()
        .timestamp_millis();
    assert!(
        next > chrono::Utc::now().timestamp_millis() + 19_000,
        "backs off ~30 s"
    );

    // Time passes: the retry falls due and succeeds.
    exec_sql(
        &s.db_url,
        "UPDATE deliveries SET next_attempt_at = 0 WHERE state = 'pending'",
    );
    for _ in 0..100 {
        if queue(&s)[0]["delivered"] == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(queue(&s)[0]["delivered"], 1);
    assert_eq!(remote.of_kind("Accept").len(), 2, "first try and the retry");

    // A final refusal (403) is not retried; the removal's Block and
    // Undo{Block}, which wait for it, then go out.
    remote.answer("/inbox", &[403]);
    s.cli(&["member", "remove", "club", &handle]).ok();
    remote.wait_for("Reject").await;
    for _ in 0..100 {
        let q = queue(&s);
        if q[0]["failed"] == 1 && q[0]["pending"] == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let q = queue(&s);
    assert_eq!(q[0]["failed"], 1, "{q}");
    assert_eq!(q[0]["pending"], 0, "{q}");
    assert_eq!(remote.of_kind("Reject").len(), 1, "not retried");
    assert_eq!(remote.of_kind("Undo").len(), 1);
    let text = s.cli(&["queue"]).ok().to_string();
    assert!(
        text.contains(&remote.domain()) && text.contains("HTTP 403"),
        "{text}"
    );
    s.stop().await;
}

/// A crash after the 202 but before processing: the stored activity is
/// processed when the server is back.
async fn stored_activity_is_processed_after_restart(backend: Backend) {
    let (db, s, remote, _) = requested(backend).await;
    s.cli(&["group", "create", "team"]).ok();
    s.cli(&["group", "set", "team", "welcome", "off"]).ok();
    let addr = s.base.trim_start_matches("http://").to_string();
    let follow = remote.follow("alice", &s.url("/groups/team"), 2);
    s.stop().await;
    // What the inbox route had stored when the process died.
    let store = demesh::db::Db::connect(&db.url).unwrap();
    let (id, actor) = (follow["id"].as_str().unwrap(), remote.actor_id("alice"));
    assert!(store
        .store_incoming(id, "Follow", &actor, None, &follow.to_string())
        .unwrap());

    let s = TestServer::start_at(&db, TcpListener::bind(&addr).unwrap()).await;
    for _ in 0..100 {
        let pending = s
            .cli(&["request", "list", "--group", "team", "--json"])
            .json();
        if pending.as_array().unwrap().len() == 1 {
            return s.stop().await;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the stored Follow was not processed after restart");
}

/// A fresh database, opened directly (no server), with the group "club".
fn store_with_club(backend: Backend) -> (TestDb, demesh::db::Db, demesh::db::Group) {
    let test_db = TestDb::new(backend);
    let db = demesh::db::Db::connect(&test_db.url).unwrap();
    let (private_key_pem, public_key_pem) = demesh::keys::generate_rsa_pem().unwrap();
    let group = db
        .create_group(demesh::db::NewGroup {
            name: "club".into(),
            display_name: "Club".into(),
            summary: String::new(),
            private_key_pem,
            public_key_pem,
        })
        .unwrap();
    (test_db, db, group)
}

/// The worker records results in batches (one transaction for all that
/// finished meanwhile): each result still lands on its own delivery. The
/// store only records: what a 410 means (the account's memberships end)
/// is the delivery recorder's rule, tested through the server in
/// tests/membership.rs and tests/removal.rs.
async fn batched_results_each_land_on_their_delivery(backend: Backend) {
    use demesh::db::queue::{Attempt, Target, DELIVERED, FAILED, PENDING};
    let (_test_db, db, group) = store_with_club(backend);
    let gone = "https://c.example/users/gone";
    db.record_follow(
        group.id,
        gone,
        "https://c.example/f/1",
        "{}",
        demesh::db::MembershipState::Approved,
    )
    .unwrap();
    let targets: Vec<Target> = ["a", "b", "c"]
        .iter()
        .map(|h| Target {
            inbox: format!("https://{h}.example/inbox"),
            recipient: (*h == "c").then(|| gone.to_string()),
            sync_digest: None,
        })
        .collect();
    db.enqueue(group.id, "https://relay.example/a/1", "{}", &targets)
        .unwrap();
    let claimed = db.claim_deliveries(10, 60_000).unwrap();
    assert_eq!(claimed.len(), 3);
    let id = |host: &str| claimed.iter().find(|d| d.inbox.contains(host)).unwrap().id;
    let later = demesh::db::now_ms() + 30_000;
    let attempt = |id, state, status, next| Attempt {
        id,
        state,
        status: Some(status),
        error: (status != 202).then(|| format!("HTTP {status}")),
        next_attempt_at: next,
        gone_actor: (status == 410).then(|| gone.to_string()),
        host: String::new(),
        park: false,
    };
    db.record_attempts(&[
        attempt(id("a."), DELIVERED, 202, None),
        attempt(id("b."), PENDING, 503, Some(later)),
        attempt(id("c."), FAILED, 410, None),
    ])
    .unwrap();
    let status = db.queue_status().unwrap();
    let host = |h: &str| status.iter().find(|s| s.host == h).unwrap().clone();
    let (a, b, c) = (host("a.example"), host("b.example"), host("c.example"));
    assert_eq!((a.delivered, a.pending, a.failed), (1, 0, 0));
    assert_eq!((b.delivered, b.pending, b.failed), (0, 1, 0));
    assert_eq!(b.next_attempt_at, Some(later));
    assert_eq!(b.last_error.as_deref(), Some("HTTP 503"));
    assert_eq!((c.delivered, c.pending, c.failed), (0, 0, 1));
    assert_eq!(
        db.count_members(group.id).unwrap(),
        1,
        "recording a 410 ends nothing by itself"
    );
    // Released: the retry is not claimed before its time, nothing else is due.
    assert!(db.claim_deliveries(10, 60_000).unwrap().is_empty());
}

/// A server that failed a delivery for its whole retry schedule is
/// parked: later deliveries to it are recorded as failed without being
/// sent, until it talks to us again.
async fn servers_given_up_on_are_parked_until_they_return(backend: Backend) {
    let c = club(backend).await;
    let b_host = c.b.domain();
    let b_status = |c: &common::club::Club| -> Value {
        let all = c.s.cli(&["queue", "--json"]).json();
        all.as_array()
            .unwrap()
            .iter()
            .find(|h| h["host"] == b_host.as_str())
            .unwrap()
            .clone()
    };
    let posts = |n: &str| {
        c.a.fixture("mastodon_direct.json", "alice", &c.group, n, "")
    };
    c.b.answer("/inbox", &[503, 503]);
    assert_eq!(
        c.a.post("alice", &c.s.url("/inbox"), &posts("70")).await,
        202
    );
    for _ in 0..100 {
        if b_status(&c)["last_error"] == "HTTP 503" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(b_status(&c)["pending"], 1);

    // Two days of failures later: the last retry fails too.
    exec_sql(
        &c.db.url,
        "UPDATE deliveries SET attempts = 11, next_attempt_at = 0 WHERE state = 'pending'",
    );
    for _ in 0..100 {
        if b_status(&c)["unavailable_since"].is_string() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let parked = b_status(&c);
    assert!(parked["unavailable_since"].is_string(), "{parked}");
    assert!(
        parked["last_error"]
            .as_str()
            .unwrap()
            .starts_with("gave up"),
        "{parked}"
    );

    // Nothing more is sent to it: the next post's delivery is held.
    let before = c.b.received().len();
    let post = posts("71");
    assert_eq!(c.a.post("alice", &c.s.url("/inbox"), &post).await, 202);
    let held = copy_of(&c, post["object"]["id"].as_str().unwrap()).await;
    arrived(&c.a, "Create", &held).await;
    nothing_more(&c.s, &c.b, before).await;
    let parked = b_status(&c);
    assert_eq!(
        (parked["failed"].clone(), parked["held"].clone()),
        (json!(1), json!(1)),
        "{parked}"
    );
    // The held row carries no error of its own: the server's last real
    // error stays what the operator sees, next to "unavailable since".
    assert!(
        parked["last_error"]
            .as_str()
            .unwrap()
            .starts_with("gave up"),
        "{parked}"
    );
    let text = c.s.cli(&["queue"]).ok().to_string();
    assert!(text.contains("unavailable since"), "{text}");

    // bob's server is back (it sends bob's post): delivering to it again,
    // the held post first.
    let bobs =
        c.b.fixture("mastodon_direct.json", "bob", &c.group, "72", "");
    assert_eq!(c.b.post("bob", &c.s.url("/inbox"), &bobs).await, 202);
    copy_of(&c, bobs["object"]["id"].as_str().unwrap()).await;
    assert!(arrived(&c.b, "Create", &held).await.verified);
    assert!(b_status(&c)["unavailable_since"].is_null());
    let post = posts("73");
    assert_eq!(c.a.post("alice", &c.s.url("/inbox"), &post).await, 202);
    let note = copy_of(&c, post["object"]["id"].as_str().unwrap()).await;
    assert!(arrived(&c.b, "Create", &note).await.verified);
    common::wait::settled(&c.s).await;
    let status = b_status(&c);
    assert_eq!(status["held"], 0, "{status}");
    assert_eq!(creates_of(&c.b, &held), 1, "the held post arrives once");
    c.s.stop().await;
}

/// Two profile changes in a row (name, then summary): each `Update{Group}`
/// carries the whole profile, and a member server shows whichever arrives
/// last (GoToSocial has no order check), so the older one, not sent yet,
/// is dropped: every server gets one Update, with both changes.
async fn a_profile_update_not_sent_yet_gives_way_to_a_newer_one(backend: Backend) {
    let c = club(backend).await;
    let addr = c.s.base.trim_start_matches("http://").to_string();
    c.s.stop().await;
    let cli = |args: &[&str]| common::demesh_cli(&c.db.url, &format!("http://{addr}"), args);
    cli(&["group", "set", "club", "display-name", "Readers"]).ok();
    cli(&["group", "set", "club", "summary", "We read"]).ok();

    let s = TestServer::start_at(&c.db, TcpListener::bind(&addr).unwrap()).await;
    for server in [&c.a, &c.b] {
        let update = server.wait_for("Update").await;
        assert!(update.verified);
        assert_eq!(update.activity["object"]["name"], "Readers");
        assert!(update.activity["object"]["summary"]
            .as_str()
            .unwrap()
            .contains("We read"));
    }
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(c.a.of_kind("Update").len(), 1, "the older Update not sent");
    assert_eq!(c.b.of_kind("Update").len(), 1, "the older Update not sent");
    s.stop().await;
}

/// Delivered rows go once they are older than the retention; failures,
/// retries and recent deliveries stay (`Db::prune_delivered`, run hourly
/// by `delivery::retention`).
async fn old_delivered_rows_are_deleted_and_nothing_else(backend: Backend) {
    use demesh::db::queue::{Attempt, Target, DELIVERED, FAILED, PENDING};
    let (test_db, db, group) = store_with_club(backend);
    let targets: Vec<Target> = ["old", "recent", "failed", "retry", "old2"]
        .iter()
        .map(|h| Target {
            inbox: format!("https://{h}.example/inbox"),
            recipient: None,
            sync_digest: None,
        })
        .collect();
    db.enqueue(group.id, "https://relay.example/a/1", "{}", &targets)
        .unwrap();
    let claimed = db.claim_deliveries(10, 60_000).unwrap();
    let id = |host: &str| claimed.iter().find(|d| d.inbox.contains(host)).unwrap().id;
    let attempt = |id, state, next| Attempt {
        id,
        state,
        status: Some(202),
        error: None,
        next_attempt_at: next,
        gone_actor: None,
        host: String::new(),
        park: false,
    };
    let later = demesh::db::now_ms() + 30_000;
    db.record_attempts(&[
        attempt(id("//old."), DELIVERED, None),
        attempt(id("//old2."), DELIVERED, None),
        attempt(id("recent."), DELIVERED, None),
        attempt(id("failed."), FAILED, None),
        attempt(id("retry."), PENDING, Some(later)),
    ])
    .unwrap();
    // Two delivered and the failure ended long ago.
    common::exec_sql(
        &test_db.url,
        "UPDATE deliveries SET next_attempt_at = 1000 \
         WHERE inbox LIKE '%//old%' OR inbox LIKE '%//failed%'",
    );
    let before = demesh::db::now_ms() - 60_000;
    assert_eq!(
        db.prune_delivered(before, 1).unwrap(),
        1,
        "at most the limit"
    );
    assert_eq!(db.prune_delivered(before, 100).unwrap(), 1);
    assert_eq!(db.prune_delivered(before, 100).unwrap(), 0, "nothing left");
    let status = db.queue_status().unwrap();
    let hosts: Vec<&str> = status.iter().map(|s| s.host.as_str()).collect();
    for kept in ["recent.example", "failed.example", "retry.example"] {
        assert!(hosts.contains(&kept), "{kept} kept: {hosts:?}");
    }
    assert!(!hosts.contains(&"old.example") && !hosts.contains(&"old2.example"));
}

/// A delivery in flight when its server got parked, whose attempt then
/// fails too, is held with the server's other deliveries instead of
/// keeping its own retry schedule; a later answer from the server
/// releases it.
async fn a_retry_to_a_server_parked_meanwhile_is_held(backend: Backend) {
    use demesh::db::queue::{Attempt, Target, DELIVERED, FAILED, PENDING};
    let (_test_db, db, group) = store_with_club(backend);
    let targets: Vec<Target> = ["a", "b", "c"]
        .iter()
        .map(|name| Target {
            inbox: format!("https://x.example/users/{name}/inbox"),
            recipient: Some(format!("https://x.example/users/{name}")),
            sync_digest: None,
        })
        .collect();
    db.enqueue(group.id, "https://relay.example/a/1", "{}", &targets)
        .unwrap();
    let claimed = db.claim_deliveries(10, 60_000).unwrap();
    assert_eq!(claimed.len(), 3, "all three in flight");
    let attempt = |id, state, next, park| Attempt {
        id,
        state,
        status: Some(503),
        error: Some("HTTP 503".into()),
        next_attempt_at: next,
        gone_actor: None,
        host: "x.example".into(),
        park,
    };
    let later = demesh::db::now_ms() + 30_000;
    // The first one's retries ran out: the server is parked.
    db.record_attempts(&[attempt(claimed[0].id, FAILED, None, true)])
        .unwrap();
    // The second, in flight meanwhile, fails once more.
    db.record_attempts(&[attempt(claimed[1].id, PENDING, Some(later), false)])
        .unwrap();
    let x = |db: &demesh::db::Db| {
        db.queue_status()
            .unwrap()
            .into_iter()
            .find(|s| s.host == "x.example")
            .unwrap()
    };
    let status = x(&db);
    assert_eq!((status.failed, status.held, status.pending), (1, 1, 1));
    // The third is accepted: the server is back, the held one goes now.
    let mut ok = attempt(claimed[2].id, DELIVERED, None, false);
    ok.status = Some(202);
    ok.error = None;
    db.record_attempts(&[ok]).unwrap();
    let status = x(&db);
    assert_eq!((status.held, status.pending, status.delivered), (0, 1, 1));
    assert_eq!(db.claim_deliveries(10, 60_000).unwrap().len(), 1);
}

backend_tests!(
    a_retry_to_a_server_parked_meanwhile_is_held,
    old_delivered_rows_are_deleted_and_nothing_else,
    servers_given_up_on_are_parked_until_they_return,
    batched_results_each_land_on_their_delivery,
    stored_activity_is_processed_after_restart,
    approval_made_while_stopped_is_delivered_after_restart,
    passing_failures_are_retried_final_ones_are_not,
    a_profile_update_not_sent_yet_gives_way_to_a_newer_one,
);
