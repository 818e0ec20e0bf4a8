//! The heart of demesh: member posts, shaped exactly as Mastodon,
//! GoToSocial, Misskey and Pleroma send them (tests/fixtures), reach the
//! other members as the group's own posts, and nothing reaches anyone else.
#![allow(clippy::unwrap_used)]

mod common;

use common::fake_remote::{FakeRemote, Received};
use common::{Backend, TestDb, TestServer};
use serde_json::{json, Value};
use std::time::Duration;

const PUBLIC: &str = "https://www.w3.org/ns/activitystreams#Public";

struct Club {
    _db: TestDb,
    s: TestServer,
    /// alice and carol (members) live here
    a: FakeRemote,
    /// bob (member) lives here
    b: FakeRemote,
    group: String,
}

async fn club(backend: Backend) -> Club {
    let db = TestDb::new(backend);
    let s = TestServer::start(&db).await;
    s.cli(&["group", "create", "club"]).ok();
    let group = s.url("/groups/club");
    let (a, b) = (FakeRemote::start(), FakeRemote::start());
    for (server, name) in [(&a, "alice"), (&a, "carol"), (&b, "bob")] {
        server.account(name);
        s.cli(&[
            "member",
            "allow",
            "club",
            &format!("{name}@{}", server.domain()),
        ])
        .ok();
        let follow = server.follow(name, &group, 1);
        assert_eq!(server.post(name, &s.url("/inbox"), &follow).await, 202);
    }
    for _ in 0..200 {
        if a.of_kind("Accept").len() == 2 && b.of_kind("Accept").len() == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(
        s.cli(&["member", "list", "club", "--json"])
            .json()
            .as_array()
            .unwrap()
            .len(),
        3
    );
    Club {
        _db: db,
        s,
        a,
        b,
        group,
    }
}

/// The group's note id for a member's original object, once republished.
async fn copy_of(c: &Club, original: &str) -> String {
    for _ in 0..200 {
        let o = original.to_string();
        let posts =
            c.s.db
                .call(move |db| db.posts_of_original(&o))
                .await
                .unwrap();
        if let Some(p) = posts.into_iter().next() {
            return p.note_id;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("{original} was not republished");
}

/// Waits for an activity of `kind` about group object `note_id` at `server`.
async fn arrived(server: &FakeRemote, kind: &str, note_id: &str) -> Received {
    for _ in 0..200 {
        let hit = server
            .of_kind(kind)
            .into_iter()
            .find(|r| r.activity["object"]["id"] == note_id || r.activity["object"] == note_id);
        if let Some(r) = hit {
            return r;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("no {kind} of {note_id}; got {:?}", server.received());
}

fn creates(server: &FakeRemote) -> Vec<Received> {
    server.of_kind("Create")
}

/// Lets the workers run, then asserts nothing new arrived at `server`.
async fn nothing_more(server: &FakeRemote, before: usize) {
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert_eq!(
        server.received().len(),
        before,
        "unexpected: {:?}",
        &server.received()[before..]
    );
}

fn assert_group_post(c: &Club, r: &Received) {
    assert!(r.verified, "signed by the group: {r:?}");
    let (act, note) = (&r.activity, &r.activity["object"]);
    let followers = format!("{}/followers", c.group);
    assert_eq!(act["actor"], c.group);
    assert_eq!(note["attributedTo"], c.group);
    assert_eq!(act["to"], json!([followers]));
    assert_eq!(note["to"], json!([followers]));
    assert!(!act.to_string().contains(PUBLIC), "no Public anywhere");
    assert!(
        note["id"].as_str().unwrap().starts_with(&c.s.base),
        "id on the relay host"
    );
    assert!(act["id"].as_str().unwrap().starts_with(&c.s.base));
    assert!(
        note["tag"]
            .as_array()
            .map_or(true, |t| t.iter().all(|t| t["type"] != "Mention")),
        "no Mention tags: {note}"
    );
}

async fn member_posts_of_every_shape_reach_members(backend: Backend) {
    let c = club(backend).await;
    for (i, file) in [
        "mastodon_direct.json",
        "gotosocial_direct.json",
        "misskey_specified.json",
        "pleroma_direct.json",
    ]
    .iter()
    .enumerate()
    {
        let n = format!("10{i}");
        let post = c.a.fixture(file, "alice", &c.group, &n, "");
        assert_eq!(
            c.a.post("alice", &c.s.url("/inbox"), &post).await,
            202,
            "{file}"
        );
        let original = post["object"]["id"].as_str().unwrap().to_string();
        let note_id = copy_of(&c, &original).await;
        let to_bob = arrived(&c.b, "Create", &note_id).await;
        assert_group_post(&c, &to_bob);
        let content = to_bob.activity["object"]["content"].as_str().unwrap();
        assert!(
            content.contains(&format!("href=\"{}\"", c.a.actor_id("alice"))),
            "{file}: credits the author: {content}"
        );
        assert!(!content.contains("<script"), "{file}");
        // One POST per server: alice and carol share server a.
        arrived(&c.a, "Create", &note_id).await;
        let at_a = creates(&c.a)
            .into_iter()
            .filter(|r| r.activity["object"]["id"] == note_id.as_str())
            .count();
        assert_eq!(at_a, 1, "{file}: one delivery to the shared inbox of a");
    }
    let list = c.s.cli(&["post", "list", "club", "--json"]).json();
    assert_eq!(list.as_array().unwrap().len(), 4);

    // Everything Mastodon shows survives: CW, sensitive, language,
    // attachments with alt text, blurhash and focal point, hashtag, emoji.
    let rich = creates(&c.b).into_iter().next().unwrap().activity["object"].clone();
    assert_eq!(rich["summary"], "cw: spoilers");
    assert_eq!(rich["sensitive"], true);
    assert!(
        rich["contentMap"]["en"]
            .as_str()
            .unwrap()
            .contains(&c.a.actor_id("alice")),
        "language kept, credited"
    );
    let att = rich["attachment"].as_array().unwrap();
    assert_eq!(att.len(), 2);
    assert!(att
        .iter()
        .all(|a| a["name"].is_string() && a["blurhash"].is_string() && a["focalPoint"].is_array()));
    let tags = rich["tag"].as_array().unwrap();
    assert!(tags.iter().any(|t| t["type"] == "Hashtag"), "{tags:?}");
    assert!(
        tags.iter()
            .any(|t| t["type"] == "Emoji" && t["icon"]["url"].is_string()),
        "{tags:?}"
    );
    let outbox: Value = common::http()
        .get(format!("{}/outbox", c.group))
        .header("accept", "application/activity+json")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(outbox["totalItems"], 4);
    assert!(outbox.get("orderedItems").is_none() && outbox.get("first").is_none());
    c.s.stop().await;
}

backend_tests!(member_posts_of_every_shape_reach_members);
