//! Update of a member post: the group copies follow the edit.

use super::create::Create;
use super::Outcome;
use crate::conversation;
use crate::server::AppState;
use anyhow::anyhow;

pub fn receive(state: &AppState, actor: &str, update: Create) -> anyhow::Result<Outcome> {
    let object = match update {
        Create::Post(o) => o,
        // Profile updates (Person, Service…) need nothing: keys are
        // refetched when a signature stops verifying.
        Create::Other(kind) => return Ok(format!("ignored: Update of {kind}")),
    };
    let author = state
        .db
        .remote_actor(actor)?
        .ok_or_else(|| anyhow!("signer {actor} not in the actor cache"))?;
    let outcome = conversation::update_copies(&state.db, &state.urls, &author, &object)?;
    state.wake_delivery.notify_one();
    Ok(outcome)
}

/// An Update carries the whole edited post, checked like a Create's.
pub fn verify(activity: &serde_json::Value, actor: &str) -> anyhow::Result<Create> {
    super::create::verify_post(activity, actor)
}
