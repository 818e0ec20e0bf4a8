//! POST to a group inbox or the shared inbox (DESIGN §4): check, store,
//! answer 202. Processing happens later, off the request path.

use crate::context::Context;
use crate::db::RemoteActor;
use crate::error::Error;
use crate::federation::actor::{authority, id_of};
use crate::federation::signer::{learn_software, verified_signer, KeyLookup, SignerError};
use crate::routes::limits::InboxLimits;
use crate::signatures::{check, PendingSignature, RequestParts};
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::Value;

/// Largest activity accepted (DESIGN §4: 1 MiB → 413).
pub const MAX_BODY: usize = 1024 * 1024;
/// How much of an oversized body is read (and dropped) before answering
/// 413: answering while the peer still sends would reset the connection,
/// and the peer would see a network error instead of the 413.
const DRAIN_LIMIT: usize = 16 * 1024 * 1024;

/// How long a request's body may take to arrive after its headers (which
/// have 5 s of their own, actix's `client_request_timeout`): an idle or
/// trickling body gets 408 and its connection is closed, instead of
/// holding a file descriptor for as long as the client likes.
pub const BODY_WITHIN: std::time::Duration = std::time::Duration::from_secs(10);

async fn read_body(payload: web::Payload) -> Result<Vec<u8>, Error> {
    tokio::time::timeout(BODY_WITHIN, read_whole_body(payload))
        .await
        .map_err(|_| Error::RequestTimeout)?
}

async fn read_whole_body(mut payload: web::Payload) -> Result<Vec<u8>, Error> {
    use futures_util::StreamExt;
    let (mut body, mut seen) = (Vec::new(), 0usize);
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| Error::BadRequest(format!("cannot read the body: {e}")))?;
        seen += chunk.len();
        if seen > DRAIN_LIMIT {
            break;
        }
        if seen <= MAX_BODY {
            body.extend_from_slice(&chunk);
        }
    }
    if seen > MAX_BODY {
        return Err(Error::PayloadTooLarge);
    }
    Ok(body)
}

pub async fn shared_inbox(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<Context>,
    limits: web::Data<InboxLimits>,
) -> Result<HttpResponse, Error> {
    let result = match read_body(payload).await {
        Ok(body) => receive(&req, &body, &state, &limits, None).await,
        Err(e) => Err(e),
    };
    counted(&state, result)
}

/// Counts every answer for /metrics.
fn counted(state: &Context, result: Result<HttpResponse, Error>) -> Result<HttpResponse, Error> {
    use actix_web::ResponseError;
    let status = match &result {
        Ok(r) => r.status().as_u16(),
        Err(e) => e.status_code().as_u16(),
    };
    state.metrics.inbox_status(status);
    if let Err(e) = &result {
        tracing::info!(status, error = %e, "inbox refused a request");
    }
    result
}

pub async fn group_inbox(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<Context>,
    limits: web::Data<InboxLimits>,
    path: web::Path<String>,
) -> Result<HttpResponse, Error> {
    let name = path.into_inner();
    let body = read_body(payload).await;
    let result = match (body, state.db.call(move |db| db.group_by_name(&name)).await) {
        (Err(e), _) => Err(e),
        (_, Err(e)) => Err(e.into()),
        (Ok(body), Ok(group)) => receive(&req, &body, &state, &limits, Some(group.id)).await,
    };
    counted(&state, result)
}

async fn receive(
    req: &HttpRequest,
    body: &[u8],
    state: &Context,
    limits: &InboxLimits,
    group_id: Option<i64>,
) -> Result<HttpResponse, Error> {
    let mut activity: Value = serde_json::from_slice(body)
        .map_err(|e| Error::BadRequest(format!("body is not JSON: {e}")))?;
    let signer_as_actor = signer_as_actor(req, body, state, &mut activity)?;
    let obj = activity
        .as_object()
        .ok_or_else(|| Error::BadRequest("activity must be a JSON object".into()))?;
    let text = |k: &str| obj.get(k).and_then(Value::as_str);
    let kind = text("type").ok_or_else(|| Error::BadRequest("activity has no type".into()))?;
    let id = text("id").ok_or_else(|| Error::BadRequest("activity has no id".into()))?;
    let actor = obj
        .get("actor")
        .and_then(id_of)
        .ok_or_else(|| Error::BadRequest("activity has no actor".into()))?;
    let actor_host =
        authority(actor).ok_or_else(|| Error::BadRequest("actor is not a URL".into()))?;
    if authority(id).as_deref() != Some(actor_host.as_str()) {
        return Err(Error::BadRequest(
            "activity id is not on the actor's host".into(),
        ));
    }
    if [kind, id, actor].iter().any(|s| s.contains('\0')) {
        return Err(Error::BadRequest(
            "NUL character in type, id or actor".into(),
        ));
    }
    crate::routes::limits::check_shape(&activity)?;

    let pending = signature_of(req, state, req.method().as_str(), Some(body))?;

    // Blocked servers are answered before anything is fetched from them
    // (but for a Follow, verified to be refused, below). One trip
    // to the database in the usual case, a key seen before: the cached
    // actor, and every block that could apply, its account included.
    let mut names = vec![actor.to_string(), actor_host.clone()];
    names.extend(authority(&pending.key_id));
    let (key_id, checked) = (pending.key_id.clone(), names.clone());
    let (known, blocked) = state
        .db
        .call(move |db| {
            let known = db.remote_actor_by_key(&key_id)?;
            let mut names = checked;
            names.extend(known.as_ref().map(RemoteActor::acct));
            let names: Vec<String> = names.iter().map(|n| n.to_ascii_lowercase()).collect();
            Ok((known, db.is_blocked(&names)?))
        })
        .await?;
    // A blocked sender learns nothing from the answer: 202, so its server
    // stops retrying. Its Follow goes on to be answered with a Reject
    // (activities::follow), or a Misskey or Mitra account would stay
    // "requested" for ever; anything else is dropped here.
    if blocked && kind != "Follow" {
        return Ok(dropped(state, "blocked", id));
    }
    let known_acct = known.as_ref().map(RemoteActor::acct);

    let self_delete = kind == "Delete" && obj.get("object").and_then(id_of) == Some(actor);
    let Some(signer) = verify(req, state, &pending, self_delete, known).await? else {
        // A deleted account we never knew: nothing to undo, nothing to store.
        return Ok(HttpResponse::Accepted().finish());
    };
    if signer.uri != actor {
        return Err(Error::Unauthorized(format!(
            "signed by {}, not by the actor {actor}",
            signer.uri
        )));
    }
    let wait = |d: std::time::Duration| Error::TooManyRequests(d.as_secs());
    limits.servers.take(&signer.domain).map_err(wait)?;
    limits.accounts.take(&signer.uri).map_err(wait)?;
    // An account not known before (or renamed) is checked now.
    if kind != "Follow"
        && known_acct != Some(signer.acct())
        && is_blocked(state, vec![signer.acct()]).await?
    {
        return Ok(dropped(state, "blocked", id));
    }
    if REACTIONS.contains(&kind) {
        return Ok(dropped(state, "reaction", id));
    }
    if let Some(object) = obj.get("object").filter(|o| o.is_object()) {
        if let Some(author) = object.get("attributedTo").and_then(id_of) {
            if authority(author).as_deref() != Some(actor_host.as_str()) {
                return Err(Error::Forbidden);
            }
        }
    }

    let id_for_log = id.to_string();
    let kind_is_follow = kind == "Follow";
    // A FeatureRequest is stored with the actor taken from its signer.
    let raw = if signer_as_actor {
        activity.to_string()
    } else {
        String::from_utf8_lossy(body).into_owned()
    };
    let (id, kind, actor) = (id.to_string(), kind.to_string(), actor.to_string());
    let stored = state
        .db
        .call(move |db| db.store_incoming(&id, &kind, &actor, group_id, &raw))
        .await?;
    if stored {
        state.wake_inbox.notify_one();
        if kind_is_follow && signer.software.is_none() {
            learn_software(
                state.db.clone(),
                state.client.clone(),
                state.instance_signer.clone(),
                signer.uri.clone(),
                signer.domain.clone(),
            );
        }
    }
    tracing::info!(activity_id = %id_for_log, stored, "inbox accepted");
    Ok(HttpResponse::Accepted().finish())
}

/// Reactions (Misskey sends `Like`, Pleroma and Misskey `EmojiReact`) are
/// not forwarded: a group copy is the group's note, and telling every
/// member who liked what is not what a reaction on a private post means.
/// They are counted, not stored (docs/interop-mitra-misskey.md).
const REACTIONS: [&str; 2] = ["Like", "EmojiReact"];

/// 202 for an activity the group drops unstored: logged and counted.
fn dropped(state: &Context, reason: &'static str, id: &str) -> HttpResponse {
    state.metrics.inbox_dropped(reason);
    tracing::info!(activity_id = %id, reason, "inbox dropped an activity");
    HttpResponse::Accepted().finish()
}

async fn is_blocked(state: &Context, names: Vec<String>) -> Result<bool, Error> {
    let names: Vec<String> = names.into_iter().map(|n| n.to_ascii_lowercase()).collect();
    Ok(state.db.call(move |db| db.is_blocked(&names)).await?)
}

/// The verified signer of a signed GET to this server, or `Unauthorized`
/// saying why there is none, or `Forbidden` for a blocked account or
/// server (which reads nothing a signature would open: group objects,
/// followers, followers synchronisation).
pub(super) async fn signed_get_signer(
    req: &HttpRequest,
    state: &Context,
) -> Result<RemoteActor, Error> {
    let pending = signature_of(req, state, "GET", None)?;
    // A blocked server's key is not even fetched.
    if is_blocked(state, authority(&pending.key_id).into_iter().collect()).await? {
        return Err(Error::Forbidden);
    }
    let signer = verify(req, state, &pending, false, None)
        .await?
        .ok_or_else(|| Error::Unauthorized("unknown signer".into()))?;
    let mut names = vec![signer.uri.clone(), signer.acct(), signer.domain.clone()];
    names.extend(authority(&pending.key_id));
    if is_blocked(state, names).await? {
        return Err(Error::Forbidden);
    }
    Ok(signer)
}

/// The verified signer (see `federation::signer`), or `Unauthorized`, or
/// (a key we would have to fetch) 503 when its server is busy or failing
/// and 429 when this client caused too many key fetches.
async fn verify(
    req: &HttpRequest,
    state: &Context,
    pending: &PendingSignature,
    self_delete: bool,
    known: Option<RemoteActor>,
) -> Result<Option<RemoteActor>, Error> {
    let client = crate::routes::forwarded::client_of(req, &state.config.trusted_proxies);
    let limits = req.app_data::<web::Data<InboxLimits>>();
    let budget = || match limits {
        Some(limits) => limits.key_fetches.take(&client),
        None => Ok(()),
    };
    let lookup = KeyLookup {
        db: &state.db,
        client: &state.client,
        instance_signer: &state.instance_signer,
        keys: &state.public_keys,
        gate: &state.key_fetches,
        budget: &budget,
    };
    let secs = |d: std::time::Duration| d.as_secs().max(1);
    verified_signer(&lookup, pending, self_delete, known)
        .await
        .map_err(|e| match e {
            SignerError::Unauthorized(why) => Error::Unauthorized(why),
            SignerError::Unavailable(wait, why) => {
                state.metrics.key_fetch_refused("unavailable");
                tracing::info!(key_id = %pending.key_id, %why, "refused before a key fetch");
                Error::Unavailable(secs(wait), why)
            }
            SignerError::TooMany(wait) => {
                state.metrics.key_fetch_refused("client");
                Error::TooManyRequests(secs(wait))
            }
        })
}

/// Mastodon's FeatureRequest (FEP-7aa9) has no `actor`: it is signed by
/// the owner of the collection (feature_request_serializer.rb). For it
/// alone the key's owner, as the key id names it (`<actor>#main-key`), is
/// taken as the actor, and the usual check that the signer is the actor
/// follows. True if the actor was filled in.
fn signer_as_actor(
    req: &HttpRequest,
    body: &[u8],
    state: &Context,
    activity: &mut Value,
) -> Result<bool, Error> {
    let Some(obj) = activity.as_object_mut() else {
        return Ok(false);
    };
    if obj.get("type").and_then(Value::as_str) != Some("FeatureRequest")
        || obj.contains_key("actor")
    {
        return Ok(false);
    }
    let pending = signature_of(req, state, req.method().as_str(), Some(body))?;
    let owner = pending.key_id.split('#').next().unwrap_or_default();
    obj.insert("actor".into(), Value::String(owner.to_string()));
    Ok(true)
}

/// The request's signature, parsed and its digest checked, not yet
/// verified (`verify` does that): `Unauthorized` saying what is wrong.
fn signature_of(
    req: &HttpRequest,
    state: &Context,
    method: &str,
    body: Option<&[u8]>,
) -> Result<PendingSignature, Error> {
    let headers = super::header_map(req);
    let path = req.uri().path_and_query().map_or("/", |p| p.as_str());
    check(&RequestParts {
        method,
        scheme: state.config.base_url.scheme(),
        path_and_query: path,
        headers: &headers,
        body,
    })
    .map_err(|e| Error::Unauthorized(e.to_string()))
}
