//! Membership decisions shared by the CLI and the inbox worker: each one
//! changes the database and queues the activity that tells the follower,
//! so what the follower's server shows always matches our state.

use crate::db::{Db, DbError, Group, Membership, Outgoing, RemoteActor, Removal};
use crate::federation::fanout::{self, target_of};
use crate::urls::Urls;
// Where it lived before; kept so callers need not change.
pub use crate::urls::new_activity_id;
use anyhow::{anyhow, Context};
use serde_json::{json, Value};

/// An activity of the group addressed to one account alone (the answers
/// to its Follow, the group's Block and its Undo), with a fresh id.
fn to_account(urls: &Urls, group: &Group, kind: &str, to: &str, object: Value) -> Outgoing {
    let id = new_activity_id(urls, &group.name);
    let doc = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": id,
        "type": kind,
        "actor": urls.group(&group.name),
        "to": [to],
        "object": object,
    });
    Outgoing {
        id,
        body: doc.to_string(),
    }
}

/// Accept or Reject of a Follow, with the Follow embedded as received.
fn answer(urls: &Urls, group: &Group, kind: &str, m: &Membership) -> anyhow::Result<Outgoing> {
    let follow: Value = serde_json::from_str(&m.follow_json).context("stored Follow")?;
    Ok(to_account(urls, group, kind, &m.actor_uri, follow))
}

/// The group's Block of an account. Mastodon and GoToSocial end the
/// follow in both directions on it (GoToSocial ignores a Reject of a
/// follow it saw accepted), so a removal holds on every server.
fn block(urls: &Urls, group: &Group, actor_uri: &str) -> Outgoing {
    to_account(urls, group, "Block", actor_uri, json!(actor_uri))
}

/// Undo of a Block, with the Block embedded as sent: GoToSocial matches
/// it by its id, Mastodon by its object.
fn undo_block(
    urls: &Urls,
    group: &Group,
    actor_uri: &str,
    block: &Outgoing,
) -> anyhow::Result<Outgoing> {
    let sent: Value = serde_json::from_str(&block.body).context("stored Block")?;
    Ok(to_account(urls, group, "Undo", actor_uri, sent))
}

fn actor_of(db: &Db, uri: &str) -> anyhow::Result<RemoteActor> {
    db.remote_actor(uri)?
        .ok_or_else(|| anyhow!("no inbox known for {uri}"))
}

/// Makes a pending request (or an existing member) a member and sends
/// Accept; when the group blocks the account, Undo{Block} goes first
/// (its server would refuse the follow otherwise). One transaction.
pub fn approve(db: &Db, urls: &Urls, group: &Group, actor_uri: &str) -> anyhow::Result<()> {
    let actor = actor_of(db, actor_uri)?;
    let result = db.approve_member(group.id, actor_uri, &target_of(&actor), |m, standing| {
        let mut activities = Vec::new();
        if let Some(b) = standing {
            let sent = Outgoing {
                id: b.block_id.clone(),
                body: b.block_json.clone(),
            };
            activities.push(undo_block(urls, group, actor_uri, &sent)?);
        }
        activities.push(answer(urls, group, "Accept", m)?);
        Ok::<_, anyhow::Error>(activities)
    });
    match result {
        Err(e) if matches!(e.downcast_ref::<DbError>(), Some(DbError::NotFound)) => {
            Err(anyhow!("{actor_uri} has not asked to join {}", group.name))
        }
        other => other,
    }
}

/// How a membership or request ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ending {
    /// A request refused: Reject.
    Refuse,
    /// A member removed, no ban: Reject, Block, then Undo{Block} once the
    /// Block was answered (they may ask to join again).
    Remove,
    /// Blocked (`block add`): Reject and a Block that stands.
    Ban,
}

/// Ends a request or membership and queues what tells the account's
/// server, in order, in one transaction. False if there was none.
pub fn end(
    db: &Db,
    urls: &Urls,
    group: &Group,
    actor_uri: &str,
    how: Ending,
) -> anyhow::Result<bool> {
    let actor = actor_of(db, actor_uri)?;
    db.remove_member(group.id, actor_uri, &target_of(&actor), |m| {
        let mut activities = vec![answer(urls, group, "Reject", m)?];
        let mut lasting_block = None;
        if how != Ending::Refuse {
            let b = block(urls, group, actor_uri);
            activities.push(b.clone());
            if how == Ending::Remove {
                activities.push(undo_block(urls, group, actor_uri, &b)?);
            } else {
                lasting_block = Some(b);
            }
        }
        Ok::<_, anyhow::Error>(Removal {
            activities,
            lasting_block,
        })
    })
}

/// Ends every membership and request of an account whose inbox answered
/// 410 Gone, as a removal (Reject, Block, Undo{Block}): its server may
/// still show the group to it otherwise. Accounts demesh has no inbox for
/// just lose their rows.
pub fn end_gone(db: &Db, urls: &Urls, actor_uri: &str) -> anyhow::Result<()> {
    if db.remote_actor(actor_uri)?.is_none() {
        return Ok(());
    }
    for m in db.memberships_of(actor_uri)? {
        let group = db.group_by_id(m.group_id)?;
        let how = if m.state == crate::db::memberships::APPROVED {
            Ending::Remove
        } else {
            Ending::Refuse
        };
        end(db, urls, &group, actor_uri, how)?;
    }
    Ok(())
}

/// Lifts the Blocks the groups keep on the accounts `hit` picks
/// (`block remove`): Undo{Block} of each, so their servers let them
/// follow again. Returns how many.
pub fn lift_blocks(
    db: &Db,
    urls: &Urls,
    hit: impl Fn(&RemoteActor) -> bool,
) -> anyhow::Result<usize> {
    let mut lifted = 0;
    for b in db.group_blocks()? {
        let Some(actor) = db.remote_actor(&b.actor_uri)? else {
            continue;
        };
        if !hit(&actor) {
            continue;
        }
        let group = match db.group_by_id(b.group_id) {
            Ok(g) => g,
            // A deleted group's Blocks went with it.
            Err(DbError::NotFound) => continue,
            Err(e) => return Err(e.into()),
        };
        let sent = Outgoing {
            id: b.block_id.clone(),
            body: b.block_json.clone(),
        };
        let undo = undo_block(urls, &group, &b.actor_uri, &sent)?;
        db.lift_group_block(&b, &target_of(&actor), &undo)?;
        lifted += 1;
    }
    Ok(lifted)
}

/// Deletes a group: its members' servers get a `Delete` of the group
/// actor, signed by the group (Mastodon then drops the group, its follows
/// and its posts), and everything the group held is removed; see
/// `Db::retire_group`. Returns how many deliveries were queued.
pub fn delete_group(db: &Db, urls: &Urls, group: &Group) -> anyhow::Result<usize> {
    let actor = urls.group(&group.name);
    let id = format!("{actor}#delete");
    let doc = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": id,
        "type": "Delete",
        "actor": actor,
        "object": actor,
        "to": [urls.group_followers(&group.name)],
    });
    let targets = fanout::member_targets(db, group.id)?;
    db.retire_group(group.id, &id, &doc.to_string(), &targets)?;
    Ok(targets.len())
}

/// Sends the group's current actor document to its members' servers as
/// `Update{Group}`, after a profile change (name, summary, icon): Mastodon
/// otherwise shows the old profile until it refetches on its own. An
/// earlier profile `Update` not sent yet is dropped (see `drop_unsent`).
/// Returns how many deliveries were queued.
pub fn announce_profile(db: &Db, urls: &Urls, group: &Group) -> anyhow::Result<usize> {
    let actor = crate::documents::group_actor(urls, group);
    let updates = format!("{}#updates/", urls.group(&group.name));
    let dropped = db.drop_unsent(group.id, &updates)?;
    if dropped > 0 {
        tracing::info!(group = %group.name, dropped, "older profile updates not sent: superseded");
    }
    let id = format!("{updates}{}", crate::db::now_ms());
    let update = json!({
        "@context": actor["@context"].clone(),
        "id": id,
        "type": "Update",
        "actor": urls.group(&group.name),
        "to": [urls.group_followers(&group.name)],
        "object": actor,
    });
    let update = Outgoing {
        id,
        body: update.to_string(),
    };
    Ok(fanout::to_member_servers(db, group.id, &update)?)
}
