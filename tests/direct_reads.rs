//! The group's direct messages can be fetched at their ids, by their
//! recipient (and the recipient's server) only: another member, signed or
//! not, gets 404 for the message and for the Create that carries it.
#![allow(clippy::unwrap_used)]

mod common;

use common::club::club;
use common::dm::dm_containing;
use common::wait::processed;
use common::Backend;

async fn a_direct_message_is_for_its_recipient_alone(backend: Backend) {
    let c = club(backend).await;
    c.promote(&c.b, "bob");
    // dave asks to join: bob, the moderator, is told by direct message.
    c.a.account("dave");
    let follow = c.a.follow("dave", &c.group, 1);
    assert_eq!(c.a.post("dave", &c.s.url("/inbox"), &follow).await, 202);
    processed(&c.s, follow["id"].as_str().unwrap()).await;
    let bob = c.b.actor_id("bob");
    let note = dm_containing(&c.b, &bob, "dave").await;
    let note_id = note["id"].as_str().unwrap().to_string();
    let create_id =
        c.b.of_kind("Create")
            .into_iter()
            .find(|r| r.activity["object"]["id"] == note_id.as_str())
            .unwrap()
            .activity["id"]
            .as_str()
            .unwrap()
            .to_string();

    let (status, doc) = c.b.signed_get("bob", &note_id).await;
    assert_eq!(status, 200, "the recipient reads it");
    assert_eq!(doc["type"], "Note");
    assert_eq!(doc["to"], serde_json::json!([bob]));
    assert!(doc["content"].as_str().unwrap().contains("dave"), "{doc}");
    assert_eq!(c.b.signed_get("bob", &create_id).await.0, 200);
    // Another account on bob's server stands for it (an instance actor
    // fetching for its user).
    c.b.account("zed");
    assert_eq!(c.b.signed_get("zed", &note_id).await.0, 200);

    // alice is a member, but the message is not hers.
    assert_eq!(c.a.signed_get("alice", &note_id).await.0, 404);
    assert_eq!(c.a.signed_get("alice", &create_id).await.0, 404);
    for url in [&note_id, &create_id] {
        let res = common::http().get(url.as_str()).send().await.unwrap();
        assert_eq!(res.status().as_u16(), 404, "unsigned: {url}");
    }
    // An unknown message id is a 404 for its would-be recipient too.
    let unknown = format!("{}/messages/nothing-here", c.group);
    assert_eq!(c.b.signed_get("bob", &unknown).await.0, 404);
}

/// The leak guard's note to an author is a direct message like the
/// others: readable at its id by the author's server, 404 for others; and
/// it claims nothing about reply defaults, which differ by server.
async fn the_leak_notice_is_readable_by_its_addressee(backend: Backend) {
    let c = club(backend).await;
    let alice = c.a.actor_id("alice");
    let post =
        c.a.fixture("mastodon_public.json", "alice", &c.group, "7", "");
    assert_eq!(c.a.post("alice", &c.s.url("/inbox"), &post).await, 202);
    let note = dm_containing(&c.a, &alice, "visible outside").await;
    let note_id = note["id"].as_str().unwrap().to_string();
    assert!(
        note_id.starts_with(&format!("{}/messages/", c.group)),
        "{note_id}"
    );
    let text = note["content"].as_str().unwrap();
    assert!(!text.to_lowercase().contains("default"), "{text}");
    assert!(text.contains("Mentioned people only"), "{text}");

    let (status, doc) = c.a.signed_get("alice", &note_id).await;
    assert_eq!(status, 200, "the author reads it");
    assert_eq!(doc["to"], serde_json::json!([alice]));
    assert!(doc["content"].as_str().unwrap().contains("visible outside"));
    assert_eq!(
        c.b.signed_get("bob", &note_id).await.0,
        404,
        "another member"
    );
    let res = common::http().get(note_id.as_str()).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 404, "unsigned");
    // Listed among the group's direct messages to alice, as a welcome is.
    let listed =
        c.s.db
            .call({
                let alice = alice.clone();
                move |db| {
                    let g = db.group_by_name("club")?;
                    db.direct_messages_to(g.id, &alice)
                }
            })
            .await
            .unwrap();
    assert!(listed.iter().any(|m| m.note_id == note_id));

    // Refused (leak guard reject): the same.
    c.s.cli(&["group", "set", "club", "leak-guard", "reject"])
        .ok();
    let post =
        c.a.fixture("mastodon_private.json", "alice", &c.group, "8", "");
    assert_eq!(c.a.post("alice", &c.s.url("/inbox"), &post).await, 202);
    let note = dm_containing(&c.a, &alice, "was not shared").await;
    let (status, _) = c.a.signed_get("alice", note["id"].as_str().unwrap()).await;
    assert_eq!(status, 200);
    assert_eq!(
        c.b.signed_get("bob", note["id"].as_str().unwrap()).await.0,
        404
    );
}

backend_tests!(
    a_direct_message_is_for_its_recipient_alone,
    the_leak_notice_is_readable_by_its_addressee,
);
