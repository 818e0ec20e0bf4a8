//! Issue #13: posting rules. Announcement groups, invite codes kept out
//! of republished posts, quotes and features refused, pre-approvals
//! managed. (Reply notices: tests/mastodon.rs.)
#![allow(clippy::unwrap_used)]

mod common;

use common::club::{alice_posts, club, copy_of, Club};
use common::dm::{dm_containing, send};
use common::wait::{count_where, processed};
use common::Backend;
use serde_json::json;

fn posts(c: &Club) -> i64 {
    count_where(&c.s.db_url, "posts", "1=1")
}

async fn announcement_group(backend: Backend) {
    let c = club(backend).await;
    let bob = c.b.actor_id("bob");
    c.s.cli(&["group", "set", "club", "posting", "moderators"])
        .ok();
    let err =
        c.s.cli(&["group", "set", "club", "posting", "all"])
            .failed()
            .to_string();
    assert!(err.contains("members or moderators"), "{err}");
    c.promote(&c.a, "alice");
    // alice (moderator) posts; bob (member) may not.
    let (original, root) = alice_posts(&c, "1").await;
    let id = send(&c, &c.b, "bob", "1", "hello everyone", &[]).await;
    let outcome = processed(&c.s, &id).await;
    assert!(outcome.contains("only moderators may post"), "{outcome}");
    dm_containing(&c.b, &bob, "this group is for announcements").await;
    assert_eq!(posts(&c), 1);
    // A reply is refused too, until replies are opened to members.
    let reply =
        c.b.fixture("mastodon_reply.json", "bob", &c.group, "2", &root);
    assert_eq!(c.b.post("bob", &c.s.url("/inbox"), &reply).await, 202);
    let outcome = processed(&c.s, reply["id"].as_str().unwrap()).await;
    assert!(outcome.contains("only moderators may post"), "{outcome}");
    c.s.cli(&["group", "set", "club", "replies", "members"])
        .ok();
    let show = c.s.cli(&["group", "show", "club", "--json"]).json();
    assert_eq!(
        (show["posting"].as_str(), show["replies"].as_str()),
        (Some("moderators"), Some("members"))
    );
    let reply =
        c.b.fixture("mastodon_reply.json", "bob", &c.group, "3", &original);
    assert_eq!(c.b.post("bob", &c.s.url("/inbox"), &reply).await, 202);
    copy_of(&c, reply["object"]["id"].as_str().unwrap()).await;
    // A top-level post still is not.
    let id = send(&c, &c.b, "bob", "4", "another one", &[]).await;
    assert!(processed(&c.s, &id).await.contains("only moderators"));
    c.s.cli(&["group", "set", "club", "posting", "members"])
        .ok();
    let id = send(&c, &c.b, "bob", "5", "open again", &[]).await;
    assert!(processed(&c.s, &id).await.contains("republished"));
}

async fn invite_code_in_a_member_post(backend: Backend) {
    let c = club(backend).await;
    let code = c.s.cli(&["invite", "create", "club", "--json"]).json()["code"]
        .as_str()
        .unwrap()
        .to_string();
    let id = send(
        &c,
        &c.b,
        "bob",
        "1",
        &format!("join us, the code is {code}!"),
        &[],
    )
    .await;
    let outcome = processed(&c.s, &id).await;
    assert!(outcome.contains("contains an invite code"), "{outcome}");
    dm_containing(&c.b, &c.b.actor_id("bob"), "invite codes").await;
    assert_eq!(posts(&c), 0);
    assert!(!c
        .a
        .received()
        .iter()
        .any(|r| r.activity.to_string().contains(&code)));
    // A code-shaped word that is no code of the group is an ordinary word.
    let id = send(&c, &c.b, "bob", "2", "see CCCCCCCCCCCCCCCCCCCCCC", &[]).await;
    assert!(processed(&c.s, &id).await.contains("republished"));
    // An edit that adds a code is not applied.
    let (_, note) = alice_posts(&c, "3").await;
    let mut edit =
        c.a.fixture("mastodon_update.json", "alice", &c.group, "3", "");
    edit["object"]["content"] = json!(format!("<p>edited: {code}</p>"));
    assert_eq!(c.a.post("alice", &c.s.url("/inbox"), &edit).await, 202);
    let outcome = processed(&c.s, edit["id"].as_str().unwrap()).await;
    assert!(outcome.contains("edit not applied"), "{outcome}");
    let stored = count_where(
        &c.s.db_url,
        "posts",
        &format!("note_id = '{note}' AND note_json LIKE '%{code}%'"),
    );
    assert_eq!(stored, 0);
    assert!(!c
        .b
        .received()
        .iter()
        .any(|r| r.activity.to_string().contains(&code)));
}

async fn quotes_and_features_refused(backend: Backend) {
    let c = club(backend).await;
    let (_, root) = alice_posts(&c, "1").await;
    let got = common::club::arrived(&c.b, "Create", &root).await;
    assert_eq!(
        got.activity["object"]["interactionPolicy"]["canQuote"]["automaticApproval"],
        json!([c.group])
    );
    let actor = common::get_activity_json(&c.group).await;
    assert_eq!(
        actor["interactionPolicy"]["canFeature"]["automaticApproval"],
        json!([c.group])
    );
    let bob = c.b.actor_id("bob");
    for (kind, object, n) in [
        ("QuoteRequest", root.as_str(), 1),
        ("FeatureRequest", c.group.as_str(), 2),
    ] {
        let request = json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": format!("{bob}#requests/{n}"),
            "type": kind,
            "actor": bob,
            "object": object,
        });
        assert_eq!(c.b.post("bob", &c.s.url("/inbox"), &request).await, 202);
        let outcome = processed(&c.s, request["id"].as_str().unwrap()).await;
        assert!(outcome.contains("rejected"), "{outcome}");
        let reject = common::wait::eventually("the Reject", || async {
            c.b.of_kind("Reject")
                .into_iter()
                .find(|r| r.activity["object"]["id"] == request["id"])
        })
        .await;
        assert!(reject.verified);
        assert_eq!(reject.activity["actor"], c.group);
        assert_eq!(reject.activity["to"], json!([bob]));
    }
}

async fn pre_approvals_listed_and_revoked(backend: Backend) {
    let c = club(backend).await;
    let list = || c.s.cli(&["member", "allowed", "club", "--json"]).json();
    assert_eq!(list().as_array().unwrap().len(), 3);
    c.s.cli(&["member", "allow", "club", "*@Example.org"]).ok();
    assert!(list()
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["pattern"] == "*@example.org"));
    c.s.cli(&["member", "disallow", "club", "*@example.org"])
        .ok();
    let bob = format!("@bob@{}", c.b.domain());
    c.s.cli(&["member", "disallow", "club", &bob]).ok();
    let left = list();
    assert_eq!(left.as_array().unwrap().len(), 2, "{left}");
    let err =
        c.s.cli(&["member", "disallow", "club", &bob])
            .failed()
            .to_string();
    assert!(err.contains("not pre-approved"), "{err}");
    // Taking back a pre-approval leaves members alone.
    assert_eq!(
        c.s.cli(&["member", "list", "club", "--json"])
            .json()
            .as_array()
            .unwrap()
            .len(),
        3
    );
    let text = c.s.cli(&["member", "allowed", "club"]).ok().to_string();
    assert!(text.contains(&format!("alice@{}", c.a.domain())), "{text}");
}

backend_tests!(
    announcement_group,
    invite_code_in_a_member_post,
    quotes_and_features_refused,
    pre_approvals_listed_and_revoked
);
