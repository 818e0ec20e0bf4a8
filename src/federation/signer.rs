//! Who signed a request: the key-refetch policy every signed route
//! shares, and what we learn in the background about a new follower's
//! server.

use super::actor::{actor_for_key, server_software};
use super::client::{Client, SigningKey};
use super::FetchError;
use crate::db::{Db, RemoteActor};
use crate::signatures::{KeyCache, PendingSignature, SignatureError};

/// What looking up a signer needs.
pub struct KeyLookup<'a> {
    pub db: &'a Db,
    pub client: &'a Client,
    /// The instance actor, which signs our fetches (FEP-2677).
    pub instance_signer: &'a SigningKey,
    pub keys: &'a KeyCache,
}

/// The signer of `pending`, verified with the stored key (`known`, when
/// the caller already read it), refetching once on failure (the actor
/// may have rotated it), unless it was fetched within the minute.
/// `Ok(None)`: an unknown actor deleting itself, whose key is gone with
/// it. `Err` says why the request is not authorised.
pub async fn verified_signer(
    lookup: &KeyLookup<'_>,
    pending: &PendingSignature,
    self_delete: bool,
    known: Option<RemoteActor>,
) -> Result<Option<RemoteActor>, String> {
    let unauthorized = |e: FetchError| format!("cannot get the signing key: {e}");
    let fetch = |refresh| {
        actor_for_key(
            lookup.db,
            lookup.client,
            lookup.instance_signer,
            &pending.key_id,
            refresh,
        )
    };
    let found = match known {
        Some(actor) => Ok(actor),
        None => fetch(false).await,
    };
    let cached = match found {
        Ok(actor) => actor,
        Err(FetchError::Status {
            status: 404 | 410, ..
        }) if self_delete => return Ok(None),
        Err(e) => return Err(unauthorized(e)),
    };
    let verifies = |pem: &str| match lookup.keys.get(pem) {
        Some(key) => pending.verify_key(&key),
        None => Err(SignatureError::Invalid(pending.key_id.clone())),
    };
    if verifies(&cached.public_key_pem).is_ok() {
        return Ok(Some(cached));
    }
    // Just fetched: fetching again cannot give another key.
    if crate::db::now_ms() - cached.fetched_at < 60_000 {
        return Err(format!("bad signature for {}", pending.key_id));
    }
    let fresh = fetch(true).await.map_err(unauthorized)?;
    verifies(&fresh.public_key_pem).map_err(|e| e.to_string())?;
    Ok(Some(fresh))
}

/// Asks a follower's server what software it runs, for `request list`;
/// in the background, since nothing waits for it.
pub fn learn_software(db: Db, client: Client, signer: SigningKey, actor: String, domain: String) {
    tokio::spawn(async move {
        match server_software(&client, &signer, &actor).await {
            Ok(software) => {
                let _ = db.call(move |db| db.set_software(&domain, &software)).await;
            }
            Err(e) => tracing::debug!(%domain, error = %e, "no NodeInfo"),
        }
    });
}
