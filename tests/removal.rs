//! Removals that hold on every server (issue #11 part 2, DESIGN §5) and
//! what a former member can still do (issue #17 part 2). A member server
//! must receive the group's answers in order: Reject{Follow}, then the
//! group's Block of the account, then (for a removal that is no ban)
//! Undo{Block} only once the Block was answered; an Accept after them.
#![allow(clippy::unwrap_used)]

mod common;

use common::club::{alice_posts, arrived, club, nothing_more, Club};
use common::fake_remote::FakeRemote;
use common::wait::processed;
use common::{exec_sql, Backend};
use serde_json::Value;
use std::time::Duration;

fn kinds(server: &FakeRemote, from: usize) -> Vec<String> {
    server.received()[from..]
        .iter()
        .map(|r| r.activity["type"].as_str().unwrap_or_default().to_string())
        .collect()
}

async fn received_at_least(server: &FakeRemote, n: usize) {
    for _ in 0..400 {
        if server.received().len() >= n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("expected {n} deliveries, got {:?}", server.received());
}

/// Makes every delivery waiting for a retry due now.
fn retry_deliveries_now(c: &Club) {
    exec_sql(
        &c.db.url,
        "UPDATE deliveries SET next_attempt_at = 0 WHERE state = 'pending'",
    );
}

/// `member remove`: Reject, Block, and the Undo{Block} only after the Block
/// was delivered (not while it waits for a retry). Approving the account
/// again meanwhile queues the Accept after the Undo.
async fn removal_blocks_then_unblocks_in_order(backend: Backend) {
    let c = club(backend).await;
    let bob = c.b.actor_id("bob");
    let b0 = c.b.received().len();
    // The Reject is taken, the Block fails once (and waits 30 s to retry).
    c.b.answer("/inbox", &[202, 503]);
    let out =
        c.s.cli(&["member", "remove", "club", &format!("bob@{}", c.b.domain())])
            .ok()
            .to_string();
    assert!(out.contains("Block"), "{out}");
    received_at_least(&c.b, b0 + 2).await;
    // bob asks again (he is pre-approved): the Accept must wait too.
    let follow = c.b.follow("bob", &c.group, 2);
    assert_eq!(c.b.post("bob", &c.s.url("/inbox"), &follow).await, 202);
    assert!(processed(&c.s, follow["id"].as_str().unwrap())
        .await
        .starts_with("accepted"));
    nothing_more(&c.s, &c.b, b0 + 2).await;
    assert_eq!(kinds(&c.b, b0), ["Reject", "Block"]);

    retry_deliveries_now(&c);
    received_at_least(&c.b, b0 + 5).await;
    nothing_more(&c.s, &c.b, b0 + 5).await;
    assert_eq!(
        kinds(&c.b, b0),
        ["Reject", "Block", "Block", "Undo", "Accept"]
    );
    let got = c.b.received();
    let (reject, block, undo, accept) = (&got[b0], &got[b0 + 2], &got[b0 + 3], &got[b0 + 4]);
    assert!(got[b0..].iter().all(|r| r.verified), "signed by the group");
    assert_eq!(reject.activity["object"]["actor"], bob);
    assert_eq!(block.activity["actor"], c.group);
    assert_eq!(block.activity["object"], bob);
    assert_eq!(block.activity["to"], serde_json::json!([bob]));
    assert_eq!(
        undo.activity["object"]["id"], block.activity["id"],
        "Undo of that Block"
    );
    assert_eq!(undo.activity["object"]["type"], "Block");
    assert_eq!(accept.activity["object"]["id"], follow["id"]);
    assert_eq!(
        c.a.of_kind("Block").len(),
        0,
        "alice's server is not involved"
    );
    c.s.stop().await;
}

/// `block add` of a member's server: each member there gets Reject and a
/// Block that stands (no Undo). `block remove` lifts it with Undo{Block}.
async fn block_keeps_its_block_until_lifted(backend: Backend) {
    let c = club(backend).await;
    let (a0, b0) = (c.a.received().len(), c.b.received().len());
    c.s.cli(&["block", "add", &c.b.domain()]).ok();
    received_at_least(&c.b, b0 + 2).await;
    nothing_more(&c.s, &c.b, b0 + 2).await;
    assert_eq!(kinds(&c.b, b0), ["Reject", "Block"]);
    let block = c.b.received()[b0 + 1].activity.clone();
    assert_eq!(block["object"], c.b.actor_id("bob"));
    assert_eq!(c.a.received().len(), a0, "other servers get nothing");

    let out =
        c.s.cli(&["block", "remove", &c.b.domain()])
            .ok()
            .to_string();
    assert!(out.contains("Undo{Block} queued to 1"), "{out}");
    received_at_least(&c.b, b0 + 3).await;
    let undo = &c.b.received()[b0 + 2].activity;
    assert_eq!(undo["type"], "Undo");
    assert_eq!(undo["object"]["id"], block["id"]);
    nothing_more(&c.s, &c.b, b0 + 3).await;
    c.s.stop().await;
}

/// A removed member's edit does not reach the members; their delete does
/// (their right to withdraw what they wrote).
async fn former_members_can_delete_but_not_edit(backend: Backend) {
    let c = club(backend).await;
    let (_, note) = alice_posts(&c, "1").await;
    c.s.cli(&[
        "member",
        "remove",
        "club",
        &format!("alice@{}", c.a.domain()),
    ])
    .ok();
    let b0 = c.b.received().len();
    let update =
        c.a.fixture("mastodon_update.json", "alice", &c.group, "1", "");
    assert_eq!(c.a.post("alice", &c.s.url("/inbox"), &update).await, 202);
    let outcome = processed(&c.s, update["id"].as_str().unwrap()).await;
    assert_eq!(outcome, "ignored: Update from someone no longer a member");
    nothing_more(&c.s, &c.b, b0).await;

    let delete =
        c.a.fixture("mastodon_delete.json", "alice", &c.group, "1", "");
    assert_eq!(c.a.post("alice", &c.s.url("/inbox"), &delete).await, 202);
    let del = arrived(&c.b, "Delete", &note).await;
    assert!(del.verified);
    c.s.stop().await;
}

/// A Delete that overtakes its Create leaves a tombstone: the late Create
/// is not republished.
async fn delete_before_create_is_remembered(backend: Backend) {
    let c = club(backend).await;
    let b0 = c.b.received().len();
    let delete =
        c.a.fixture("mastodon_delete.json", "alice", &c.group, "7", "");
    assert_eq!(c.a.post("alice", &c.s.url("/inbox"), &delete).await, 202);
    let outcome = processed(&c.s, delete["id"].as_str().unwrap()).await;
    assert!(outcome.starts_with("remembered"), "{outcome}");
    let post =
        c.a.fixture("mastodon_direct.json", "alice", &c.group, "7", "");
    assert_eq!(c.a.post("alice", &c.s.url("/inbox"), &post).await, 202);
    let outcome = processed(&c.s, post["id"].as_str().unwrap()).await;
    assert!(outcome.contains("deleted by its author"), "{outcome}");
    nothing_more(&c.s, &c.b, b0).await;
    // Her other posts still go out.
    let other =
        c.a.fixture("mastodon_direct.json", "alice", &c.group, "8", "");
    assert_eq!(c.a.post("alice", &c.s.url("/inbox"), &other).await, 202);
    let outcome = processed(&c.s, other["id"].as_str().unwrap()).await;
    assert!(outcome.contains("republished to 2"), "{outcome}");
    let _: Value = c.b.wait_for("Create").await.activity;
    c.s.stop().await;
}

/// A member whose own inbox answers 410 Gone is removed as by `member
/// remove`: their server gets Reject, Block and Undo{Block}, in order.
async fn gone_member_is_removed_everywhere(backend: Backend) {
    let c = club(backend).await;
    let home = FakeRemote::start_with(false);
    home.account("hal");
    c.s.cli(&["member", "allow", "club", &format!("hal@{}", home.domain())])
        .ok();
    let follow = home.follow("hal", &c.group, 1);
    assert_eq!(home.post("hal", &c.s.url("/inbox"), &follow).await, 202);
    home.wait_for("Accept").await;
    home.answer("/users/hal/inbox", &[410]);
    let (_, note) = alice_posts(&c, "1").await;
    arrived(&home, "Create", &note).await;
    received_at_least(&home, 5).await;
    nothing_more(&c.s, &home, 5).await;
    assert_eq!(
        kinds(&home, 0),
        ["Accept", "Create", "Reject", "Block", "Undo"]
    );
    let members = c.s.cli(&["member", "list", "club", "--json"]).json();
    assert!(!members.to_string().contains("/users/hal"), "{members}");
    c.s.stop().await;
}

/// Approving an account the group still blocks sends Undo{Block} before
/// the Accept (its server would refuse the follow otherwise). `block
/// remove` lifts the groups' Blocks itself, so the state is made by hand
/// here: the server-wide block gone, the group's Block standing.
async fn approval_lifts_a_standing_block_first(backend: Backend) {
    let c = club(backend).await;
    let b0 = c.b.received().len();
    c.s.cli(&["block", "add", &format!("bob@{}", c.b.domain())])
        .ok();
    received_at_least(&c.b, b0 + 2).await;
    exec_sql(&c.db.url, "DELETE FROM blocks");
    let follow = c.b.follow("bob", &c.group, 2);
    assert_eq!(c.b.post("bob", &c.s.url("/inbox"), &follow).await, 202);
    assert!(processed(&c.s, follow["id"].as_str().unwrap())
        .await
        .starts_with("accepted"));
    received_at_least(&c.b, b0 + 4).await;
    nothing_more(&c.s, &c.b, b0 + 4).await;
    assert_eq!(kinds(&c.b, b0), ["Reject", "Block", "Undo", "Accept"]);
    let got = c.b.received();
    assert_eq!(
        got[b0 + 2].activity["object"]["id"],
        got[b0 + 1].activity["id"]
    );
    assert_eq!(got[b0 + 3].activity["object"]["id"], follow["id"]);
    c.s.stop().await;
}

/// A deleted group's Blocks go with it: lifting the server-wide block
/// afterwards works and sends nothing for the gone group.
async fn blocks_of_a_deleted_group_go_with_it(backend: Backend) {
    let c = club(backend).await;
    let b0 = c.b.received().len();
    c.s.cli(&["block", "add", &c.b.domain()]).ok();
    received_at_least(&c.b, b0 + 2).await;
    c.s.cli(&["group", "delete", "club", "--yes"]).ok();
    let out =
        c.s.cli(&["block", "remove", &c.b.domain()])
            .ok()
            .to_string();
    assert_eq!(out.trim(), format!("unblocked {}", c.b.domain()));
    nothing_more(&c.s, &c.b, b0 + 2).await;
    c.s.stop().await;
}

backend_tests!(
    removal_blocks_then_unblocks_in_order,
    block_keeps_its_block_until_lifted,
    former_members_can_delete_but_not_edit,
    delete_before_create_is_remembered,
    gone_member_is_removed_everywhere,
    approval_lifts_a_standing_block_first,
    blocks_of_a_deleted_group_go_with_it,
);
