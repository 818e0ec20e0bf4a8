//! Update of a member post: the group copies follow the edit.

use super::create::Create;
use super::Outcome;
use crate::context::Context;
use crate::conversation;
use crate::federation::profile::{from_update, ACTOR_TYPES};
use anyhow::anyhow;

/// A signed Update of an actor: its new profile (inbox, shared inbox,
/// name, keys, aliases) replaces the cached one, so deliveries follow a
/// moved inbox and a move check sees the current aliases.
fn profile(state: &Context, actor: &str, object: &serde_json::Value) -> anyhow::Result<Outcome> {
    let Some(cached) = state.db.remote_actor(actor)? else {
        return Ok(format!("ignored: Update of {actor}, not a known actor"));
    };
    match from_update(&cached, object) {
        Ok(fresh) => {
            state.db.upsert_remote_actor(fresh)?;
            Ok(format!("profile of {actor} updated"))
        }
        Err(e) => Ok(format!("rejected: {e}")),
    }
}

pub fn receive(
    state: &Context,
    actor: &str,
    activity: &serde_json::Value,
    update: Create,
) -> anyhow::Result<Outcome> {
    let object = match update {
        Create::Post(o) => o,
        Create::Other(kind) if ACTOR_TYPES.contains(&kind.as_str()) => {
            return profile(state, actor, &activity["object"]);
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
    let outcome = conversation::update_copies(&state.db, &state.urls, &author, &object)?;
    state.wake_delivery.notify_one();
    Ok(outcome)
}

/// An Update carries the whole edited post, checked like a Create's.
pub fn verify(activity: &serde_json::Value, actor: &str) -> anyhow::Result<Create> {
    super::create::verify_post(activity, actor)
}
