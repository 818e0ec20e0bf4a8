//! Remote actors and their keys: fetch, parse, cache.

use super::client::{Client, FetchError, SigningKey};
use super::key_owner::owner_document;
use crate::db::{Db, RemoteActor};
use serde_json::Value;

/// The id of a JSON-LD reference: a string, or an object with `id`.
pub fn id_of(v: &Value) -> Option<&str> {
    match v {
        Value::String(s) => Some(s),
        Value::Object(o) => o.get("id").and_then(Value::as_str),
        _ => None,
    }
}

/// Every id a document is addressed to: its to, cc, bto, bcc and
/// audience, each a single reference or a list of them.
pub fn addressees(doc: &Value) -> Vec<&str> {
    ["to", "cc", "bto", "bcc", "audience"]
        .iter()
        .flat_map(|key| match doc.get(key) {
            Some(Value::Array(many)) => many.iter().filter_map(id_of).collect(),
            Some(one) => id_of(one).into_iter().collect(),
            None => Vec::new(),
        })
        .collect()
}

/// `host[:port]` of a URL, lowercased: the server an id belongs to.
pub fn authority(raw: &str) -> Option<String> {
    let url = url::Url::parse(raw).ok()?;
    let host = url.host_str()?.to_ascii_lowercase();
    Some(match url.port() {
        Some(p) => format!("{host}:{p}"),
        None => host,
    })
}

/// The PEM of the key with id `key_id` that `actor` lists as its own
/// (a key naming another owner does not count).
fn key_in(actor: &Value, key_id: &str) -> Option<String> {
    let actor_id = actor.get("id").and_then(Value::as_str)?;
    super::key_owner::listed_keys(actor)
        .into_iter()
        .filter(|k| k.get("id").and_then(Value::as_str) == Some(key_id))
        .find(|k| k.get("owner").is_none_or(|o| id_of(o) == Some(actor_id)))
        .and_then(|k| k.get("publicKeyPem"))
        .and_then(Value::as_str)
        .map(str::to_string)
}

/// Reads what we need from an actor document fetched from `fetched_from`.
pub fn parse_actor(
    doc: &Value,
    fetched_from: &str,
    key_id: &str,
) -> Result<RemoteActor, FetchError> {
    let bad = |why: &str| FetchError::Invalid(fetched_from.into(), why.into());
    let uri = doc
        .get("id")
        .and_then(Value::as_str)
        .ok_or_else(|| bad("no id"))?;
    // A document may only speak for ids on the server it came from.
    if authority(uri) != authority(fetched_from) || authority(key_id) != authority(uri) {
        return Err(bad("actor id, key id and URL are on different hosts"));
    }
    let inbox = doc
        .get("inbox")
        .and_then(Value::as_str)
        .ok_or_else(|| bad("no inbox"))?;
    let public_key_pem = key_in(doc, key_id).ok_or_else(|| bad("no publicKey with that id"))?;
    let shared_inbox = doc
        .get("endpoints")
        .and_then(|e| e.get("sharedInbox"))
        .or_else(|| doc.get("sharedInbox"))
        .and_then(Value::as_str)
        .map(str::to_string);
    let domain = authority(uri).ok_or_else(|| bad("bad actor id"))?;
    let username = doc
        .get("preferredUsername")
        .and_then(Value::as_str)
        .map(str::to_string)
        .or_else(|| uri.rsplit('/').next().map(str::to_string))
        .unwrap_or_default();
    let also_known_as = match doc.get("alsoKnownAs") {
        Some(Value::Array(a)) => Value::Array(a.clone()).to_string(),
        Some(Value::String(s)) => Value::Array(vec![Value::String(s.clone())]).to_string(),
        _ => "[]".to_string(),
    };
    Ok(RemoteActor {
        id: 0,
        uri: uri.to_string(),
        key_id: key_id.to_string(),
        public_key_pem,
        inbox: inbox.to_string(),
        shared_inbox,
        username,
        domain,
        also_known_as,
        fetched_at: 0,
        followers: doc
            .get("followers")
            .and_then(Value::as_str)
            .map(str::to_string),
        software: None,
    })
}

/// Finds the actor owning `key_id`: from the cache unless `refresh`, else
/// by fetching the key's document, then its owner's own document when the
/// key's is not it (see `key_owner`), with GETs signed by the instance actor.
pub async fn actor_for_key(
    db: &Db,
    client: &Client,
    signer: &SigningKey,
    key_id: &str,
    refresh: bool,
) -> Result<RemoteActor, FetchError> {
    if !refresh {
        let k = key_id.to_string();
        if let Ok(Some(actor)) = db.call(move |db| db.remote_actor_by_key(&k)).await {
            return Ok(actor);
        }
    }
    let (actor_doc, actor_url) =
        owner_document(
            key_id,
            |url| async move { client.get_json(&url, signer).await },
        )
        .await?;
    let actor = parse_actor(&actor_doc, &actor_url, key_id)?;
    db.call(move |db| db.upsert_remote_actor(actor))
        .await
        .map_err(|e| FetchError::Network(e.to_string()))
}

/// "name version" of the software at `actor`'s server, from its NodeInfo
/// (`/.well-known/nodeinfo`, then the 2.x document it links).
pub async fn server_software(
    client: &Client,
    signer: &SigningKey,
    actor: &str,
) -> Result<String, FetchError> {
    let url = url::Url::parse(actor).map_err(|_| FetchError::Refused(actor.into(), "not a URL"))?;
    let origin = url.origin().ascii_serialization();
    let links = client
        .get_json(&format!("{origin}/.well-known/nodeinfo"), signer)
        .await?;
    let href = as_list_of(&links["links"])
        .iter()
        .filter(|l| {
            l["rel"]
                .as_str()
                .is_some_and(|r| r.contains("nodeinfo.diaspora.software/ns/schema/2"))
        })
        .filter_map(|l| l["href"].as_str())
        .next_back()
        .map(str::to_string)
        .ok_or_else(|| FetchError::Invalid(origin.clone(), "no NodeInfo 2.x link".into()))?;
    if authority(&href) != authority(&origin) {
        return Err(FetchError::Invalid(
            origin,
            "NodeInfo on another host".into(),
        ));
    }
    let info = client.get_json(&href, signer).await?;
    let name = info["software"]["name"].as_str().unwrap_or_default();
    let version = info["software"]["version"].as_str().unwrap_or_default();
    if name.is_empty() {
        return Err(FetchError::Invalid(href, "no software name".into()));
    }
    let clean = |s: &str| {
        s.chars()
            .filter(|c| !c.is_control())
            .take(64)
            .collect::<String>()
    };
    Ok(format!("{} {}", clean(name), clean(version))
        .trim()
        .to_string())
}

fn as_list_of(v: &Value) -> Vec<Value> {
    match v {
        Value::Array(a) => a.clone(),
        Value::Null => Vec::new(),
        other => vec![other.clone()],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn person() -> Value {
        json!({
            "id": "https://social.example/users/alice",
            "type": "Person",
            "preferredUsername": "alice",
            "inbox": "https://social.example/users/alice/inbox",
            "endpoints": {"sharedInbox": "https://social.example/inbox"},
            "publicKey": {"id": "https://social.example/users/alice#main-key",
                          "owner": "https://social.example/users/alice",
                          "publicKeyPem": "PEM"},
            "alsoKnownAs": ["https://old.example/users/alice"]
        })
    }

    #[test]
    fn a_mastodon_actor_parses() {
        let a = parse_actor(
            &person(),
            "https://social.example/users/alice",
            "https://social.example/users/alice#main-key",
        )
        .expect("parse");
        assert_eq!(a.acct(), "alice@social.example");
        assert_eq!(a.delivery_inbox(), "https://social.example/inbox");
        assert_eq!(a.public_key_pem, "PEM");
        assert!(a.also_known_as.contains("old.example"));
    }

    #[test]
    fn documents_cannot_speak_for_other_hosts() {
        let doc = person();
        assert!(parse_actor(
            &doc,
            "https://evil.example/x",
            "https://social.example/users/alice#main-key"
        )
        .is_err());
        assert!(parse_actor(
            &doc,
            "https://social.example/users/alice",
            "https://evil.example/k"
        )
        .is_err());
        assert!(parse_actor(
            &doc,
            "https://social.example/users/alice",
            "https://social.example/users/alice#other"
        )
        .is_err());
    }
}
