//! One transaction per effect (issue #17): a write that fails half-way
//! through an effect leaves nothing behind, and once the fault clears, the
//! retry does the whole effect exactly once. Each test makes the second
//! write of one effect fail with a trigger, then checks what every member
//! server received.
#![allow(clippy::unwrap_used)]

mod common;

use common::club::{alice_posts, arrived, club, copy_of, nothing_more, Club};
use common::faults::{capture_logs, inject, inject_on, logged, retry_inbox_now};
use common::wait::{eventually, processed};
use common::{count_rows, Backend};

/// Kinds of what `server` received, in order.
fn kinds(server: &common::fake_remote::FakeRemote) -> Vec<String> {
    server
        .received()
        .iter()
        .map(|r| r.activity["type"].as_str().unwrap_or_default().to_string())
        .collect()
}

/// The inbox worker tried `activity_id` and failed on the injected fault.
async fn failed_once(activity_id: &str) {
    logged(&["processing failed", activity_id, "injected fault"]).await;
}

async fn wait_until(what: &str, mut check: impl FnMut() -> bool) {
    eventually(what, || std::future::ready(check().then_some(()))).await
}

/// A member post whose Create cannot be queued is not stored either; the
/// retry publishes it once (it is not taken for a duplicate).
async fn publish_is_one_effect(backend: Backend) {
    capture_logs();
    let c = club(backend).await;
    let (a0, b0) = (c.a.received().len(), c.b.received().len());
    let fault = inject(&c.db.url, "outgoing_activities", "1 = 1");
    let post =
        c.a.fixture("mastodon_direct.json", "alice", &c.group, "1", "");
    assert_eq!(c.a.post("alice", &c.s.url("/inbox"), &post).await, 202);
    failed_once(post["id"].as_str().unwrap()).await;
    assert_eq!(
        count_rows(&c.db.url, "posts"),
        0,
        "no copy without its Create"
    );
    fault.clear();
    retry_inbox_now(&c.db.url);
    let note = copy_of(&c, post["object"]["id"].as_str().unwrap()).await;
    arrived(&c.a, "Create", &note).await;
    arrived(&c.b, "Create", &note).await;
    nothing_more(&c.s, &c.b, b0 + 1).await;
    assert_eq!(c.a.received().len(), a0 + 1, "{:?}", c.a.received());
    c.s.stop().await;
}

/// Leak guard `warn`: the group's copy and the note to its author are one
/// effect; a failure queueing the note publishes neither, the retry both.
async fn leak_note_is_part_of_the_effect(backend: Backend) {
    capture_logs();
    let c = club(backend).await;
    let (a0, b0) = (c.a.received().len(), c.b.received().len());
    let fault = inject(
        &c.db.url,
        "outgoing_activities",
        "NEW.body LIKE '%visible outside%'",
    );
    let post =
        c.a.fixture("mastodon_private.json", "alice", &c.group, "1", "");
    assert_eq!(c.a.post("alice", &c.s.url("/inbox"), &post).await, 202);
    failed_once(post["id"].as_str().unwrap()).await;
    assert_eq!(count_rows(&c.db.url, "posts"), 0);
    assert_eq!(
        count_rows(&c.db.url, "outgoing_activities"),
        3,
        "only the 3 Accepts"
    );
    fault.clear();
    retry_inbox_now(&c.db.url);
    let note = copy_of(&c, post["object"]["id"].as_str().unwrap()).await;
    arrived(&c.b, "Create", &note).await;
    nothing_more(&c.s, &c.b, b0 + 1).await;
    wait_until("the copy and the note at alice's server", || {
        c.a.received().len() >= a0 + 2
    })
    .await;
    nothing_more(&c.s, &c.a, a0 + 2).await;
    let notes =
        c.a.of_kind("Create")
            .into_iter()
            .filter(|r| {
                r.activity["object"]["content"]
                    .as_str()
                    .unwrap_or_default()
                    .contains("visible outside")
            })
            .count();
    assert_eq!(notes, 1);
    c.s.stop().await;
}

/// `post remove` marks the post removed and queues its Delete together: a
/// failure leaves the post in place (the command can be run again), and
/// the members get one Delete.
async fn moderator_removal_is_one_effect(backend: Backend) {
    let c = club(backend).await;
    let (_, note) = alice_posts(&c, "1").await;
    let b0 = c.b.received().len();
    let fault = inject(&c.db.url, "outgoing_activities", "1 = 1");
    let err =
        c.s.cli(&["post", "remove", "club", &note])
            .failed()
            .to_string();
    assert!(err.contains("injected fault"), "{err}");
    fault.clear();
    let out = c.s.cli(&["post", "remove", "club", &note]).ok().to_string();
    assert!(out.contains("Delete queued"), "{out}");
    arrived(&c.b, "Delete", &note).await;
    arrived(&c.a, "Delete", &note).await;
    nothing_more(&c.s, &c.b, b0 + 1).await;
    assert_eq!(c.a.of_kind("Delete").len(), 1);
    c.s.stop().await;
}

/// Approval and its Accept are one effect.
async fn approval_is_one_effect(backend: Backend) {
    let c = club(backend).await;
    c.b.account("dave");
    let follow = c.b.follow("dave", &c.group, 1);
    assert_eq!(c.b.post("dave", &c.s.url("/inbox"), &follow).await, 202);
    let dave = format!("dave@{}", c.b.domain());
    wait_until("dave's request", || {
        c.s.cli(&["request", "list", "--json"])
            .json()
            .as_array()
            .unwrap()
            .len()
            == 1
    })
    .await;
    let b0 = c.b.received().len();
    let fault = inject(&c.db.url, "outgoing_activities", "1 = 1");
    c.s.cli(&["member", "approve", "club", &dave]).failed();
    assert_eq!(
        c.s.cli(&["request", "list", "--json"])
            .json()
            .as_array()
            .unwrap()
            .len(),
        1,
        "still a request"
    );
    fault.clear();
    c.s.cli(&["member", "approve", "club", &dave]).ok();
    c.b.wait_for("Accept").await;
    wait_until("the Accept", || c.b.received().len() > b0).await;
    nothing_more(&c.s, &c.b, b0 + 1).await;
    assert_eq!(kinds(&c.b)[b0..], ["Accept"]);
    c.s.stop().await;
}

/// Removal is one effect: the membership ends with its Reject, Block and
/// Undo{Block} queued together; a failure queueing the Block keeps the
/// member, and the retry sends each once, in order.
async fn removal_is_one_effect(backend: Backend) {
    let c = club(backend).await;
    let bob = format!("bob@{}", c.b.domain());
    let b0 = c.b.received().len();
    let fault = inject(
        &c.db.url,
        "outgoing_activities",
        "NEW.body LIKE '%\"type\":\"Block\"%'",
    );
    c.s.cli(&["member", "remove", "club", &bob]).failed();
    assert_eq!(members(&c), 3, "bob is still a member");
    fault.clear();
    c.s.cli(&["member", "remove", "club", &bob]).ok();
    assert_eq!(members(&c), 2);
    wait_until("Reject, Block, Undo", || c.b.received().len() >= b0 + 3).await;
    nothing_more(&c.s, &c.b, b0 + 3).await;
    assert_eq!(kinds(&c.b)[b0..], ["Reject", "Block", "Undo"]);
    c.s.stop().await;
}

fn members(c: &Club) -> usize {
    c.s.cli(&["member", "list", "club", "--json"])
        .json()
        .as_array()
        .unwrap()
        .len()
}

/// An account move is one effect: the new account's membership and
/// Accept, and the end of the old one (Reject, Block, Undo{Block}).
async fn move_is_one_effect(backend: Backend) {
    capture_logs();
    let c = club(backend).await;
    let elsewhere = common::fake_remote::FakeRemote::start();
    elsewhere.account("newbob");
    let old = c.b.actor_id("bob");
    elsewhere.set_also_known_as("newbob", &old);
    c.b.set_moved_to("bob", &elsewhere.actor_id("newbob"));
    let b0 = c.b.received().len();
    let fault = inject(
        &c.db.url,
        "outgoing_activities",
        "NEW.body LIKE '%\"type\":\"Reject\"%'",
    );
    let follow = elsewhere.follow("newbob", &c.group, 1);
    assert_eq!(
        elsewhere.post("newbob", &c.s.url("/inbox"), &follow).await,
        202
    );
    failed_once(follow["id"].as_str().unwrap()).await;
    assert_eq!(members(&c), 3, "nothing changed");
    fault.clear();
    retry_inbox_now(&c.db.url);
    elsewhere.wait_for("Accept").await;
    wait_until("the old account's removal", || {
        c.b.received().len() >= b0 + 3
    })
    .await;
    nothing_more(&c.s, &c.b, b0 + 3).await;
    assert_eq!(kinds(&c.b)[b0..], ["Reject", "Block", "Undo"]);
    assert_eq!(elsewhere.of_kind("Accept").len(), 1);
    assert_eq!(members(&c), 3, "newbob took bob's place");
    c.s.stop().await;
}

/// An edit rebuilds the copy and queues its Update together.
async fn edit_is_one_effect(backend: Backend) {
    capture_logs();
    let c = club(backend).await;
    let (_, note) = alice_posts(&c, "1").await;
    let b0 = c.b.received().len();
    let fault = inject(&c.db.url, "outgoing_activities", "1 = 1");
    let update =
        c.a.fixture("mastodon_update.json", "alice", &c.group, "1", "");
    assert_eq!(c.a.post("alice", &c.s.url("/inbox"), &update).await, 202);
    failed_once(update["id"].as_str().unwrap()).await;
    fault.clear();
    retry_inbox_now(&c.db.url);
    arrived(&c.b, "Update", &note).await;
    nothing_more(&c.s, &c.b, b0 + 1).await;
    c.s.stop().await;
}

/// The effect is stored but recording the activity as processed fails:
/// the retry processes it again and must not repeat the effect (a post is
/// a duplicate, an accepted Follow is not accepted twice, an edit is not
/// sent twice).
async fn finishing_may_fail_after_the_effect(backend: Backend) {
    capture_logs();
    let c = club(backend).await;
    let (_, note) = alice_posts(&c, "1").await;
    c.b.account("dave");
    c.s.cli(&["member", "allow", "club", &format!("dave@{}", c.b.domain())])
        .ok();
    let b0 = c.b.received().len();
    let fault = inject_on(
        &c.db.url,
        "UPDATE",
        "inbox_activities",
        "NEW.processed_at IS NOT NULL",
    );
    let post =
        c.a.fixture("mastodon_direct.json", "alice", &c.group, "2", "");
    let update =
        c.a.fixture("mastodon_update.json", "alice", &c.group, "1", "");
    let follow = c.b.follow("dave", &c.group, 1);
    assert_eq!(c.a.post("alice", &c.s.url("/inbox"), &post).await, 202);
    assert_eq!(c.a.post("alice", &c.s.url("/inbox"), &update).await, 202);
    assert_eq!(c.b.post("dave", &c.s.url("/inbox"), &follow).await, 202);
    for activity in [&post, &update, &follow] {
        failed_once(activity["id"].as_str().unwrap()).await;
    }
    fault.clear();
    retry_inbox_now(&c.db.url);
    let outcomes = [
        processed(&c.s, post["id"].as_str().unwrap()).await,
        processed(&c.s, update["id"].as_str().unwrap()).await,
        processed(&c.s, follow["id"].as_str().unwrap()).await,
    ];
    assert!(outcomes[0].contains("duplicate"), "{outcomes:?}");
    assert_eq!(outcomes[2], "accepted already", "{outcomes:?}");
    let copy = copy_of(&c, post["object"]["id"].as_str().unwrap()).await;
    arrived(&c.b, "Create", &copy).await;
    arrived(&c.b, "Update", &note).await;
    c.b.wait_for("Accept").await;
    nothing_more(&c.s, &c.b, b0 + 3).await;
    let mut got = kinds(&c.b)[b0..].to_vec();
    got.sort();
    assert_eq!(got, ["Accept", "Create", "Update"]);
    c.s.stop().await;
}

/// An author's delete removes the copy and queues its Delete together.
async fn withdrawal_is_one_effect(backend: Backend) {
    capture_logs();
    let c = club(backend).await;
    let (_, note) = alice_posts(&c, "1").await;
    let b0 = c.b.received().len();
    let fault = inject(&c.db.url, "outgoing_activities", "1 = 1");
    let delete =
        c.a.fixture("mastodon_delete.json", "alice", &c.group, "1", "");
    assert_eq!(c.a.post("alice", &c.s.url("/inbox"), &delete).await, 202);
    failed_once(delete["id"].as_str().unwrap()).await;
    let posts = c.s.cli(&["post", "list", "club", "--json"]).json();
    assert_eq!(posts[0]["deleted"], false, "{posts}");
    fault.clear();
    retry_inbox_now(&c.db.url);
    arrived(&c.b, "Delete", &note).await;
    nothing_more(&c.s, &c.b, b0 + 1).await;
    c.s.stop().await;
}

/// `block add`: each covered membership ends with its Reject and lasting
/// Block in one transaction; after a failure, running it again finishes.
async fn block_is_one_effect(backend: Backend) {
    let c = club(backend).await;
    let b0 = c.b.received().len();
    let fault = inject(
        &c.db.url,
        "outgoing_activities",
        "NEW.body LIKE '%\"type\":\"Block\"%'",
    );
    c.s.cli(&["block", "add", &c.b.domain()]).failed();
    assert_eq!(members(&c), 3, "bob is still a member");
    fault.clear();
    let out = c.s.cli(&["block", "add", &c.b.domain()]).ok().to_string();
    assert!(out.contains("1 membership(s)"), "{out}");
    assert_eq!(members(&c), 2);
    wait_until("Reject and Block", || c.b.received().len() >= b0 + 2).await;
    nothing_more(&c.s, &c.b, b0 + 2).await;
    assert_eq!(kinds(&c.b)[b0..], ["Reject", "Block"]);
    c.s.stop().await;
}

backend_tests!(
    publish_is_one_effect,
    leak_note_is_part_of_the_effect,
    moderator_removal_is_one_effect,
    approval_is_one_effect,
    removal_is_one_effect,
    move_is_one_effect,
    edit_is_one_effect,
    finishing_may_fail_after_the_effect,
    withdrawal_is_one_effect,
    block_is_one_effect,
);
