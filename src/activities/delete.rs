//! Delete: of the actor itself, which ends all of its memberships.
//! Delete of a post: the group copies are deleted too.

use super::Outcome;
use crate::context::Context;
use crate::federation::actor::id_of;
use anyhow::anyhow;
use serde_json::Value;

pub enum Delete {
    /// The account itself is gone.
    Actor,
    /// A post or other object, by id.
    Object(String),
}

pub fn verify(activity: &Value, actor: &str) -> anyhow::Result<Delete> {
    let object = activity
        .get("object")
        .and_then(id_of)
        .ok_or_else(|| anyhow!("Delete has no object"))?;
    Ok(if object == actor {
        Delete::Actor
    } else {
        Delete::Object(object.to_string())
    })
}

pub fn receive(state: &Context, actor: &str, delete: Delete) -> anyhow::Result<Outcome> {
    match delete {
        Delete::Actor => {
            let n = state.db.delete_memberships_of(actor)?;
            state.db.delete_remote_actor(actor)?;
            Ok(format!(
                "done: account deleted, {n} membership(s) or request(s) ended"
            ))
        }
        Delete::Object(id) => {
            let outcome = crate::conversation::delete_copies(&state.db, &state.urls, actor, &id)?;
            state.wake_delivery.notify_one();
            Ok(outcome)
        }
    }
}
