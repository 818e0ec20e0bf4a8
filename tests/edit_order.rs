//! Edits in order (issue #24): a sender retrying an older edit after a
//! newer one (after a 429 or a 5xx), or our own inbox retries, must not
//! put the older text back. The older edit is recorded and dropped; the
//! group stamps its copies with the author's `updated`, so member servers
//! (which ignore an Update not newer than the last) agree.
#![allow(clippy::unwrap_used)]

mod common;

use common::club::{alice_posts, arrived, club, nothing_more, Club};
use common::wait::processed;
use common::{get_activity_json, Backend};
use serde_json::{json, Value};

fn rfc3339_ms(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap()
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

fn ms_of(v: &Value) -> i64 {
    chrono::DateTime::parse_from_rfc3339(v.as_str().unwrap())
        .unwrap()
        .timestamp_millis()
}

/// alice's edit `n` of her post `post`, saying `text`, written at `at_ms`.
fn edit(c: &Club, post: &str, n: &str, text: &str, at_ms: i64) -> Value {
    let mut e =
        c.a.fixture("mastodon_update.json", "alice", &c.group, post, "");
    let original = e["object"]["id"].as_str().unwrap().to_string();
    let content = format!("<p>{text}</p>");
    e["id"] = json!(format!("{original}#updates/{n}"));
    e["object"]["updated"] = json!(rfc3339_ms(at_ms));
    e["object"]["content"] = json!(content);
    e["object"]["contentMap"] = json!({ "en": content });
    e
}

/// What a member's server shows after the Updates it received, in the
/// order received, applied as Mastodon does: one not newer than the last
/// applied is ignored.
fn shown_at(server: &common::fake_remote::FakeRemote, note: &str) -> String {
    let (mut text, mut last) = (String::new(), i64::MIN);
    for update in server.of_kind("Update") {
        let object = &update.activity["object"];
        if object["id"] != note {
            continue;
        }
        let at = ms_of(&object["updated"]);
        if at > last {
            last = at;
            text = object["content"].as_str().unwrap().to_string();
        }
    }
    text
}

async fn an_older_edit_after_a_newer_one_is_dropped(backend: Backend) {
    let c = club(backend).await;
    let (_, note) = alice_posts(&c, "7").await;
    let now = demesh::db::now_ms();
    let (older_at, newer_at) = (now + 10_000, now + 20_000);
    let older = edit(&c, "7", "1", "the first wording", older_at);
    let newer = edit(&c, "7", "2", "the second wording", newer_at);

    assert_eq!(c.a.post("alice", &c.s.url("/inbox"), &newer).await, 202);
    let update = arrived(&c.b, "Update", &note).await;
    assert!(update.activity["object"]["content"]
        .as_str()
        .unwrap()
        .contains("the second wording"));
    assert_eq!(
        ms_of(&update.activity["object"]["updated"]),
        newer_at,
        "the group's copy carries the author's updated"
    );
    let before = c.b.received().len();

    // alice's server retries the first edit after the second went through.
    assert_eq!(c.a.post("alice", &c.s.url("/inbox"), &older).await, 202);
    let outcome = processed(&c.s, older["id"].as_str().unwrap()).await;
    assert!(outcome.starts_with("dropped: an older edit"), "{outcome}");
    nothing_more(&c.s, &c.b, before).await;
    for server in [&c.a, &c.b] {
        assert!(
            shown_at(server, &note).contains("the second wording"),
            "members see the newer text"
        );
    }
    let copy = get_copy(&c, &note).await;
    assert!(copy.contains("the second wording"), "{copy}");
    assert!(!copy.contains("the first wording"), "{copy}");

    // A later edit still goes through, stamped after the last.
    let third = edit(&c, "7", "3", "the third wording", newer_at + 5_000);
    assert_eq!(c.a.post("alice", &c.s.url("/inbox"), &third).await, 202);
    common::wait::eventually("the third edit to reach bob's server", || async {
        shown_at(&c.b, &note)
            .contains("the third wording")
            .then_some(())
    })
    .await;
    c.s.stop().await;
}

/// Without `updated`, arrival decides: each edit that arrives later wins,
/// and the group's stamps still rise.
async fn edits_without_updated_apply_in_arrival_order(backend: Backend) {
    let c = club(backend).await;
    let (_, note) = alice_posts(&c, "8").await;
    for (n, text) in [("1", "first"), ("2", "second")] {
        let mut e = edit(&c, "8", n, text, 0);
        e["object"].as_object_mut().unwrap().remove("updated");
        assert_eq!(c.a.post("alice", &c.s.url("/inbox"), &e).await, 202);
        let outcome = processed(&c.s, e["id"].as_str().unwrap()).await;
        assert!(outcome.starts_with("updated 1"), "{outcome}");
    }
    common::wait::eventually("both edits at bob's server", || async {
        (c.b.of_kind("Update").len() == 2).then_some(())
    })
    .await;
    assert!(shown_at(&c.b, &note).contains("second"));
    c.s.stop().await;
}

/// The same rule for a profile: an older `Update{Person}` arriving after
/// a newer one leaves the newer profile in place.
async fn an_older_profile_update_is_dropped(backend: Backend) {
    let c = club(backend).await;
    let bob = c.b.actor_id("bob");
    let now = demesh::db::now_ms();
    let newer = profile_update(&bob, "2", "robert", now).await;
    let older = profile_update(&bob, "1", "bobby", now - 60_000).await;
    for update in [&newer, &older] {
        assert_eq!(c.b.post("bob", &c.s.url("/inbox"), update).await, 202);
        processed(&c.s, update["id"].as_str().unwrap()).await;
    }
    let outcome = processed(&c.s, older["id"].as_str().unwrap()).await;
    assert!(
        outcome.starts_with("dropped: an older profile"),
        "{outcome}"
    );
    let uri = bob.clone();
    let cached =
        c.s.db
            .call(move |db| db.remote_actor(&uri))
            .await
            .unwrap()
            .unwrap();
    assert_eq!(cached.username, "robert");
    c.s.stop().await;
}

/// bob's profile Update `n`, renaming him `name`, written at `at_ms`.
async fn profile_update(bob: &str, n: &str, name: &str, at_ms: i64) -> Value {
    let mut profile = get_activity_json(bob).await;
    profile["preferredUsername"] = json!(name);
    profile["updated"] = json!(rfc3339_ms(at_ms));
    json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{bob}#updates/{n}"),
        "type": "Update", "actor": bob, "object": profile,
    })
}

async fn get_copy(c: &Club, note: &str) -> String {
    let note = note.to_string();
    c.s.db
        .call(move |db| db.post_by_note(&note))
        .await
        .unwrap()
        .unwrap()
        .note_json
}

backend_tests!(
    an_older_edit_after_a_newer_one_is_dropped,
    edits_without_updated_apply_in_arrival_order,
    an_older_profile_update_is_dropped,
);
