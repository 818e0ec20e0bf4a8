//! A Follow delivered late never replaces a member's live Follow: not one
//! its author undid since (Mitra retries a refused Follow for hours, after
//! the person cancelled it and followed again), nor one older than the
//! live Follow. Otherwise the group's later Reject (member remove) would
//! name a Follow the member's server no longer knows, and be dropped.
#![allow(clippy::unwrap_used)]

mod common;

use common::fake_remote::FakeRemote;
use common::wait::processed;
use common::{Backend, TestDb, TestServer};
use serde_json::json;
use std::time::Duration;

async fn requests(s: &TestServer) -> usize {
    s.cli(&["request", "list", "--json"])
        .json()
        .as_array()
        .unwrap()
        .len()
}

async fn undone_and_older_follows_never_replace_the_live_one(backend: Backend) {
    let db = TestDb::new(backend);
    let s = TestServer::start(&db).await;
    s.cli(&["group", "create", "club"]).ok();
    s.cli(&["group", "set", "club", "welcome", "off"]).ok();
    let club = s.url("/groups/club");
    let m = FakeRemote::start();
    m.account("ann");
    let ann = m.actor_id("ann");
    let inbox = s.url("/inbox");

    // ann follows (F1) and cancels (Undo{F1}); the Undo overtakes F1,
    // whose delivery was refused or delayed: there is nothing to cancel.
    let f1 = m.follow("ann", &club, 1);
    let undo = json!({"id": format!("{ann}#undo/1"), "type": "Undo", "actor": ann, "object": f1});
    assert_eq!(m.post("ann", &inbox, &undo).await, 202);
    processed(&s, undo["id"].as_str().unwrap()).await;
    assert_eq!(requests(&s).await, 0);

    // F2, dated now, approved.
    let mut f2 = m.follow("ann", &club, 2);
    f2["published"] = json!(chrono::Utc::now().to_rfc3339());
    assert_eq!(m.post("ann", &inbox, &f2).await, 202);
    processed(&s, f2["id"].as_str().unwrap()).await;
    s.cli(&["member", "approve", "club", &format!("@ann@{}", m.domain())])
        .ok();
    let accept = m.wait_for("Accept").await;
    assert_eq!(accept.activity["object"]["id"], f2["id"]);

    // F1 arrives at last: ignored, no Accept, no request.
    assert_eq!(m.post("ann", &inbox, &f1).await, 202);
    let outcome = processed(&s, f1["id"].as_str().unwrap()).await;
    assert!(outcome.contains("undone"), "{outcome}");

    // F0, dated an hour before F2: ignored too.
    let mut f0 = m.follow("ann", &club, 0);
    f0["published"] = json!((chrono::Utc::now() - chrono::Duration::hours(1)).to_rfc3339());
    assert_eq!(m.post("ann", &inbox, &f0).await, 202);
    let outcome = processed(&s, f0["id"].as_str().unwrap()).await;
    assert!(outcome.contains("older"), "{outcome}");
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(m.of_kind("Accept").len(), 1, "nothing accepted but F2");

    // The removal's Reject names the live Follow, F2.
    s.cli(&["member", "remove", "club", &format!("@ann@{}", m.domain())])
        .ok();
    let reject = m.wait_for("Reject").await;
    assert_eq!(
        reject.activity["object"]["id"], f2["id"],
        "{}",
        reject.activity
    );
    s.stop().await;
}

backend_tests!(undone_and_older_follows_never_replace_the_live_one);
