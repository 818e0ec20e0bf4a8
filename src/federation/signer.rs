//! Who signed a request: the key-refetch policy every signed route
//! shares, and what we learn in the background about a new follower's
//! server.

use super::actor::{actor_for_key, authority, server_software};
use super::client::{Client, SigningKey};
use super::key_gate::{KeyFetchGate, Refusal, FAILED_HOST_FOR, FETCH_WITHIN};
use super::FetchError;
use crate::db::{Db, RemoteActor};
use crate::signatures::{KeyCache, PendingSignature, SignatureError};
use std::time::Duration;

/// What looking up a signer needs.
pub struct KeyLookup<'a> {
    pub db: &'a Db,
    pub client: &'a Client,
    /// The instance actor, which signs our fetches (FEP-2677).
    pub instance_signer: &'a SigningKey,
    pub keys: &'a KeyCache,
    /// Limits the key fetches strangers cause, per key host.
    pub gate: &'a KeyFetchGate,
    /// Takes one of the requester's key fetches (the per-client limit the
    /// routes keep), or says how long to wait for one.
    pub budget: &'a (dyn Fn() -> Result<(), Duration> + Sync),
}

/// Why there is no verified signer.
#[derive(Debug)]
pub enum SignerError {
    /// No valid signature by a key we could get: 401.
    Unauthorized(String),
    /// The key's server is busy or failing: try again after this long.
    Unavailable(Duration, String),
    /// The requester caused too many key fetches: wait this long.
    TooMany(Duration),
}

/// The signer of `pending`, verified with the stored key (`known`, when
/// the caller already read it), refetching once on failure (the actor
/// may have rotated it), unless it was fetched within the minute.
/// `Ok(None)`: an unknown actor deleting itself, whose key is gone with
/// it. `Err` says why the request is not authorised, or not now.
pub async fn verified_signer(
    lookup: &KeyLookup<'_>,
    pending: &PendingSignature,
    self_delete: bool,
    known: Option<RemoteActor>,
) -> Result<Option<RemoteActor>, SignerError> {
    let found = match known {
        Some(actor) => Ok(actor),
        None => gated_fetch(lookup, &pending.key_id, false).await,
    };
    let cached = match found {
        Ok(actor) => actor,
        Err(Fetch::Failed(FetchError::Status {
            status: 404 | 410, ..
        })) if self_delete => return Ok(None),
        Err(e) => return Err(e.into()),
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
        return Err(SignerError::Unauthorized(format!(
            "bad signature for {}",
            pending.key_id
        )));
    }
    let fresh = gated_fetch(lookup, &pending.key_id, true).await?;
    verifies(&fresh.public_key_pem).map_err(|e| SignerError::Unauthorized(e.to_string()))?;
    Ok(Some(fresh))
}

/// A key fetch that did not give a key.
enum Fetch {
    Failed(FetchError),
    Refused(Refusal),
    TooMany(Duration),
}

impl From<Fetch> for SignerError {
    fn from(f: Fetch) -> SignerError {
        match f {
            Fetch::Failed(e) if host_failed(&e) => SignerError::Unavailable(
                FAILED_HOST_FOR,
                format!("cannot get the signing key: {e}"),
            ),
            Fetch::Failed(e) => {
                SignerError::Unauthorized(format!("cannot get the signing key: {e}"))
            }
            Fetch::Refused(Refusal::Busy) => SignerError::Unavailable(
                Duration::from_secs(10),
                "the signing key's server has key fetches running".into(),
            ),
            Fetch::Refused(Refusal::Failing(left)) => SignerError::Unavailable(
                left,
                "the signing key's server failed to answer recently".into(),
            ),
            Fetch::TooMany(wait) => SignerError::TooMany(wait),
        }
    }
}

/// A failure of the key's server, not of the key: no answer, a network
/// error, a 5xx.
fn host_failed(e: &FetchError) -> bool {
    match e {
        FetchError::Network(_) => true,
        FetchError::Status { status, .. } => *status >= 500,
        FetchError::Refused(..) | FetchError::Invalid(..) => false,
    }
}

/// The actor owning `key_id`: from the cache unless `refresh`, else
/// fetched through the gate (see `key_gate`), on the requester's budget.
async fn gated_fetch(
    lookup: &KeyLookup<'_>,
    key_id: &str,
    refresh: bool,
) -> Result<RemoteActor, Fetch> {
    let cached = || async {
        let key = key_id.to_string();
        lookup
            .db
            .call(move |db| db.remote_actor_by_key(&key))
            .await
            .ok()
            .flatten()
    };
    if !refresh {
        if let Some(actor) = cached().await {
            return Ok(actor);
        }
    }
    let host = authority(key_id)
        .ok_or_else(|| Fetch::Failed(FetchError::Refused(key_id.into(), "not a URL")))?;
    lookup.client.check_url(key_id).map_err(Fetch::Failed)?;
    (lookup.budget)().map_err(Fetch::TooMany)?;
    let _turn = lookup.gate.enter(&host).await.map_err(Fetch::Refused)?;
    // Another request may have fetched it while this one waited its turn.
    if !refresh {
        if let Some(actor) = cached().await {
            return Ok(actor);
        }
    }
    let fetched = tokio::time::timeout(
        FETCH_WITHIN,
        actor_for_key(
            lookup.db,
            lookup.client,
            lookup.instance_signer,
            key_id,
            true,
        ),
    )
    .await
    .unwrap_or_else(|_| {
        Err(FetchError::Network(format!(
            "{key_id}: no answer within {FETCH_WITHIN:?}"
        )))
    });
    match &fetched {
        Ok(_) => lookup.gate.record(&host, false),
        Err(e) if host_failed(e) => {
            tracing::info!(%host, error = %e, "key fetch failed; not asking this host for a minute");
            lookup.gate.record(&host, true);
        }
        Err(_) => {}
    }
    fetched.map_err(Fetch::Failed)
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
