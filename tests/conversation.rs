//! The heart of demesh: member posts, shaped exactly as Mastodon,
//! GoToSocial, Misskey and Pleroma send them (tests/fixtures), reach the
//! other members as the group's own posts, and nothing reaches anyone else.
#![allow(clippy::unwrap_used)]

mod common;

use common::club::{alice_posts, arrived, assert_group_post, club, copy_of, creates, PUBLIC};
use common::Backend;
use serde_json::{json, Value};
use std::time::Duration;

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
    let outbox: Value = common::get_activity_json(&format!("{}/outbox", c.group)).await;
    assert_eq!(outbox["totalItems"], 4);
    assert!(outbox.get("orderedItems").is_none() && outbox.get("first").is_none());
    c.s.stop().await;
}

async fn replies_thread_onto_the_group_copy(backend: Backend) {
    let c = club(backend).await;
    let (original, root) = alice_posts(&c, "1").await;
    let root_create = arrived(&c.b, "Create", &root).await;
    let context = root_create.activity["object"]["context"].clone();
    assert!(context.is_string());
    assert_eq!(root_create.activity["object"]["conversation"], context);

    // bob replies to the group's copy (what his app shows him) ...
    let reply =
        c.b.fixture("mastodon_reply.json", "bob", &c.group, "2", &root);
    assert_eq!(c.b.post("bob", &c.s.url("/inbox"), &reply).await, 202);
    let r1 = copy_of(&c, reply["object"]["id"].as_str().unwrap()).await;
    let got = arrived(&c.a, "Create", &r1).await;
    assert_group_post(&c, &got);
    assert_eq!(got.activity["object"]["inReplyTo"], root);
    assert_eq!(got.activity["object"]["context"], context);

    // ... and carol replies to alice's original (her server knows it).
    let reply =
        c.a.fixture("mastodon_reply.json", "carol", &c.group, "3", &original);
    assert_eq!(c.a.post("carol", &c.s.url("/inbox"), &reply).await, 202);
    let r2 = copy_of(&c, reply["object"]["id"].as_str().unwrap()).await;
    let got = arrived(&c.b, "Create", &r2).await;
    assert_eq!(
        got.activity["object"]["inReplyTo"], root,
        "mapped to the group copy"
    );
    assert_eq!(
        got.activity["object"]["context"], context,
        "one context per thread"
    );

    // A reply addressed only to the replier's followers plus the group
    // (Mastodon's default for replies) is still found by its parent, and the
    // leak guard warns the replier.
    let mut leaky =
        c.b.fixture("mastodon_reply.json", "bob", &c.group, "4", &root);
    let followers = format!("{}/followers", c.b.actor_id("bob"));
    leaky["to"] = json!([followers]);
    leaky["cc"] = json!([c.group]);
    leaky["object"]["to"] = leaky["to"].clone();
    leaky["object"]["cc"] = leaky["cc"].clone();
    assert_eq!(c.b.post("bob", &c.s.url("/inbox"), &leaky).await, 202);
    let r3 = copy_of(&c, leaky["object"]["id"].as_str().unwrap()).await;
    assert_eq!(
        arrived(&c.a, "Create", &r3).await.activity["object"]["inReplyTo"],
        root
    );
    for _ in 0..200 {
        if c.b
            .of_kind("Create")
            .iter()
            .any(|r| r.activity["to"] == json!([c.b.actor_id("bob")]))
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let notice =
        c.b.of_kind("Create")
            .into_iter()
            .find(|r| r.activity["to"] == json!([c.b.actor_id("bob")]))
            .expect("a direct note to the replier");
    assert!(notice.verified);
    assert!(notice.activity["object"]["content"]
        .as_str()
        .unwrap()
        .contains("Mentioned people only"));
    c.s.stop().await;
}

async fn edits_deletes_and_moderation_follow(backend: Backend) {
    let c = club(backend).await;
    let (_, note) = alice_posts(&c, "5").await;
    let created = arrived(&c.b, "Create", &note).await;
    let edit =
        c.a.fixture("mastodon_update.json", "alice", &c.group, "5", "");
    assert_eq!(c.a.post("alice", &c.s.url("/inbox"), &edit).await, 202);
    let update = arrived(&c.b, "Update", &note).await;
    assert!(update.verified);
    assert_eq!(update.activity["actor"], c.group);
    let new = &update.activity["object"];
    assert!(
        new["content"].as_str().unwrap().contains("edited text"),
        "{new}"
    );
    let time = |v: &Value| chrono::DateTime::parse_from_rfc3339(v.as_str().unwrap()).unwrap();
    assert!(
        time(&new["updated"]) > time(&created.activity["object"]["published"]),
        "updated is newer"
    );
    assert_eq!(new["id"], note);

    // Someone else cannot edit alice's post (signed by bob, claims alice's object).
    let mut forged =
        c.a.fixture("mastodon_update.json", "alice", &c.group, "5", "");
    forged["actor"] = json!(c.b.actor_id("bob"));
    forged["id"] = json!(format!("{}#u", c.b.actor_id("bob")));
    assert_eq!(
        c.b.post("bob", &c.s.url("/inbox"), &forged).await,
        403,
        "object from another server"
    );

    let delete =
        c.a.fixture("mastodon_delete.json", "alice", &c.group, "5", "");
    assert_eq!(c.a.post("alice", &c.s.url("/inbox"), &delete).await, 202);
    let del = arrived(&c.b, "Delete", &note).await;
    assert!(del.verified);
    assert_eq!(del.activity["object"]["type"], "Tombstone");
    assert!(!del.activity.to_string().contains(PUBLIC));

    // Nothing of the deleted post stays behind: not the group's copy, not
    // the group's Create and Update of it, not what alice's server sent.
    let gid = c.s.db.call(|db| db.group_by_name("club")).await.unwrap().id;
    let posts = c.s.db.call(move |db| db.list_posts(gid)).await.unwrap();
    let post = posts.iter().find(|p| p.note_id == note).unwrap();
    assert_eq!(post.note_json, "{}");
    for sent in [&created, &update] {
        let id = sent.activity["id"].as_str().unwrap().to_string();
        let kept =
            c.s.db
                .call(move |db| db.outgoing_activity(gid, &id))
                .await
                .unwrap();
        assert!(kept.is_none(), "{kept:?}");
    }
    let create =
        c.a.fixture("mastodon_direct.json", "alice", &c.group, "5", "");
    for received in [&create, &edit] {
        let id = received["id"].as_str().unwrap().to_string();
        let row =
            c.s.db
                .call(move |db| db.incoming_by_activity_id(&id))
                .await
                .unwrap()
                .unwrap();
        assert!(row.outcome.is_some());
        assert_eq!(row.body, "{}", "only the audit line is kept");
    }

    // Moderator removal from the CLI.
    let (_, other) = alice_posts(&c, "6").await;
    let list = c.s.cli(&["post", "list", "club", "--json"]).json();
    let entry = list
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["note"] == other.as_str())
        .unwrap()
        .clone();
    assert_eq!(entry["deleted"], false);
    let number = entry["number"].to_string();
    c.s.cli(&["post", "remove", "club", &number]).ok();
    assert_eq!(
        arrived(&c.a, "Delete", &other).await.activity["actor"],
        c.group
    );
    let err =
        c.s.cli(&["post", "remove", "club", &number])
            .failed()
            .to_string();
    assert!(err.contains("already removed"), "{err}");
    let list = c.s.cli(&["post", "list", "club", "--json"]).json();
    assert!(list
        .as_array()
        .unwrap()
        .iter()
        .all(|p| p["deleted"] == true));
    assert!(c
        .s
        .cli(&["post", "list", "club"])
        .ok()
        .contains("[removed]"));
    c.s.stop().await;
}

backend_tests!(
    member_posts_of_every_shape_reach_members,
    replies_thread_onto_the_group_copy,
    edits_deletes_and_moderation_follow,
);
