//! Create of a member post: republished in each group it is meant for,
//! if the author is a member there.

use super::Outcome;
use crate::context::Context;
use crate::conversation::{self, audience::addressed_groups};
use crate::db::{DbError, Group, IncomingActivity, RemoteActor};
use crate::direct;
use crate::federation::actor::{authority, id_of};
use crate::rules;
use anyhow::{anyhow, bail};
use serde_json::{Map, Value};
use std::collections::BTreeSet;

/// Object types republished as a Note (Mastodon renders only Note and
/// Question natively; Article and Page keep their title in the text).
const POST_TYPES: [&str; 4] = ["Note", "Article", "Page", "Question"];

pub enum Create {
    Post(Map<String, Value>),
    Other(String),
}

/// Shared by Create and Update: the embedded post, authored by the signer.
pub fn verify_post(activity: &Value, actor: &str) -> anyhow::Result<Create> {
    let Some(Value::Object(object)) = activity.get("object") else {
        bail!("object must be embedded");
    };
    let kind = object
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if !POST_TYPES.contains(&kind) {
        return Ok(Create::Other(kind.to_string()));
    }
    let id = object
        .get("id")
        .and_then(Value::as_str)
        .ok_or_else(|| anyhow!("object has no id"))?;
    if authority(id) != authority(actor) {
        bail!("object id is not on the author's server");
    }
    if object.get("attributedTo").and_then(id_of) != Some(actor) {
        bail!("object is not attributed to the signer");
    }
    Ok(Create::Post(object.clone()))
}

/// The groups a post is meant for (DESIGN §4): the personal inbox it came
/// to, else groups in the addressing or mentions, else the group of the
/// post it replies to.
fn target_groups(
    state: &Context,
    row: &IncomingActivity,
    activity: &Value,
    object: &Map<String, Value>,
) -> anyhow::Result<BTreeSet<String>> {
    let db = &state.db;
    let mut names = addressed_groups(&state.urls, activity, &Value::Object(object.clone()));
    if let Some(gid) = row.group_id {
        names.insert(db.group_by_id(gid)?.name);
    }
    if names.is_empty() {
        if let Some(parent) = object.get("inReplyTo").and_then(id_of) {
            let mut posts = db.posts_of_original(parent)?;
            posts.extend(db.post_by_note(parent)?);
            for p in posts {
                names.insert(db.group_by_id(p.group_id)?.name);
            }
        }
    }
    Ok(names)
}

/// A direct message to the group (nobody outside it addressed) goes to
/// the handlers of `activities::direct` first; `Some` if one took it. A
/// reply to one of the group's own direct messages (a moderator's "thanks"
/// to a request notice) that no handler took is never a group post.
fn direct_message(
    state: &Context,
    row: &IncomingActivity,
    group: &Group,
    author: &RemoteActor,
    activity: &Value,
    object: &Map<String, Value>,
) -> anyhow::Result<Option<Outcome>> {
    let object_value = Value::Object(object.clone());
    let actor = state.urls.group(&group.name);
    let replies_to_dm = match object.get("inReplyTo").and_then(id_of) {
        Some(parent) => state
            .db
            .direct_message(parent)?
            .is_some_and(|dm| dm.group_id == group.id),
        None => false,
    };
    let not_a_post = || {
        replies_to_dm.then(|| {
            format!(
                "{}: not republished, a reply to the group's direct message",
                group.name
            )
        })
    };
    if !direct::incoming::is_direct(&actor, activity, &object_value, author) {
        return Ok(not_a_post());
    }
    let membership = state.db.membership(group.id, &author.uri)?;
    let text = direct::incoming::command_text(object);
    let mentions = direct::incoming::mentions(object);
    let msg = direct::Message {
        group,
        sender: author,
        membership: membership.as_ref(),
        text: &text,
        mentions: &mentions,
        activity_id: &row.activity_id,
        note_id: object.get("id").and_then(Value::as_str),
    };
    Ok(match super::direct::dispatch(state, &msg)? {
        direct::Handled::Done(outcome) => Some(outcome),
        direct::Handled::Pass => not_a_post(),
    })
}

pub fn receive(
    state: &Context,
    row: &IncomingActivity,
    activity: &Value,
    create: Create,
) -> anyhow::Result<Outcome> {
    let object = match create {
        Create::Post(o) => o,
        Create::Other(kind) => return Ok(format!("ignored: Create of {kind}")),
    };
    let db = &state.db;
    let names = target_groups(state, row, activity, &object)?;
    let author = db
        .remote_actor(&row.actor_uri)?
        .ok_or_else(|| anyhow!("signer {} not in the actor cache", row.actor_uri))?;
    let mut outcomes = Vec::new();
    for name in &names {
        let group = match db.group_by_name(name) {
            Ok(g) => g,
            Err(DbError::NotFound) => continue,
            Err(e) => return Err(e.into()),
        };
        if let Some(outcome) = direct_message(state, row, &group, &author, activity, &object)? {
            outcomes.push(outcome);
            continue;
        }
        if !db.is_member(group.id, &author.uri)? {
            outcomes.push(format!("{name}: not republished, author is not a member"));
            continue;
        }
        if let Some(refused) = rules::posting::refuse(db, &state.urls, &group, &author, &object)? {
            outcomes.push(refused);
            continue;
        }
        let outcome = conversation::republish(db, &state.urls, &group, &author, activity, &object)?;
        outcomes.push(outcome);
    }
    // The stored body goes when the row is finished (`finish_incoming`).
    state.wake_delivery.notify_one();
    Ok(if outcomes.is_empty() {
        "ignored: not meant for a group here".into()
    } else {
        outcomes.join("; ")
    })
}
