//! Processing stored incoming activities, one file per kind. Each kind has
//! a `verify` step (shape and authority, no side effects) and a `receive`
//! step (the effects). Both run in the inbox worker, never in the request.

mod create;
mod delete;
mod flag;
mod follow;
mod moved;
mod refuse;
pub mod retry;
mod undo;
mod update;
pub mod worker;

use crate::context::Context;
use crate::db::IncomingActivity;
use serde_json::Value;

/// What happened to an activity, stored as its `outcome` for audits.
pub type Outcome = String;

/// A malformed or unauthorised activity is finished with the reason as its
/// outcome; it will not become valid by retrying.
macro_rules! verified {
    ($e:expr) => {
        match $e {
            Ok(v) => v,
            Err(e) => return Ok(format!("rejected: {e:#}")),
        }
    };
}

/// The checks `process` makes before any effect, without a database:
/// what the fuzzer exercises. `Ok` names the kind understood.
pub fn verify_only(activity: &Value, actor: &str) -> Result<&'static str, String> {
    let kind = activity
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let result = match kind {
        "Follow" => follow::verify(activity, actor).map(|_| "Follow"),
        "Create" | "Update" => create::verify_post(activity, actor).map(|_| "post"),
        "Undo" => undo::verify(activity, actor).map(|_| "Undo"),
        "Delete" => delete::verify(activity, actor).map(|_| "Delete"),
        "Flag" => flag::verify(activity, actor).map(|_| "Flag"),
        _ => Ok("other"),
    };
    result.map_err(|e| e.to_string())
}

/// Processes one stored activity. `Err` means a passing failure (the
/// database): the activity stays queued and is retried.
pub fn process(state: &Context, row: &IncomingActivity) -> anyhow::Result<Outcome> {
    let activity: Value = verified!(serde_json::from_str(&row.body));
    let actor = row.actor_uri.as_str();
    match row.kind.as_str() {
        "Follow" => follow::receive(state, row, verified!(follow::verify(&activity, actor))),
        "Create" => {
            let create = verified!(create::verify_post(&activity, actor));
            create::receive(state, row, &activity, create)
        }
        "Update" => {
            let update = verified!(update::verify(&activity, actor));
            update::receive(state, actor, &activity, update)
        }
        "Undo" => undo::receive(state, actor, verified!(undo::verify(&activity, actor))),
        "Delete" => delete::receive(state, actor, verified!(delete::verify(&activity, actor))),
        "QuoteRequest" | "FeatureRequest" => {
            let object = verified!(refuse::verify(&activity, actor));
            refuse::receive(state, row, &activity, &object)
        }
        "Flag" => flag::receive(state, row, verified!(flag::verify(&activity, actor))),
        // Mastodon answers our Reject{Follow} of a removed member with
        // Undo{Follow} (handled above); Accept/Reject aimed at a group have
        // no meaning for us.
        other => Ok(format!("ignored: {other} is not handled")),
    }
}
