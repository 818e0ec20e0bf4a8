//! One test per key shape real servers publish, each fixture noting where
//! its shape comes from, then the forgeries the lookup must refuse. Every
//! shape is resolved as `actor_for_key` does: `key_owner` on the document
//! at the key's URL, then `parse_actor` on the owner's own document.

use super::*;
use crate::federation::actor::parse_actor;
use serde_json::json;

/// The PEM `parse_actor` reads back, for an assertion on which key won.
const PEM: &str = "-----BEGIN PUBLIC KEY-----\nSIGNING\n-----END PUBLIC KEY-----\n";
const OTHER_PEM: &str = "-----BEGIN PUBLIC KEY-----\nOTHER\n-----END PUBLIC KEY-----\n";

/// A full actor, Mastodon's shape (`fediverse-samples/mastodon/objects/
/// person.json`): `publicKey` one object `{id, owner, publicKeyPem}`.
fn actor(id: &str, key_id: &str) -> Value {
    json!({
        "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
        "id": id,
        "type": "Person",
        "preferredUsername": "alice",
        "inbox": format!("{id}/inbox"),
        "followers": format!("{id}/followers"),
        "publicKey": {"id": key_id, "owner": id, "publicKeyPem": PEM}
    })
}

/// Resolves `key_id` against a fake web of documents by URL, as
/// `actor_for_key` does, and returns the PEM it would verify with.
fn resolve(web: &[(&str, Value)], key_id: &str) -> Result<String, FetchError> {
    let get = |url: String| {
        let found = web.iter().find(|(u, _)| *u == url).map(|(_, d)| d.clone());
        async move { found.ok_or(FetchError::Status { url, status: 404 }) }
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    let (doc, url) = runtime.block_on(owner_document(key_id, get))?;
    Ok(parse_actor(&doc, &url, key_id)?.public_key_pem)
}

#[test]
fn a_fragment_of_the_actor_mastodon_misskey_pleroma_lemmy() {
    // Key ids as in fediverse-samples/{mastodon,pleroma,lemmy,friendica,
    // nodebb}/objects/person*.json and Misskey's ApRendererService
    // (`renderKey`: `${userUrl}#main-key`).
    for (actor_id, key_id) in [
        (
            "https://masto.example/users/alice",
            "https://masto.example/users/alice#main-key",
        ),
        (
            "https://misskey.example/users/9i3x7",
            "https://misskey.example/users/9i3x7#main-key",
        ),
        (
            "https://pleroma.example/users/alice",
            "https://pleroma.example/users/alice#main-key",
        ),
        (
            "https://lemmy.example/u/alice",
            "https://lemmy.example/u/alice#main-key",
        ),
        (
            "https://friendica.example/profile/alice",
            "https://friendica.example/profile/alice#main-key",
        ),
        (
            "https://nodebb.example/uid/1",
            "https://nodebb.example/uid/1#key",
        ),
    ] {
        let doc = actor(actor_id, key_id);
        assert_eq!(
            key_owner(&doc, actor_id, key_id).expect(key_id),
            KeyOwner::ThisDocument,
            "{key_id}: the actor's own document, no second fetch"
        );
        assert_eq!(resolve(&[(actor_id, doc)], key_id).expect(key_id), PEM);
    }
}

#[test]
fn a_gotosocial_stub_actor_at_the_key_url() {
    // GoToSocial (internal/typeutils/internaltoas.go, AccountToASMinimal):
    // `…/users/NAME/main-key` answers a stub with only type, id,
    // preferredUsername and publicKey; the full actor is at its id.
    let id = "http://gts.example/users/alice";
    let key_id = "http://gts.example/users/alice/main-key";
    let stub = json!({
        "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
        "id": id,
        "type": "Person",
        "preferredUsername": "alice",
        "publicKey": {"id": key_id, "owner": id, "publicKeyPem": PEM}
    });
    assert_eq!(
        key_owner(&stub, key_id, key_id).expect("stub"),
        KeyOwner::Fetch(id.into())
    );
    let web = [(key_id, stub), (id, actor(id, key_id))];
    assert_eq!(resolve(&web, key_id).expect("resolves"), PEM);
}

#[test]
fn a_bare_key_document_with_its_owner() {
    // The CryptographicKey document of the security vocabulary (what
    // demesh accepted before): top-level id, owner, publicKeyPem.
    let id = "https://keys.example/users/alice";
    let key_id = "https://keys.example/keys/alice-1";
    let key = json!({"id": key_id, "type": "CryptographicKey", "owner": id, "publicKeyPem": PEM});
    assert_eq!(
        key_owner(&key, key_id, key_id).expect("key"),
        KeyOwner::Fetch(id.into())
    );
    assert_eq!(
        resolve(&[(key_id, key), (id, actor(id, key_id))], key_id).expect("ok"),
        PEM
    );
}

#[test]
fn a_list_of_keys_the_signing_one_not_first() {
    // Fedify with several key pairs (`setKeyPairsDispatcher`): `publicKey`
    // is a list, `#main-key` then `#key-2`, each with its owner.
    let id = "https://fedify.example/users/alice";
    let key_id = "https://fedify.example/users/alice#key-2";
    let mut doc = actor(id, key_id);
    doc["publicKey"] = json!([
        {"id": format!("{id}#main-key"), "type": "CryptographicKey", "owner": id, "publicKeyPem": OTHER_PEM},
        {"id": key_id, "type": "CryptographicKey", "owner": id, "publicKeyPem": PEM}
    ]);
    assert_eq!(
        key_owner(&doc, id, key_id).expect("list"),
        KeyOwner::ThisDocument
    );
    assert_eq!(resolve(&[(id, doc)], key_id).expect("second key"), PEM);
}

#[test]
fn a_key_whose_id_is_the_actor_id() {
    // Some small implementations name the key by the actor id itself
    // (`keyId` = actor URL, no fragment).
    let id = "https://tiny.example/actor";
    let doc = actor(id, id);
    assert_eq!(
        key_owner(&doc, id, id).expect("same id"),
        KeyOwner::ThisDocument
    );
    assert_eq!(resolve(&[(id, doc)], id).expect("ok"), PEM);
}

#[test]
fn a_key_naming_an_owner_on_another_host_is_refused() {
    // A stub on evil.example cannot make its key speak for an actor on
    // social.example, even if that actor exists.
    let key_id = "https://evil.example/users/x/main-key";
    let victim = "https://social.example/users/alice";
    let stub =
        json!({"id": victim, "publicKey": {"id": key_id, "owner": victim, "publicKeyPem": PEM}});
    assert!(key_owner(&stub, key_id, key_id).is_err());
    let bare = json!({"id": key_id, "owner": victim, "publicKeyPem": PEM});
    assert!(key_owner(&bare, key_id, key_id).is_err());
}

#[test]
fn the_owner_must_list_the_key_itself() {
    // Same host, but the owner's own document does not list this key: a
    // key document's word alone is not enough.
    let id = "https://social.example/users/alice";
    let key_id = "https://social.example/keys/planted";
    let bare = json!({"id": key_id, "owner": id, "publicKeyPem": OTHER_PEM});
    let owner = actor(id, &format!("{id}#main-key"));
    assert!(resolve(&[(key_id, bare), (id, owner)], key_id).is_err());
}

#[test]
fn a_stub_whose_id_is_not_its_url_makes_the_owner_be_fetched() {
    // A full-looking actor at the key URL whose id is elsewhere (on the
    // same host) is only a claim: the actor at that id decides.
    let id = "https://social.example/users/alice";
    let key_id = "https://social.example/users/mallory#main-key";
    let claim = actor(id, key_id);
    assert_eq!(
        key_owner(&claim, "https://social.example/users/mallory", key_id).expect("claim"),
        KeyOwner::Fetch(id.into())
    );
    let web = [
        ("https://social.example/users/mallory", claim),
        (id, actor(id, &format!("{id}#main-key"))),
    ];
    assert!(
        resolve(&web, key_id).is_err(),
        "alice does not list mallory's key"
    );
}

#[test]
fn a_listed_key_naming_another_owner_does_not_count() {
    let id = "https://social.example/users/alice";
    let key_id = format!("{id}#main-key");
    let mut doc = actor(id, &key_id);
    doc["publicKey"]["owner"] = json!("https://social.example/users/bob");
    assert!(resolve(&[(id, doc)], &key_id).is_err());
}

#[test]
fn a_document_without_the_key_is_refused() {
    let id = "https://social.example/users/alice";
    let doc = actor(id, &format!("{id}#main-key"));
    assert!(key_owner(&doc, id, &format!("{id}#other")).is_err());
    assert!(key_owner(&json!({"type": "Note"}), id, id).is_err());
}
