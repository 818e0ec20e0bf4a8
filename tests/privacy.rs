//! Nothing leaks: non-members, pending requesters and blocked accounts are
//! never republished, other groups stay apart, duplicates go out once,
//! removed members get nothing more, group objects answer only members'
//! servers, and the leak guard handles posts others could see.
#![allow(clippy::unwrap_used)]

mod common;

use common::club::{alice_posts, arrived, club, copy_of, nothing_more, Club};
use common::fake_remote::FakeRemote;
use common::Backend;
use serde_json::json;
use std::time::Duration;

async fn post_count(c: &Club) -> usize {
    c.s.cli(&["post", "list", "club", "--json"])
        .json()
        .as_array()
        .unwrap()
        .len()
}

async fn only_members_posts_reach_only_members(backend: Backend) {
    let c = club(backend).await;
    let (a0, b0) = (c.a.received().len(), c.b.received().len());

    // A stranger, and a requester still waiting for approval.
    let outside = FakeRemote::start();
    outside.account("eve");
    outside.account("frank");
    let follow = outside.follow("frank", &c.group, 1);
    assert_eq!(
        outside.post("frank", &c.s.url("/inbox"), &follow).await,
        202
    );
    for (who, n) in [("eve", "20"), ("frank", "21")] {
        let post = outside.fixture("mastodon_direct.json", who, &c.group, n, "");
        assert_eq!(
            outside
                .post(who, &c.s.url("/groups/club/inbox"), &post)
                .await,
            202
        );
    }
    // A member's post meant for another group only.
    c.s.cli(&["group", "create", "team"]).ok();
    let team = c.s.url("/groups/team");
    let other =
        c.a.fixture("mastodon_direct.json", "alice", &team, "22", "");
    assert_eq!(c.a.post("alice", &c.s.url("/inbox"), &other).await, 202);
    nothing_more(&c.s, &c.b, b0).await;
    nothing_more(&c.s, &c.a, a0).await;
    assert!(outside.of_kind("Create").is_empty());
    assert_eq!(post_count(&c).await, 0);
    let team_posts = c.s.cli(&["post", "list", "team", "--json"]).json();
    assert!(
        team_posts.as_array().unwrap().is_empty(),
        "alice is no member of team"
    );

    // What was refused is kept for the audit only, without its content.
    let id = outside.fixture("mastodon_direct.json", "eve", &c.group, "20", "")["id"]
        .as_str()
        .unwrap()
        .to_string();
    let row =
        c.s.db
            .call(move |db| db.incoming_by_activity_id(&id))
            .await
            .unwrap()
            .unwrap();
    assert_eq!(row.body, "{}");
    assert!(row.outcome.unwrap().contains("not a member"));

    // The same post to the shared and the personal inbox: republished once.
    let post =
        c.a.fixture("mastodon_direct.json", "alice", &c.group, "23", "");
    assert_eq!(c.a.post("alice", &c.s.url("/inbox"), &post).await, 202);
    assert_eq!(
        c.a.post("alice", &c.s.url("/groups/club/inbox"), &post)
            .await,
        202
    );
    let note = copy_of(&c, post["object"]["id"].as_str().unwrap()).await;
    arrived(&c.b, "Create", &note).await;
    let b1 = c.b.received().len();
    nothing_more(&c.s, &c.b, b1).await;
    assert_eq!(post_count(&c).await, 1);

    // bob is removed: Reject{Follow}, Block and Undo{Block}, then nothing
    // more reaches his server.
    c.s.cli(&[
        "member",
        "remove",
        "club",
        &format!("@bob@{}", c.b.domain()),
    ])
    .ok();
    c.b.wait_for("Undo").await;
    let b2 = c.b.received().len();
    let (_, later) = {
        let post =
            c.a.fixture("mastodon_direct.json", "alice", &c.group, "24", "");
        assert_eq!(c.a.post("alice", &c.s.url("/inbox"), &post).await, 202);
        let note = copy_of(&c, post["object"]["id"].as_str().unwrap()).await;
        (post, note)
    };
    arrived(&c.a, "Create", &later).await;
    nothing_more(&c.s, &c.b, b2).await;

    // A blocked member's posts are dropped at the door: 202 (so her
    // server stops retrying), never stored.
    c.s.cli(&["block", "add", &format!("@carol@{}", c.a.domain())])
        .ok();
    let post =
        c.a.fixture("mastodon_direct.json", "carol", &c.group, "25", "");
    assert_eq!(c.a.post("carol", &c.s.url("/inbox"), &post).await, 202);
    let id = post["id"].as_str().unwrap().to_string();
    let stored =
        c.s.db
            .call(move |db| db.incoming_by_activity_id(&id))
            .await
            .unwrap();
    assert!(stored.is_none(), "dropped unstored");
    c.s.stop().await;
}

async fn group_objects_answer_only_member_servers(backend: Backend) {
    let c = club(backend).await;
    let (_, note) = alice_posts(&c, "30").await;
    let create = arrived(&c.b, "Create", &note).await;
    let create_id = create.activity["id"].as_str().unwrap().to_string();

    // bob's server fetches with bob's key, or (like Mastodon's thread
    // resolver) with another account of a server that hosts a member.
    let (status, doc) = c.b.signed_get("bob", &note).await;
    assert_eq!(status, 200, "{doc}");
    assert_eq!(doc["id"], note);
    assert_eq!(doc["attributedTo"], c.group);
    c.b.account("instance");
    assert_eq!(
        c.b.signed_get("instance", &note).await.0,
        200,
        "member's server"
    );
    let (status, doc) = c.b.signed_get("bob", &create_id).await;
    assert_eq!((status, doc["type"].as_str()), (200, Some("Create")));

    // Strangers and unsigned requests learn nothing, not even existence.
    let outside = FakeRemote::start();
    outside.account("eve");
    assert_eq!(outside.signed_get("eve", &note).await.0, 404);
    assert_eq!(outside.signed_get("eve", &create_id).await.0, 404);
    let unsigned = common::http()
        .get(&note)
        .header("accept", "application/activity+json")
        .send()
        .await
        .unwrap();
    assert_eq!(unsigned.status().as_u16(), 404);
    let body = unsigned.text().await.unwrap();
    assert!(!body.contains("wrote") && !body.contains("train"), "{body}");
    let missing = format!("{}/posts/0000", c.group);
    assert_eq!(c.b.signed_get("bob", &missing).await.0, 404);

    // A removed post is gone for members too.
    c.s.cli(&["post", "remove", "club", &note]).ok();
    assert_eq!(c.b.signed_get("bob", &note).await.0, 410);
    c.s.stop().await;
}

async fn leak_guard_warns_or_rejects(backend: Backend) {
    let c = club(backend).await;
    let notices = |c: &Club| {
        c.a.of_kind("Create")
            .into_iter()
            .filter(|r| r.activity["to"] == json!([c.a.actor_id("alice")]))
            .count()
    };
    // Default warn: followers-only, unlisted and public posts are
    // republished, and alice gets a direct note each time.
    for (i, file) in [
        "mastodon_private.json",
        "mastodon_unlisted.json",
        "mastodon_public.json",
    ]
    .iter()
    .enumerate()
    {
        let post = c.a.fixture(file, "alice", &c.group, &format!("4{i}"), "");
        assert_eq!(
            c.a.post("alice", &c.s.url("/inbox"), &post).await,
            202,
            "{file}"
        );
        let note = copy_of(&c, post["object"]["id"].as_str().unwrap()).await;
        let got = arrived(&c.b, "Create", &note).await;
        assert!(
            !got.activity.to_string().contains("#Public"),
            "{file}: the copy stays private"
        );
    }
    for _ in 0..200 {
        if notices(&c) == 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(notices(&c), 3);
    let notice =
        c.a.of_kind("Create")
            .into_iter()
            .find(|r| r.activity["to"] == json!([c.a.actor_id("alice")]))
            .unwrap();
    assert!(notice.verified);
    assert_eq!(
        notice.activity["object"]["tag"][0]["href"],
        c.a.actor_id("alice")
    );
    assert!(notice.activity["object"]["content"]
        .as_str()
        .unwrap()
        .contains("Mentioned people only"));

    // reject: not republished, alice is told.
    c.s.cli(&["group", "set", "club", "leak-guard", "reject"])
        .ok();
    assert_eq!(
        c.s.cli(&["group", "show", "club", "--json"]).json()["leak_guard"],
        "reject"
    );
    let err =
        c.s.cli(&["group", "set", "club", "leak-guard", "maybe"])
            .failed()
            .to_string();
    assert!(err.contains("warn, reject or allow"), "{err}");
    let b0 = c.b.received().len();
    let post =
        c.a.fixture("mastodon_private.json", "alice", &c.group, "50", "");
    assert_eq!(c.a.post("alice", &c.s.url("/inbox"), &post).await, 202);
    for _ in 0..200 {
        if notices(&c) == 4 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(notices(&c), 4, "told why");
    nothing_more(&c.s, &c.b, b0).await;
    assert_eq!(
        c.s.cli(&["post", "list", "club", "--json"])
            .json()
            .as_array()
            .unwrap()
            .len(),
        3
    );

    // allow: republished without a note.
    c.s.cli(&["group", "set", "club", "leak-guard", "allow"])
        .ok();
    let post =
        c.a.fixture("mastodon_public.json", "alice", &c.group, "51", "");
    assert_eq!(c.a.post("alice", &c.s.url("/inbox"), &post).await, 202);
    let note = copy_of(&c, post["object"]["id"].as_str().unwrap()).await;
    arrived(&c.b, "Create", &note).await;
    common::wait::settled(&c.s).await;
    assert_eq!(notices(&c), 4);
    c.s.stop().await;
}

/// FEP-8fcf: a post to a server's shared inbox carries the digest of the
/// group's members there; the server can fetch, signed, the list of its
/// own accounts among the members (and no one else's). After a removal
/// both change, so a server that missed the Reject{Follow} still learns
/// that the account no longer follows.
async fn member_servers_can_synchronise_followers(backend: Backend) {
    let c = club(backend).await;
    let (alice, carol, bob) = (
        c.a.actor_id("alice"),
        c.a.actor_id("carol"),
        c.b.actor_id("bob"),
    );
    let header = |digest: String| {
        format!(
            "collectionId=\"{g}/followers\", url=\"{g}/followers_synchronization\", digest=\"{digest}\"",
            g = c.group
        )
    };
    let digest = |ids: &[&str]| demesh::federation::sync::digest(ids.iter().copied());
    let (_, note) = alice_posts(&c, "40").await;
    let at_a = arrived(&c.a, "Create", &note).await;
    assert_eq!(at_a.path, "/inbox", "the shared inbox");
    assert_eq!(
        at_a.collection_sync,
        Some(header(digest(&[&alice, &carol])))
    );
    let at_b = arrived(&c.b, "Create", &note).await;
    assert_eq!(at_b.collection_sync, Some(header(digest(&[&bob]))));

    let sync_url = format!("{}/followers_synchronization", c.group);
    let (status, doc) = c.a.signed_get("carol", &sync_url).await;
    assert_eq!(status, 200, "{doc}");
    assert_eq!(doc["type"], "OrderedCollection");
    let mut items: Vec<String> = serde_json::from_value(doc["orderedItems"].clone()).unwrap();
    items.sort();
    let mut want = vec![alice.clone(), carol.clone()];
    want.sort();
    assert_eq!(items, want, "server a sees its own members only");
    let (_, doc) = c.b.signed_get("bob", &sync_url).await;
    assert_eq!(doc["orderedItems"], json!([bob]));
    let unsigned = common::http().get(&sync_url).send().await.unwrap();
    assert_eq!(unsigned.status().as_u16(), 401);
    // The followers collection: its size to anyone, and to a member
    // server also that server's own members (DESIGN §5).
    let followers = format!("{}/followers", c.group);
    let (_, doc) = c.b.signed_get("bob", &followers).await;
    assert_eq!(
        (doc["totalItems"].clone(), doc["orderedItems"].clone()),
        (json!(3), json!([bob]))
    );
    let doc: serde_json::Value = common::get_activity_json(&followers).await;
    assert_eq!(doc["totalItems"], 3);
    assert!(doc.get("orderedItems").is_none(), "{doc}");

    c.s.cli(&[
        "member",
        "remove",
        "club",
        &format!("@carol@{}", c.a.domain()),
    ])
    .ok();
    let (_, later) = alice_posts(&c, "41").await;
    let at_a = arrived(&c.a, "Create", &later).await;
    assert_eq!(at_a.collection_sync, Some(header(digest(&[&alice]))));
    let (_, doc) = c.a.signed_get("alice", &sync_url).await;
    assert_eq!(doc["orderedItems"], json!([alice]));
    c.s.stop().await;
}

backend_tests!(
    member_servers_can_synchronise_followers,
    only_members_posts_reach_only_members,
    group_objects_answer_only_member_servers,
    leak_guard_warns_or_rejects,
);
