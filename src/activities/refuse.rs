//! Requests to use a group's posts or the group itself elsewhere
//! (issue #13): Mastodon 4.5's `QuoteRequest` (quote a group post) and
//! 4.6's `FeatureRequest` (put the group in a collection). A private group
//! allows neither: each is answered with `Reject`, as FEP-044f and
//! FEP-7aa9 describe, so the asking server drops the quote or feature.

use super::Outcome;
use crate::context::Context;
use crate::db::{DbError, IncomingActivity};
use crate::federation::actor::id_of;
use crate::federation::fanout::target_of;
use anyhow::{anyhow, bail};
use serde_json::{json, Value};
use sha2::Digest;

pub fn verify(activity: &Value, actor: &str) -> anyhow::Result<String> {
    if activity.get("actor").and_then(id_of) != Some(actor) {
        bail!("actor differs from the signer");
    }
    activity
        .get("id")
        .and_then(Value::as_str)
        .ok_or_else(|| anyhow!("request has no id"))?;
    activity
        .get("object")
        .and_then(id_of)
        .map(str::to_string)
        .ok_or_else(|| anyhow!("request has no object"))
}

/// The group a request is about: the group itself (FeatureRequest) or
/// the group whose post it names (QuoteRequest).
fn group_of(state: &Context, object: &str) -> anyhow::Result<Option<crate::db::Group>> {
    let db = &state.db;
    let name = match state.urls.group_name_of(object) {
        Some(name) => name,
        None => match db.post_by_note(object)? {
            Some(post) => db.group_by_id(post.group_id)?.name,
            None => return Ok(None),
        },
    };
    match db.group_by_name(&name) {
        Ok(g) => Ok(Some(g)),
        Err(DbError::NotFound) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

pub fn receive(
    state: &Context,
    row: &IncomingActivity,
    activity: &Value,
    object: &str,
) -> anyhow::Result<Outcome> {
    let kind = row.kind.as_str();
    let Some(group) = group_of(state, object)? else {
        return Ok(format!("ignored: {kind} of something that is not ours"));
    };
    let db = &state.db;
    let asker = db
        .remote_actor(&row.actor_uri)?
        .ok_or_else(|| anyhow!("signer {} not in the actor cache", row.actor_uri))?;
    let request_id = activity
        .get("id")
        .and_then(Value::as_str)
        .unwrap_or_default();
    reject(state, &group, &asker, activity)?;
    Ok(format!("{}: {kind} {request_id} rejected", group.name))
}

/// Queues a `Reject` of `activity` from the group to `asker` (a refused
/// request, a blocked account's Follow). Named after the request: a retry
/// queues the same Reject, which the queue stores once.
pub fn reject(
    state: &Context,
    group: &crate::db::Group,
    asker: &crate::db::RemoteActor,
    activity: &Value,
) -> anyhow::Result<()> {
    let request_id = activity
        .get("id")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let digest = sha2::Sha256::digest(format!("{}\n{request_id}", asker.uri).as_bytes());
    let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    let id = format!("{}/activities/reject-{hex}", state.urls.group(&group.name));
    let reject = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": id,
        "type": "Reject",
        "actor": state.urls.group(&group.name),
        "to": [asker.uri],
        "object": activity,
    });
    state
        .db
        .enqueue(group.id, &id, &reject.to_string(), &[target_of(asker)])?;
    state.wake_delivery.notify_one();
    Ok(())
}
