//! Remote state stays fresh: a signed Update of an actor refreshes what
//! the cache knows of it, and a member's actor cached more than a day ago
//! is fetched again before it is delivered to.
#![allow(clippy::unwrap_used)]

mod common;

use common::club::{arrived, club, copy_of, Club};
use common::wait::{eventually, processed};
use common::{exec_sql, get_activity_json, Backend};
use openssl::pkey::PKey;
use openssl::rsa::Rsa;
use serde_json::json;

async fn alice_posts_and_bob_gets_it(c: &Club, n: &str) -> common::fake_remote::Received {
    let post =
        c.a.fixture("mastodon_direct.json", "alice", &c.group, n, "");
    assert_eq!(c.a.post("alice", &c.s.url("/inbox"), &post).await, 202);
    let note = copy_of(c, post["object"]["id"].as_str().unwrap()).await;
    arrived(&c.b, "Create", &note).await
}

async fn an_update_of_an_actor_refreshes_the_cache(backend: Backend) {
    let c = club(backend).await;
    assert_eq!(alice_posts_and_bob_gets_it(&c, "1").await.path, "/inbox");
    let bob = c.b.actor_id("bob");

    // bob's server stops advertising a shared inbox, renames him, adds
    // an alias and a second key, and says so with an Update.
    let mut profile = get_activity_json(&bob).await;
    profile.as_object_mut().unwrap().remove("endpoints");
    profile["preferredUsername"] = json!("robert");
    profile["alsoKnownAs"] = json!(["https://old.example/users/bob"]);
    let new_key = PKey::from_rsa(Rsa::generate(2048).unwrap()).unwrap();
    let new_pem = String::from_utf8(new_key.public_key_to_pem().unwrap()).unwrap();
    profile["publicKey"]["publicKeyPem"] = json!(new_pem);
    let update = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{bob}#updates/1"),
        "type": "Update",
        "actor": bob,
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
        "object": profile,
    });
    assert_eq!(c.b.post("bob", &c.s.url("/inbox"), &update).await, 202);
    let outcome = processed(&c.s, &format!("{bob}#updates/1")).await;
    assert!(outcome.contains("updated"), "{outcome}");

    let uri = bob.clone();
    let cached =
        c.s.db
            .call(move |db| db.remote_actor(&uri))
            .await
            .unwrap()
            .unwrap();
    assert_eq!(cached.username, "robert");
    assert_eq!(cached.shared_inbox, None);
    assert_eq!(cached.public_key_pem, new_pem);
    assert_eq!(cached.also_known_as, r#"["https://old.example/users/bob"]"#);
    let members = c.s.cli(&["member", "list", "club", "--json"]).stdout;
    assert!(members.contains("robert@"), "{members}");
    // Deliveries follow: bob's personal inbox now.
    let r = alice_posts_and_bob_gets_it(&c, "2").await;
    assert_eq!(r.path, "/users/bob/inbox");
}

async fn nobody_updates_someone_elses_profile(backend: Backend) {
    let c = club(backend).await;
    let (bob, carol) = (c.b.actor_id("bob"), c.a.actor_id("carol"));
    let mut profile = get_activity_json(&carol).await;
    profile["inbox"] = json!(format!("{bob}/inbox"));
    // carol's server cannot speak for bob's; and carol cannot send bob's
    // profile as her own Update.
    let update = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{bob}#updates/2"),
        "type": "Update",
        "actor": bob,
        "object": profile,
    });
    assert_eq!(c.b.post("bob", &c.s.url("/inbox"), &update).await, 202);
    let outcome = processed(&c.s, &format!("{bob}#updates/2")).await;
    assert!(outcome.starts_with("rejected"), "{outcome}");
    let cached =
        c.s.db
            .call(move |db| db.remote_actor(&carol))
            .await
            .unwrap()
            .unwrap();
    assert!(
        cached.inbox.ends_with("/users/carol/inbox"),
        "{}",
        cached.inbox
    );
}

async fn a_member_cached_over_a_day_ago_is_fetched_again(backend: Backend) {
    let c = club(backend).await;
    let bob = c.b.actor_id("bob");
    c.b.set_also_known_as("bob", "https://old.example/users/bob");
    let gets = c.b.actor_gets();
    // A day passes.
    exec_sql(
        &c.s.db_url,
        &format!("UPDATE remote_actors SET fetched_at = 0 WHERE uri = '{bob}'"),
    );
    let db = c.s.db.clone();
    let fresh = eventually("bob's actor to be fetched again", || {
        let (db, uri) = (db.clone(), bob.clone());
        async move {
            let a = db.call(move |db| db.remote_actor(&uri)).await.unwrap()?;
            (a.fetched_at > 0).then_some(a)
        }
    })
    .await;
    assert!(c.b.actor_gets() > gets);
    assert_eq!(fresh.also_known_as, r#"["https://old.example/users/bob"]"#);
    // Others fetched recently are left alone.
    let alice = c.a.actor_id("alice");
    let a =
        c.s.db
            .call(move |db| db.remote_actor(&alice))
            .await
            .unwrap()
            .unwrap();
    assert!(a.fetched_at > demesh::db::now_ms() - 600_000);
}

backend_tests!(
    an_update_of_an_actor_refreshes_the_cache,
    nobody_updates_someone_elses_profile,
    a_member_cached_over_a_day_ago_is_fetched_again,
);
