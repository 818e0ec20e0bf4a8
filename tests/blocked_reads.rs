//! Blocks hold for signed GETs too: a blocked account or server reads no
//! group object or activity, no followers, no followers synchronisation,
//! even from a server that hosts members.
#![allow(clippy::unwrap_used)]

mod common;

use common::club::{alice_posts, arrived, club};
use common::Backend;
use serde_json::json;

async fn a_blocked_account_reads_nothing_on_a_member_server(backend: Backend) {
    let c = club(backend).await;
    let (_, note) = alice_posts(&c, "1").await;
    let create = arrived(&c.a, "Create", &note).await;
    let create_id = create.activity["id"].as_str().unwrap().to_string();
    let sync_url = format!("{}/followers_synchronization", c.group);
    let followers = format!("{}/followers", c.group);
    // eve lives on alice's server but is no member: her server's members
    // let her signed GETs through, as they do Mastodon's instance actor.
    c.a.account("eve");
    assert_eq!(c.a.signed_get("eve", &note).await.0, 200);
    assert_eq!(c.a.signed_get("eve", &create_id).await.0, 200);
    assert_eq!(c.a.signed_get("eve", &sync_url).await.0, 200);
    let (_, doc) = c.a.signed_get("eve", &followers).await;
    assert!(doc["orderedItems"].is_array(), "{doc}");

    c.s.cli(&["block", "add", &format!("@eve@{}", c.a.domain())])
        .ok();
    assert_eq!(c.a.signed_get("eve", &note).await.0, 404);
    assert_eq!(c.a.signed_get("eve", &create_id).await.0, 404);
    assert_eq!(c.a.signed_get("eve", &sync_url).await.0, 403);
    let (status, doc) = c.a.signed_get("eve", &followers).await;
    assert_eq!(status, 200, "the size, as anyone gets it");
    assert_eq!(doc["totalItems"], 3);
    assert!(doc.get("orderedItems").is_none(), "no names: {doc}");
    // The block is eve's alone: alice still reads.
    assert_eq!(c.a.signed_get("alice", &note).await.0, 200);
    let (_, doc) = c.a.signed_get("alice", &followers).await;
    assert_eq!(doc["orderedItems"].as_array().unwrap().len(), 2);

    c.s.cli(&["block", "remove", &format!("@eve@{}", c.a.domain())])
        .ok();
    assert_eq!(c.a.signed_get("eve", &note).await.0, 200, "block lifted");
}

/// A server blocked while its members' rows still exist (the block is
/// written, the memberships are ended by the same command): its reads are
/// refused by the block itself, whatever the memberships say.
async fn a_blocked_server_reads_nothing(backend: Backend) {
    let c = club(backend).await;
    let (_, note) = alice_posts(&c, "2").await;
    assert_eq!(c.b.signed_get("bob", &note).await.0, 200);
    // The block row alone, as between the two writes of `block add`.
    common::exec_sql(
        &c.s.db_url,
        &format!(
            "INSERT INTO blocks (pattern, created_at) VALUES ('{}', 0)",
            c.b.domain()
        ),
    );
    assert_eq!(
        c.s.cli(&["member", "list", "club", "--json"])
            .json()
            .as_array()
            .unwrap()
            .len(),
        3
    );
    assert_eq!(c.b.signed_get("bob", &note).await.0, 404);
    let sync_url = format!("{}/followers_synchronization", c.group);
    assert_eq!(c.b.signed_get("bob", &sync_url).await.0, 403);
    let (_, doc) =
        c.b.signed_get("bob", &format!("{}/followers", c.group))
            .await;
    assert_eq!(doc.get("orderedItems"), None);
    assert_eq!(doc["totalItems"], json!(3));
}

backend_tests!(
    a_blocked_account_reads_nothing_on_a_member_server,
    a_blocked_server_reads_nothing,
);
