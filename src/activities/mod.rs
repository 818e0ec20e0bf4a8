//! Processing stored incoming activities, one file per kind. Each kind has
//! a `verify` step (shape and authority, no side effects) and a `receive`
//! step (the effects). Both run in the inbox worker, never in the request.

mod create;
mod delete;
mod direct;
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

/// The activity kinds the group acts on; any other is stored and ignored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Follow,
    Create,
    Update,
    Undo,
    Delete,
    /// A report (Mastodon, GoToSocial) of a group post or a member.
    Flag,
    /// Mastodon 4.5+ asks to quote a group post: always refused.
    QuoteRequest,
    /// Mastodon 4.6 asks to feature the group in a collection: refused.
    FeatureRequest,
}

impl Kind {
    pub const ALL: [Kind; 8] = [
        Kind::Follow,
        Kind::Create,
        Kind::Update,
        Kind::Undo,
        Kind::Delete,
        Kind::Flag,
        Kind::QuoteRequest,
        Kind::FeatureRequest,
    ];

    /// The ActivityStreams `type`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Kind::Follow => "Follow",
            Kind::Create => "Create",
            Kind::Update => "Update",
            Kind::Undo => "Undo",
            Kind::Delete => "Delete",
            Kind::Flag => "Flag",
            Kind::QuoteRequest => "QuoteRequest",
            Kind::FeatureRequest => "FeatureRequest",
        }
    }

    /// The kind of a `type`, if the group acts on it.
    pub fn of(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == name)
    }
}

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
    let result = match Kind::of(kind) {
        Some(Kind::Follow) => follow::verify(activity, actor).map(|_| "Follow"),
        Some(Kind::Create | Kind::Update) => create::verify_post(activity, actor).map(|_| "post"),
        Some(Kind::Undo) => undo::verify(activity, actor).map(|_| "Undo"),
        Some(Kind::Delete) => delete::verify(activity, actor).map(|_| "Delete"),
        Some(Kind::Flag) => flag::verify(activity, actor).map(|_| "Flag"),
        Some(Kind::QuoteRequest | Kind::FeatureRequest) => {
            refuse::verify(activity, actor).map(|_| "refused request")
        }
        None => Ok("other"),
    };
    result.map_err(|e| e.to_string())
}

/// Processes one stored activity. `Err` means a passing failure (the
/// database): the activity stays queued and is retried.
#[tracing::instrument(skip_all, fields(activity_id = %row.activity_id))]
pub fn process(state: &Context, row: &IncomingActivity) -> anyhow::Result<Outcome> {
    let activity: Value = verified!(serde_json::from_str(&row.body));
    let actor = row.actor_uri.as_str();
    let Some(kind) = Kind::of(&row.kind) else {
        // Mastodon answers our Reject{Follow} of a removed member with
        // Undo{Follow} (handled as Undo); Accept/Reject aimed at a group
        // have no meaning for us.
        return Ok(format!("ignored: {} is not handled", row.kind));
    };
    match kind {
        Kind::Follow => follow::receive(state, row, verified!(follow::verify(&activity, actor))),
        Kind::Create => {
            let create = verified!(create::verify_post(&activity, actor));
            create::receive(state, row, &activity, create)
        }
        Kind::Update => {
            let update = verified!(update::verify(&activity, actor));
            update::receive(state, row, &activity, update)
        }
        Kind::Undo => undo::receive(state, actor, verified!(undo::verify(&activity, actor))),
        Kind::Delete => delete::receive(state, actor, verified!(delete::verify(&activity, actor))),
        Kind::Flag => flag::receive(state, row, verified!(flag::verify(&activity, actor))),
        Kind::QuoteRequest | Kind::FeatureRequest => {
            let object = verified!(refuse::verify(&activity, actor));
            refuse::receive(state, row, &activity, &object)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Kind;

    #[test]
    fn each_kind_is_found_by_its_type_and_no_other() {
        for k in Kind::ALL {
            assert_eq!(Kind::of(k.as_str()), Some(k));
        }
        assert_eq!(Kind::of("Accept"), None);
        assert_eq!(Kind::of("follow"), None, "types are case-sensitive");
    }
}
