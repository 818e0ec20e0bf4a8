//! Update of a member post: the group copies follow the edit.

use super::create::Create;
use super::Outcome;
use crate::context::Context;
use crate::conversation::{self, edit_order::edit_mark, Edited};
use crate::db::IncomingActivity;
use crate::federation::profile::{from_update, ACTOR_TYPES};
use anyhow::anyhow;

/// A signed Update of an actor: its new profile (inbox, shared inbox,
/// name, keys, aliases) replaces the cached one, so deliveries follow a
/// moved inbox and a move check sees the current aliases; unless a later
/// one (by its order mark, see `edit_order`) was applied already.
fn profile(
    state: &Context,
    row: &IncomingActivity,
    object: &serde_json::Value,
) -> anyhow::Result<Outcome> {
    let actor = row.actor_uri.as_str();
    let Some(cached) = state.db.remote_actor(actor)? else {
        return Ok(format!("ignored: Update of {actor}, not a known actor"));
    };
    let fresh = match from_update(&cached, object) {
        Ok(fresh) => fresh,
        Err(e) => return Ok(format!("rejected: {e}")),
    };
    let mark = object
        .as_object()
        .map_or(row.received_at, |o| edit_mark(o, row.received_at));
    let applied = state.db.transaction(|tx| {
        if !tx.advance_edit_mark(actor, mark)? {
            return Ok::<_, crate::db::DbError>(false);
        }
        tx.upsert_remote_actor(fresh)?;
        Ok(true)
    })?;
    if !applied {
        state.metrics.older_edit();
        tracing::info!(%actor, activity_id = %row.activity_id, "dropped an older profile Update");
        return Ok(format!(
            "dropped: an older profile of {actor} than the one applied"
        ));
    }
    Ok(format!("profile of {actor} updated"))
}

pub fn receive(
    state: &Context,
    row: &IncomingActivity,
    activity: &serde_json::Value,
    update: Create,
) -> anyhow::Result<Outcome> {
    let actor = row.actor_uri.as_str();
    let object = match update {
        Create::Post(o) => o,
        Create::Other(kind) if ACTOR_TYPES.contains(&kind.as_str()) => {
            return profile(state, row, &activity["object"]);
        }
        Create::Other(kind) => return Ok(format!("ignored: Update of {kind}")),
    };
    let author = state
        .db
        .remote_actor(actor)?
        .ok_or_else(|| anyhow!("signer {actor} not in the actor cache"))?;
    if let Some(refused) =
        crate::rules::posting::refuse_edit(&state.db, &state.urls, &author, &object)?
    {
        state.wake_delivery.notify_one();
        return Ok(refused);
    }
    let mark = edit_mark(&object, row.received_at);
    let outcome = conversation::update_copies(&state.db, &state.urls, &author, &object, mark)?;
    if let Edited::Older { .. } = outcome {
        // A sender's retry, or our own, of an edit since replaced.
        state.metrics.older_edit();
        tracing::info!(%actor, activity_id = %row.activity_id, %outcome, "dropped an older edit");
    }
    state.wake_delivery.notify_one();
    Ok(outcome.to_string())
}

/// An Update carries the whole edited post, checked like a Create's.
pub fn verify(activity: &serde_json::Value, actor: &str) -> anyhow::Result<Create> {
    super::create::verify_post(activity, actor)
}
