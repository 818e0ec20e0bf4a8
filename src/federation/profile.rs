//! Keeping cached remote actors fresh: a signed `Update` of an actor
//! carries its new profile (inbox, shared inbox, name, keys, aliases),
//! and a cached actor older than [`STALE_MS`] is refetched before it is
//! used again for delivery (see `delivery::refresh`).

use super::actor::{authority, id_of, parse_actor};
use super::client::FetchError;
use crate::db::RemoteActor;
use serde_json::Value;

/// A cached actor document older than this is refetched.
pub const STALE_MS: i64 = 24 * 3600 * 1000;

/// Actor types whose `Update` refreshes the cache.
pub const ACTOR_TYPES: [&str; 5] = ["Person", "Service", "Group", "Application", "Organization"];

/// The cached actor as the `Update`'s embedded `object` (its new profile)
/// describes it. The caller has checked that the actor signed the
/// activity; the object must be that same actor. Its key is the one
/// cached if it is still listed, else the first one it lists (a rotation).
pub fn from_update(cached: &RemoteActor, object: &Value) -> Result<RemoteActor, FetchError> {
    let bad = |why: &str| FetchError::Invalid(cached.uri.clone(), why.into());
    if object.get("id").and_then(Value::as_str) != Some(cached.uri.as_str()) {
        return Err(bad("an actor may only update its own profile"));
    }
    let keys: Vec<&str> = match object.get("publicKey") {
        Some(Value::Array(keys)) => keys.iter().filter_map(id_of).collect(),
        Some(key) => id_of(key).into_iter().collect(),
        None => Vec::new(),
    };
    let key_id = if keys.contains(&cached.key_id.as_str()) {
        cached.key_id.as_str()
    } else {
        keys.into_iter()
            .find(|k| authority(k) == authority(&cached.uri))
            .ok_or_else(|| bad("no publicKey on the actor's server"))?
    };
    let mut fresh = parse_actor(object, &cached.uri, key_id)?;
    fresh.software = cached.software.clone();
    Ok(fresh)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn cached() -> RemoteActor {
        RemoteActor {
            id: 1,
            uri: "https://a.example/users/bob".into(),
            key_id: "https://a.example/users/bob#main-key".into(),
            public_key_pem: "OLD".into(),
            inbox: "https://a.example/users/bob/inbox".into(),
            shared_inbox: Some("https://a.example/inbox".into()),
            username: "bob".into(),
            domain: "a.example".into(),
            also_known_as: "[]".into(),
            fetched_at: 0,
            followers: None,
            software: Some("mastodon 4.3".into()),
        }
    }

    fn profile(key_id: &str) -> Value {
        json!({
            "id": "https://a.example/users/bob", "type": "Person",
            "preferredUsername": "robert",
            "inbox": "https://a.example/users/bob/inbox2",
            "alsoKnownAs": ["https://b.example/users/bob"],
            "publicKey": {"id": key_id, "owner": "https://a.example/users/bob", "publicKeyPem": "NEW"},
        })
    }

    #[test]
    fn an_update_replaces_what_the_cache_knows() {
        let fresh = from_update(&cached(), &profile("https://a.example/users/bob#main-key"))
            .expect("valid");
        assert_eq!(fresh.username, "robert");
        assert_eq!(fresh.inbox, "https://a.example/users/bob/inbox2");
        assert_eq!(fresh.shared_inbox, None, "no longer advertised");
        assert_eq!(fresh.public_key_pem, "NEW");
        assert_eq!(fresh.also_known_as, r#"["https://b.example/users/bob"]"#);
        assert_eq!(fresh.software.as_deref(), Some("mastodon 4.3"));
    }

    #[test]
    fn a_rotated_key_is_taken_if_on_the_same_server() {
        let fresh = from_update(&cached(), &profile("https://a.example/users/bob#key-2"))
            .expect("rotation");
        assert_eq!(fresh.key_id, "https://a.example/users/bob#key-2");
        assert!(from_update(&cached(), &profile("https://evil.example/k")).is_err());
    }

    #[test]
    fn nobody_updates_someone_else() {
        let mut other = profile("https://a.example/users/bob#main-key");
        other["id"] = json!("https://a.example/users/carol");
        assert!(from_update(&cached(), &other).is_err());
    }
}
