//! Membership decisions shared by the CLI and the inbox worker: each one
//! changes the database and queues the activity that tells the follower,
//! so what the follower's server shows always matches our state.

use crate::db::{memberships, Db, Group, Membership, RemoteActor, Target};
use crate::urls::Urls;
use anyhow::{anyhow, Context};
use serde_json::{json, Value};

/// A fresh activity id on our host, under the group.
pub fn new_activity_id(urls: &Urls, group: &str) -> String {
    let mut bytes = [0u8; 16];
    // openssl's CSPRNG; ids must not be guessable (objects are private).
    let hex = match openssl::rand::rand_bytes(&mut bytes) {
        Ok(()) => bytes.iter().map(|b| format!("{b:02x}")).collect::<String>(),
        Err(_) => format!("{:x}", crate::db::now_ms()),
    };
    format!("{}/activities/{hex}", urls.group(group))
}

/// Accept or Reject of a Follow, with the Follow embedded as received.
fn answer(
    urls: &Urls,
    group: &Group,
    kind: &str,
    m: &Membership,
) -> anyhow::Result<(String, Value)> {
    let follow: Value = serde_json::from_str(&m.follow_json).context("stored Follow")?;
    let id = new_activity_id(urls, &group.name);
    let doc = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": id,
        "type": kind,
        "actor": urls.group(&group.name),
        "to": [m.actor_uri],
        "object": follow,
    });
    Ok((id, doc))
}

fn send_answer(
    db: &Db,
    urls: &Urls,
    group: &Group,
    kind: &str,
    m: &Membership,
    actor: &RemoteActor,
) -> anyhow::Result<()> {
    let (id, doc) = answer(urls, group, kind, m)?;
    let target = Target {
        sync_digest: None,
        inbox: actor.delivery_inbox().to_string(),
        recipient: actor.shared_inbox.is_none().then(|| actor.uri.clone()),
    };
    db.enqueue(group.id, &id, &doc.to_string(), &[target])?;
    Ok(())
}

fn actor_of(db: &Db, uri: &str) -> anyhow::Result<RemoteActor> {
    db.remote_actor(uri)?
        .ok_or_else(|| anyhow!("no inbox known for {uri}"))
}

/// Makes a pending request (or an existing member) a member and sends Accept.
pub fn approve(db: &Db, urls: &Urls, group: &Group, actor_uri: &str) -> anyhow::Result<()> {
    let m = db
        .membership(group.id, actor_uri)?
        .ok_or_else(|| anyhow!("{actor_uri} has not asked to join {}", group.name))?;
    let actor = actor_of(db, actor_uri)?;
    db.set_membership_state(group.id, actor_uri, memberships::APPROVED)?;
    send_answer(db, urls, group, "Accept", &m, &actor)
}

/// Refuses a request (or ends a membership) and sends Reject{Follow}:
/// Mastodon drops the follow, or the request, on it.
pub fn reject(db: &Db, urls: &Urls, group: &Group, actor_uri: &str) -> anyhow::Result<()> {
    let m = db.membership(group.id, actor_uri)?.ok_or_else(|| {
        anyhow!(
            "{actor_uri} is neither a member nor asking to join {}",
            group.name
        )
    })?;
    let actor = actor_of(db, actor_uri)?;
    // Queue first: if the delete then fails, running the command again
    // repeats both; the other order could end a membership silently.
    send_answer(db, urls, group, "Reject", &m, &actor)?;
    db.delete_membership(group.id, actor_uri)?;
    Ok(())
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
    let targets = db.member_targets(group.id)?;
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
    crate::conversation::to_members(db, group, &id, &update)
}
