//! Undo{Follow}: cancels a request or ends a membership.

use super::Outcome;
use crate::context::Context;
use crate::federation::actor::id_of;
use anyhow::{anyhow, bail};
use serde_json::Value;

pub enum Undo {
    /// The undone Follow, embedded (Mastodon's shape) with its target.
    Follow {
        target: String,
        /// The undone Follow's id, remembered so a late retry of it is
        /// not taken for a new Follow.
        id: Option<String>,
    },
    /// A bare id: look the Follow up by id.
    FollowId(String),
    Other(String),
}

pub fn verify(activity: &Value, actor: &str) -> anyhow::Result<Undo> {
    let object = activity
        .get("object")
        .ok_or_else(|| anyhow!("Undo has no object"))?;
    if let Value::String(id) = object {
        return Ok(Undo::FollowId(id.clone()));
    }
    let kind = object
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if kind != "Follow" {
        return Ok(Undo::Other(kind.to_string()));
    }
    // Only the follower may undo their Follow.
    if object
        .get("actor")
        .and_then(id_of)
        .is_some_and(|a| a != actor)
    {
        bail!("Undo of someone else's Follow");
    }
    let target = object
        .get("object")
        .and_then(id_of)
        .ok_or_else(|| anyhow!("undone Follow has no object"))?;
    Ok(Undo::Follow {
        target: target.to_string(),
        id: object.get("id").and_then(Value::as_str).map(str::to_string),
    })
}

pub fn receive(state: &Context, actor: &str, undo: Undo) -> anyhow::Result<Outcome> {
    let db = &state.db;
    let (group_id, follow_id) = match undo {
        Undo::Other(kind) => return Ok(format!("ignored: Undo of {kind}")),
        Undo::Follow { target, id } => {
            let Some(name) = state.urls.group_name_of(&target) else {
                return Ok("ignored: Undo of a Follow of something else".into());
            };
            match db.group_by_name(&name) {
                Ok(g) => (g.id, id),
                Err(crate::db::DbError::NotFound) => return Ok("ignored: no such group".into()),
                Err(e) => return Err(e.into()),
            }
        }
        Undo::FollowId(id) => match db.membership_by_follow(&id, actor)? {
            Some(m) => (m.group_id, Some(id)),
            None => {
                db.remember_undone_follow(&id, actor)?;
                return Ok("ignored: no such Follow".into());
            }
        },
    };
    let ended = db.transaction(|tx| {
        if let Some(id) = &follow_id {
            tx.remember_undone_follow(id, actor)?;
        }
        tx.delete_membership(group_id, actor)
    })?;
    Ok(if ended {
        "done: request cancelled or membership ended".into()
    } else {
        "ignored: not a member or requester".into()
    })
}
