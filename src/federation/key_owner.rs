//! Which actor owns a signing key, whatever shape the key's server
//! publishes it in. Real servers answer a `keyId` with:
//!
//! - the actor itself, the key a fragment of it (`…/users/a#main-key`:
//!   Mastodon, Misskey, Pleroma, Lemmy, Friendica…), or a key whose `id`
//!   is the actor id itself;
//! - a stub actor at the key's own URL (GoToSocial's `…/users/a/main-key`:
//!   `id` = the actor, no `inbox`, the key under `publicKey`);
//! - a bare key document with a top-level `owner`;
//! - an actor whose `publicKey` is a list, the signing key not first
//!   (Fedify with several keys).
//!
//! A key document's word alone is never trusted: it only names the owner,
//! which must be on the key's host, and whose own document (fetched from
//! its id) must list the key. `parse_actor` checks that listing.

use super::actor::{authority, id_of};
use super::client::FetchError;
use serde_json::Value;

/// What the document fetched for a key says about its owner.
#[derive(Debug, PartialEq, Eq)]
pub enum KeyOwner {
    /// The document is the owner's own: read the key from it.
    ThisDocument,
    /// The owner is this actor id: fetch it and find the key there.
    Fetch(String),
}

/// The keys an actor lists under `publicKey` (one object, a reference,
/// or a list of either).
pub fn listed_keys(actor: &Value) -> Vec<&Value> {
    match actor.get("publicKey") {
        Some(Value::Array(keys)) => keys.iter().collect(),
        Some(key) => vec![key],
        None => Vec::new(),
    }
}

/// Reads `doc`, fetched from `doc_url` to resolve `key_id`.
pub fn key_owner(doc: &Value, doc_url: &str, key_id: &str) -> Result<KeyOwner, FetchError> {
    let bad = |why: &str| FetchError::Invalid(doc_url.into(), why.into());
    let doc_id = doc.get("id").and_then(Value::as_str);
    let listed = listed_keys(doc)
        .into_iter()
        .find(|k| id_of(k) == Some(key_id));
    let owner = match listed {
        // The key as an entry of an actor (full or stub): its owner, else
        // the actor listing it.
        Some(key) => key
            .get("owner")
            .and_then(id_of)
            .or(doc_id)
            .ok_or_else(|| bad("key listed by a document without id"))?,
        // A bare key document.
        None if doc_id == Some(key_id) || doc.get("publicKeyPem").is_some() => doc
            .get("owner")
            .and_then(id_of)
            .ok_or_else(|| bad("key has no owner"))?,
        None => return Err(bad("no key with that id")),
    };
    if authority(owner).is_none() || authority(owner) != authority(key_id) {
        return Err(bad("key owner is not on the key's host"));
    }
    let is_owners_own =
        doc_id == Some(owner) && owner == doc_url && doc.get("inbox").is_some() && listed.is_some();
    Ok(if is_owners_own {
        KeyOwner::ThisDocument
    } else {
        KeyOwner::Fetch(owner.to_string())
    })
}

/// The document of the actor owning `key_id` and the URL it came from:
/// the key's document when it is the owner's own, else the owner's,
/// fetched from its id (which its document must carry unchanged). `get`
/// fetches a URL (signed GET in production).
pub async fn owner_document<F, Fut>(key_id: &str, get: F) -> Result<(Value, String), FetchError>
where
    F: Fn(String) -> Fut,
    Fut: std::future::Future<Output = Result<Value, FetchError>>,
{
    let doc_url = key_id.split('#').next().unwrap_or(key_id);
    let doc = get(doc_url.to_string()).await?;
    match key_owner(&doc, doc_url, key_id)? {
        KeyOwner::ThisDocument => Ok((doc, doc_url.to_string())),
        KeyOwner::Fetch(owner) => {
            let owner_doc = get(owner.clone()).await?;
            if owner_doc.get("id").and_then(Value::as_str) != Some(owner.as_str()) {
                return Err(FetchError::Invalid(
                    owner,
                    "the key's owner is another actor".into(),
                ));
            }
            Ok((owner_doc, owner))
        }
    }
}

#[cfg(test)]
#[path = "key_owner_tests.rs"]
mod tests;
