//! Issue #12: reports (Flag) of a group post or a member reach the
//! moderators and `demesh report list`; `report resolve` closes them.
#![allow(clippy::unwrap_used)]

mod common;

use common::club::{alice_posts, club};
use common::dm::{dm_containing, text};
use common::fake_remote::FakeRemote;
use common::wait::processed;
use common::Backend;
use serde_json::Value;

/// A Flag fixture from `server`'s instance actor naming `note`.
fn flag(server: &FakeRemote, file: &str, group: &str, n: &str, note: &str) -> Value {
    let v = server.fixture(file, "instance", group, n, "");
    serde_json::from_str(&v.to_string().replace("{{NOTE}}", note)).unwrap()
}

async fn reports_reach_moderators_and_the_cli(backend: Backend) {
    let c = club(backend).await;
    c.promote(&c.b, "bob");
    let (original, note) = alice_posts(&c, "1").await;
    let bob = c.b.actor_id("bob");

    // A stranger's server reports alice's post to the group's inbox, as
    // Mastodon does; its instance actor signs.
    let x = FakeRemote::start();
    x.account("instance");
    let mastodon = flag(&x, "mastodon_flag.json", &c.group, "1", &note);
    assert_eq!(
        x.post("instance", &c.s.url("/groups/club/inbox"), &mastodon)
            .await,
        202
    );
    let outcome = processed(&c.s, mastodon["id"].as_str().unwrap()).await;
    assert!(
        outcome.contains("report #1 stored, 1 moderator(s) told"),
        "{outcome}"
    );
    let dm = dm_containing(&c.b, &bob, "Report #1 to club").await;
    let said = text(&dm);
    assert!(
        said.contains(&format!("by @alice@{}", c.a.domain())),
        "mapped to the author: {said}"
    );
    assert!(said.contains(&original), "{said}");
    assert!(
        said.contains("Comment: Spam: this links to a scam shop"),
        "{said}"
    );
    assert!(said.contains("finished the last volume"), "excerpt: {said}");
    assert_eq!(dm["to"], serde_json::json!([bob]));

    // GoToSocial's shape, to the shared inbox, no comment.
    let gts = flag(&x, "gotosocial_flag.json", &c.group, "2", &original);
    assert_eq!(x.post("instance", &c.s.url("/inbox"), &gts).await, 202);
    let outcome = processed(&c.s, gts["id"].as_str().unwrap()).await;
    assert!(outcome.contains("report #2 stored"), "{outcome}");
    dm_containing(&c.b, &bob, "Comment: (none)").await;

    // A member named alone, at the shared inbox.
    let carol = c.a.actor_id("carol");
    let mut member = flag(&x, "gotosocial_flag.json", &c.group, "3", &note);
    member["object"] = serde_json::json!(carol);
    member["content"] = "harasses people".into();
    assert_eq!(x.post("instance", &c.s.url("/inbox"), &member).await, 202);
    processed(&c.s, member["id"].as_str().unwrap()).await;
    dm_containing(&c.b, &bob, &format!("Member @carol@{}", c.a.domain())).await;

    // Nothing of ours named: ignored. No object: rejected.
    let mut stray = flag(&x, "gotosocial_flag.json", &c.group, "4", &note);
    stray["object"] = serde_json::json!(["https://elsewhere.example/users/zed"]);
    assert_eq!(x.post("instance", &c.s.url("/inbox"), &stray).await, 202);
    let outcome = processed(&c.s, stray["id"].as_str().unwrap()).await;
    assert!(outcome.starts_with("ignored"), "{outcome}");
    let mut empty = flag(&x, "gotosocial_flag.json", &c.group, "5", &note);
    empty.as_object_mut().unwrap().remove("object");
    assert_eq!(x.post("instance", &c.s.url("/inbox"), &empty).await, 202);
    let outcome = processed(&c.s, empty["id"].as_str().unwrap()).await;
    assert!(outcome.starts_with("rejected"), "{outcome}");

    // alice (not a moderator) was told nothing.
    common::wait::settled(&c.s).await;
    assert!(common::dm::dms_to(&c.a, &c.a.actor_id("alice")).is_empty());

    let list =
        c.s.cli(&["report", "list", "--group", "club", "--json"])
            .json();
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 3);
    assert_eq!(list[0]["comment"], "Spam: this links to a scam shop");
    assert_eq!(list[0]["posts"][0]["note"], note.as_str());
    assert_eq!(list[0]["posts"][0]["author"], c.a.actor_id("alice"));
    assert_eq!(list[0]["reporter"], x.actor_id("instance"));
    assert_eq!(list[2]["accounts"], serde_json::json!([carol]));
    assert!(list.iter().all(|r| r["resolved"].is_null()));
    let human = c.s.cli(&["report", "list"]).ok().to_string();
    assert!(
        human.contains("open") && human.contains("scam shop"),
        "{human}"
    );

    let out = c.s.cli(&["report", "resolve", "1"]).ok().to_string();
    assert!(out.contains("report #1 resolved"), "{out}");
    let err = c.s.cli(&["report", "resolve", "1"]).failed().to_string();
    assert!(err.contains("resolved already"), "{err}");
    let err = c.s.cli(&["report", "resolve", "99"]).failed().to_string();
    assert!(err.contains("no report #99"), "{err}");
    let list = c.s.cli(&["report", "list", "--json"]).json();
    assert!(!list[0]["resolved"].is_null());
    let audit = c.s.cli(&["audit", "--json"]).json();
    assert!(audit
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["command"] == "report resolve 1" && r["outcome"] == "ok"));
}

backend_tests!(reports_reach_moderators_and_the_cli);
