//! Follow of a group: pre-approved, or a member's new account after a
//! move → member at once; else a pending request.

use super::Outcome;
use crate::context::Context;
use crate::db::InviteUse;
use crate::db::{memberships, IncomingActivity};
use crate::federation::actor::id_of;
use crate::urls::Urls;
use crate::{invite, membership, moderation, rules};
use anyhow::{anyhow, bail};
use serde_json::Value;

pub struct Follow {
    pub group_name: String,
    pub follow_id: String,
    /// The `instrument` of the Follow (FEP-bebd), where an invite code
    /// may be; read once the group is known (`invite_code`).
    instrument: Option<Value>,
}

pub fn verify(activity: &Value, actor: &str) -> anyhow::Result<Follow> {
    let follow_id = activity
        .get("id")
        .and_then(Value::as_str)
        .ok_or_else(|| anyhow!("Follow has no id"))?;
    if activity.get("actor").and_then(id_of) != Some(actor) {
        bail!("Follow actor differs from the signer");
    }
    let object = activity
        .get("object")
        .and_then(id_of)
        .ok_or_else(|| anyhow!("Follow has no object"))?;
    Ok(Follow {
        group_name: object.to_string(),
        follow_id: follow_id.to_string(),
        instrument: activity.get("instrument").cloned(),
    })
}

pub fn receive(state: &Context, row: &IncomingActivity, follow: Follow) -> anyhow::Result<Outcome> {
    let Some(name) = state.urls.group_name_of(&follow.group_name) else {
        return Ok("ignored: Follow of something that is not one of our groups".into());
    };
    let db = &state.db;
    let group = match db.group_by_name(&name) {
        Ok(g) => g,
        Err(crate::db::DbError::NotFound) => return Ok("ignored: no such group".into()),
        Err(e) => return Err(e.into()),
    };
    let actor = db
        .remote_actor(&row.actor_uri)?
        .ok_or_else(|| anyhow!("signer {} not in the actor cache", row.actor_uri))?;
    let domain = actor.domain.to_ascii_lowercase();
    let names = vec![
        actor.uri.clone(),
        actor.acct().to_ascii_lowercase(),
        format!("*@{domain}"),
    ];
    if db.is_blocked(&[actor.uri.clone(), actor.acct().to_ascii_lowercase(), domain])? {
        // Refused, not ignored: Misskey keeps an unanswered request
        // "pending" for ever, Mitra retries it for hours. A Follow that was
        // a member's live one is no longer (the block ended it).
        let activity: Value = serde_json::from_str(&row.body)?;
        super::refuse::reject(state, &group, &actor, &activity)?;
        return Ok("refused: blocked (Reject sent)".into());
    }
    if db.is_follow_undone(&follow.follow_id, &actor.uri)? {
        // A retry of a Follow its author undid since: not a new request.
        return Ok("ignored: this Follow was undone".into());
    }
    let current = db.membership(group.id, &actor.uri)?;
    if let Some(live) = current
        .as_ref()
        .filter(|m| m.state == memberships::APPROVED)
    {
        if live.follow_id != follow.follow_id && older(&row.body, &live.follow_json) {
            // A late delivery of an older Follow: the member's server knows
            // the live one, which the group's next Reject must name.
            return Ok("ignored: older than the member's live Follow".into());
        }
    }
    let new_request = current.is_none();
    if current
        .as_ref()
        .is_some_and(|m| m.state == memberships::APPROVED && m.follow_id == follow.follow_id)
    {
        // This very Follow was accepted already: a retry of its
        // processing (after a failure once the effect was stored) must not
        // send a second Accept.
        return Ok("accepted already".into());
    }
    let already = current.is_some_and(|m| m.state == memberships::APPROVED);
    let allowed = already || db.is_allowed(group.id, &names)?;
    let moved_from = if allowed {
        None
    } else {
        super::moved::moved_from(state, group.id, &actor)?
    };
    let allowed = allowed || moved_from.is_some();
    let code = match &follow.instrument {
        Some(i) if !allowed => invite_code(&state.urls, &group.name, i),
        _ => None,
    };
    let state_now = if allowed {
        memberships::APPROVED
    } else {
        memberships::PENDING
    };
    // One transaction: the follow, its Accept and, for a move, the end of
    // the old membership are stored together or not at all (a retry then
    // does it all once); so are an invite code's use and the messages
    // the requester and the moderators get.
    let (code_used, notified) = db.transaction(|tx| {
        tx.record_follow(
            group.id,
            &actor.uri,
            &follow.follow_id,
            &row.body,
            state_now,
        )?;
        if allowed {
            rules::approve(tx, &state.urls, &group, &actor.uri)?;
            if let Some(old) = &moved_from {
                // The old account is told, as for a removal, so its server
                // stops showing the group there.
                membership::end(tx, &state.urls, &group, old, membership::Ending::Remove)?;
            }
            return Ok::<_, anyhow::Error>((None, 0));
        }
        let used = match &code {
            Some(code) => Some(rules::join_with_code(
                tx,
                &state.urls,
                &group,
                &actor,
                code,
                None,
            )?),
            None => None,
        };
        if used == Some(InviteUse::Used) {
            return Ok((used, 0));
        }
        // A new request: the moderators are told, and the requester gets
        // the join question.
        let mut notified = 0;
        if new_request {
            notified = moderation::notices::new_request(tx, &state.urls, &group, &actor)?;
            rules::ask_question(tx, &state.urls, &group, &actor)?;
        }
        Ok((used, notified))
    })?;
    state.wake_delivery.notify_one();
    if code_used == Some(InviteUse::Used) {
        return Ok("accepted: invite code".into());
    }
    if allowed {
        if let Some(old) = moved_from {
            return Ok(format!("accepted: moved from {old}"));
        }
        return Ok(if already {
            "accepted again: already a member".into()
        } else {
            "accepted: pre-approved".into()
        });
    }
    let code_note = code_used
        .map(|u| format!(" (invite code not accepted: {u:?})"))
        .unwrap_or_default();
    let told = if notified > 0 {
        format!("; {notified} moderator(s) told")
    } else {
        String::new()
    };
    Ok(format!("pending: waiting for an admin{code_note}{told}"))
}

/// True when both Follows say when they were made (`published`) and
/// `follow` was made before `live`. Without dates, arrival order is all
/// there is: a newer Follow takes over (a member's server that lost its
/// state follows again with a new id).
fn older(follow: &str, live: &str) -> bool {
    let published = |json: &str| {
        serde_json::from_str::<Value>(json)
            .ok()?
            .get("published")
            .and_then(Value::as_str)
            .and_then(|p| chrono::DateTime::parse_from_rfc3339(p).ok())
    };
    matches!((published(follow), published(live)), (Some(f), Some(l)) if f < l)
}

/// The invite code a Follow's `instrument` carries (FEP-bebd): an
/// `InviteCode` object, or a reference to one, whose id is one of this
/// group's invite links; or an `InviteCode` object naming the code itself
/// (`name` or `content`). Several instruments: the first code wins.
fn invite_code(urls: &Urls, group: &str, instrument: &Value) -> Option<String> {
    let prefix = urls.group_invite(group, "");
    let from_id = |id: &str| {
        id.strip_prefix(&prefix)
            .filter(|c| invite::is_code_shaped(c))
            .map(str::to_string)
    };
    let items = match instrument {
        Value::Array(items) => items.iter().collect(),
        one => vec![one],
    };
    items.into_iter().find_map(|item| match item {
        Value::String(id) => from_id(id),
        Value::Object(o) if o.get("type").and_then(Value::as_str) == Some("InviteCode") => o
            .get("id")
            .and_then(Value::as_str)
            .and_then(from_id)
            .or_else(|| {
                ["name", "content"].iter().find_map(|k| {
                    o.get(*k)
                        .and_then(Value::as_str)
                        .map(str::trim)
                        .filter(|c| invite::is_code_shaped(c))
                        .map(str::to_string)
                })
            }),
        _ => None,
    })
}
