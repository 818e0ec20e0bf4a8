//! Issue #12: moderators command the group by direct message; members'
//! commands are refused; ordinary direct posts are still republished.
#![allow(clippy::unwrap_used)]

mod common;

use common::club::{club, copy_of, Club};
use common::dm::{dm_containing, dms_to, send};
use common::wait::{count_where, processed};
use common::Backend;

/// The club with alice promoted, and dave (on alice's server) asking to join.
async fn moderated(backend: Backend) -> (Club, String) {
    let c = club(backend).await;
    let alice = format!("alice@{}", c.a.domain());
    c.s.cli(&["member", "promote", "club", &alice]).ok();
    c.a.account("dave");
    let follow = c.a.follow("dave", &c.group, 1);
    assert_eq!(c.a.post("dave", &c.s.url("/inbox"), &follow).await, 202);
    processed(&c.s, follow["id"].as_str().unwrap()).await;
    let dave = format!("@dave@{}", c.a.domain());
    (c, dave)
}

/// The club's audit log, without the setup's commands.
fn audit(c: &Club) -> Vec<serde_json::Value> {
    c.s.cli(&["audit", "--group", "club", "--json"])
        .json()
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| {
            let command = r["command"].as_str().unwrap();
            !command.starts_with("member allow") && !command.starts_with("group ")
        })
        .cloned()
        .collect()
}

async fn moderator_approves_by_direct_message(backend: Backend) {
    let (c, dave) = moderated(backend).await;
    let (alice, dave_id) = (c.a.actor_id("alice"), c.a.actor_id("dave"));
    let b_before = c.b.received().len();
    let id = send(
        &c,
        &c.a,
        "alice",
        "1",
        &format!("approve {dave}"),
        &[&dave_id],
    )
    .await;
    let outcome = processed(&c.s, &id).await;
    assert!(outcome.contains("command carried out"), "{outcome}");
    let accept = c.a.wait_for("Accept").await;
    common::wait::eventually("dave's Accept", || async {
        c.a.of_kind("Accept")
            .into_iter()
            .find(|r| r.activity["to"][0] == dave_id.as_str())
    })
    .await;
    drop(accept);
    let answer = dm_containing(&c.a, &alice, "approved").await;
    assert_eq!(answer["tag"][0]["href"], alice.as_str());
    let members = c.s.cli(&["member", "list", "club", "--json"]).json();
    assert_eq!(members.as_array().unwrap().len(), 4);
    // The command is no post: nobody got it.
    let original = format!("{alice}/statuses/1");
    assert_eq!(
        count_where(&c.s.db_url, "posts", &format!("original_id = '{original}'")),
        0
    );
    common::club::nothing_more(&c.s, &c.b, b_before).await;
    let log = audit(&c);
    let row = log.iter().find(|r| r["actor"] == alice.as_str()).unwrap();
    assert_eq!(row["outcome"], "ok");
    // Recorded with the mention read: the account's URL.
    assert_eq!(row["command"], format!("approve {dave_id}"));
}

async fn member_commands_are_refused(backend: Backend) {
    let (c, dave) = moderated(backend).await;
    let bob = c.b.actor_id("bob");
    let id = send(
        &c,
        &c.b,
        "bob",
        "1",
        &format!("approve {dave}"),
        &[&c.a.actor_id("dave")],
    )
    .await;
    let outcome = processed(&c.s, &id).await;
    assert!(outcome.contains("refused"), "{outcome}");
    dm_containing(&c.b, &bob, "Only moderators").await;
    let requests = c.s.cli(&["request", "list", "--json"]).json();
    assert_eq!(requests.as_array().unwrap().len(), 1, "dave still waits");
    assert_eq!(
        count_where(&c.s.db_url, "posts", &format!("author_uri = '{bob}'")),
        0,
        "not republished"
    );
    let log = audit(&c);
    assert_eq!(log.last().unwrap()["outcome"], "refused");
    assert_eq!(log.last().unwrap()["actor"], bob.as_str());
    // A member's text that only looks like a command is a post.
    let id = send(&c, &c.b, "bob", "2", "delete that", &[]).await;
    assert!(processed(&c.s, &id).await.contains("republished"));
    let id = send(&c, &c.b, "bob", "3", "help me choose a book", &[]).await;
    assert!(processed(&c.s, &id).await.contains("republished"));
}

async fn moderator_reads_and_acts(backend: Backend) {
    let (c, dave) = moderated(backend).await;
    let alice = c.a.actor_id("alice");
    // An ordinary direct post of a moderator is a post.
    let id = send(&c, &c.a, "alice", "1", "hello everyone", &[]).await;
    assert!(processed(&c.s, &id).await.contains("republished"));
    let note = copy_of(&c, &format!("{alice}/statuses/1")).await;

    send(&c, &c.a, "alice", "2", "requests", &[]).await;
    let list = dm_containing(&c.a, &alice, "Pending requests to club (1)").await;
    assert!(common::dm::text(&list).contains(&dave), "{list}");
    send(&c, &c.a, "alice", "3", "Members?", &[]).await;
    let members = dm_containing(&c.a, &alice, "club has 3 member(s)").await;
    assert!(common::dm::text(&members).contains("(moderator)"));
    send(&c, &c.a, "alice", "4", "help", &[]).await;
    dm_containing(&c.a, &alice, "delete URL").await;

    // A bad argument: a clear error, no post.
    let id = send(&c, &c.a, "alice", "5", "approve it", &[]).await;
    assert!(processed(&c.s, &id).await.contains("failed"));
    dm_containing(&c.a, &alice, "approve: \"it\" is not an account").await;
    // Nothing to act on: said so, nothing done.
    send(
        &c,
        &c.a,
        "alice",
        "6",
        "reject @nobody@nowhere.example",
        &["https://nowhere.example/u/nobody"],
    )
    .await;
    dm_containing(&c.a, &alice, "Not done:").await;

    // delete URL removes the group post, as post remove does.
    send(&c, &c.a, "alice", "7", &format!("delete {note}"), &[]).await;
    dm_containing(&c.a, &alice, "removed post").await;
    common::club::arrived(&c.b, "Delete", &note).await;
    // remove ACCOUNT ends bob's membership.
    let bob = format!("@bob@{}", c.b.domain());
    send(
        &c,
        &c.a,
        "alice",
        "8",
        &format!("remove {bob}"),
        &[&c.b.actor_id("bob")],
    )
    .await;
    dm_containing(&c.a, &alice, &format!("removed {bob} from club")).await;
    c.b.wait_for("Block").await;
    assert_eq!(
        c.s.cli(&["member", "list", "club", "--json"])
            .json()
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let log = audit(&c);
    let outcomes: Vec<_> = log.iter().map(|r| r["outcome"].as_str().unwrap()).collect();
    assert_eq!(
        outcomes,
        ["ok", "ok", "ok", "ok", "failed", "failed", "ok", "ok"],
        "{log:?}"
    );
    // Every answer went to alice alone.
    for dm in dms_to(&c.a, &alice) {
        assert_eq!(dm["cc"], serde_json::json!([]));
    }
}

async fn request_notice_reaches_moderators_only(backend: Backend) {
    let (c, dave) = moderated(backend).await;
    let alice = c.a.actor_id("alice");
    let notice = dm_containing(&c.a, &alice, "New request to join club").await;
    let text = common::dm::text(&notice);
    assert!(text.contains(&dave), "{text}");
    assert!(text.contains(&c.a.actor_id("dave")), "profile link: {text}");
    assert!(text.contains(&format!("approve {dave}")), "{text}");
    assert_eq!(notice["to"], serde_json::json!([alice]));
    assert_eq!(notice["tag"].as_array().unwrap().len(), 1);
    assert_eq!(notice["tag"][0]["href"], alice.as_str());
    // A reply to the notice that is no command is no group post either.
    let mut reply = common::dm::command(&c.a, "alice", &c.group, "9", "thanks!", &[]);
    reply["object"]["inReplyTo"] = notice["id"].clone();
    assert_eq!(c.a.post("alice", &c.s.url("/inbox"), &reply).await, 202);
    let outcome = processed(&c.s, reply["id"].as_str().unwrap()).await;
    assert!(
        outcome.contains("a reply to the group's direct message"),
        "{outcome}"
    );
    assert_eq!(count_where(&c.s.db_url, "posts", "1 = 1"), 0);
    common::wait::settled(&c.s).await;
    // Only alice's: not to the requester, not to other members.
    let all_dms = |server: &common::fake_remote::FakeRemote| {
        server
            .of_kind("Create")
            .into_iter()
            .filter(|r| {
                r.activity["object"]["id"]
                    .as_str()
                    .unwrap()
                    .contains("/messages/")
            })
            .count()
    };
    assert_eq!(all_dms(&c.a), 1);
    assert_eq!(all_dms(&c.b), 0);
    // The same request again tells nobody again; a second moderator is told
    // of the next request.
    let follow = c.a.follow("dave", &c.group, 2);
    assert_eq!(c.a.post("dave", &c.s.url("/inbox"), &follow).await, 202);
    processed(&c.s, follow["id"].as_str().unwrap()).await;
    c.promote(&c.b, "bob");
    c.b.account("erin");
    let follow = c.b.follow("erin", &c.group, 1);
    assert_eq!(c.b.post("erin", &c.s.url("/inbox"), &follow).await, 202);
    dm_containing(
        &c.b,
        &c.b.actor_id("bob"),
        "New request to join club: @erin",
    )
    .await;
    dm_containing(&c.a, &alice, "New request to join club: @erin").await;
    common::wait::settled(&c.s).await;
    assert_eq!(all_dms(&c.a), 2);
}

backend_tests!(
    request_notice_reaches_moderators_only,
    moderator_approves_by_direct_message,
    member_commands_are_refused,
    moderator_reads_and_acts
);
