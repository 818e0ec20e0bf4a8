//! Flag: a report about a group post or a member. Mastodon sends it to
//! the reported account's inbox (a group post's author is the group),
//! GoToSocial to its inbox or shared inbox; both sign it with their
//! instance actor and list the account, then the posts, in `object`
//! (see tests/fixtures/mastodon_flag.json, gotosocial_flag.json).

use super::Outcome;
use crate::context::Context;
use crate::db::IncomingActivity;
use crate::federation::actor::id_of;
use crate::moderation::reports::{self, Named};
use anyhow::{anyhow, bail};
use serde_json::Value;
use std::collections::BTreeMap;

/// Most objects one Flag may name (Mastodon lets a report pick a few).
const MAX_OBJECTS: usize = 64;

pub struct Flag {
    /// The URIs named: accounts and posts.
    pub objects: Vec<String>,
    /// The reporter's comment (may be empty).
    pub comment: String,
}

pub fn verify(activity: &Value, actor: &str) -> anyhow::Result<Flag> {
    if activity.get("actor").and_then(id_of) != Some(actor) {
        bail!("Flag actor differs from the signer");
    }
    let objects: Vec<String> = match activity.get("object") {
        Some(Value::Array(list)) => list.iter().filter_map(id_of).map(str::to_string).collect(),
        Some(one) => id_of(one).map(str::to_string).into_iter().collect(),
        None => Vec::new(),
    };
    if objects.is_empty() {
        bail!("Flag names nothing");
    }
    if objects.len() > MAX_OBJECTS {
        bail!("Flag names more than {MAX_OBJECTS} objects");
    }
    let comment = match activity.get("content") {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => crate::direct::incoming::html_to_text(s),
        Some(_) => return Err(anyhow!("Flag content is not text")),
    };
    Ok(Flag { objects, comment })
}

/// Stores a report for each group the Flag names (a group, one of its
/// posts, or one of its members), and tells each group's moderators.
pub fn receive(state: &Context, row: &IncomingActivity, flag: Flag) -> anyhow::Result<Outcome> {
    let db = &state.db;
    // group id → what the Flag names there
    let mut named: BTreeMap<i64, Named> = BTreeMap::new();
    let mut accounts = Vec::new();
    for uri in &flag.objects {
        if let Some(name) = state.urls.group_name_of(uri) {
            if let Ok(g) = db.group_by_name(&name) {
                named.entry(g.id).or_default();
            }
            continue;
        }
        let mut posts = db.posts_of_original(uri)?;
        posts.extend(db.post_by_note(uri)?);
        if posts.is_empty() {
            accounts.push(uri.clone());
        }
        for p in posts {
            named.entry(p.group_id).or_default().posts.push(p);
        }
    }
    // A Flag to the group's own inbox concerns that group.
    if let Some(gid) = row.group_id {
        named.entry(gid).or_default();
    }
    // Members named: in the groups named, or else in every group of theirs.
    for account in &accounts {
        let groups: Vec<i64> = db
            .memberships_of(account)?
            .into_iter()
            .filter(|m| m.state == crate::db::memberships::APPROVED)
            .map(|m| m.group_id)
            .collect();
        let targets: Vec<i64> = if named.is_empty() {
            groups
        } else {
            groups
                .into_iter()
                .filter(|g| named.contains_key(g))
                .collect()
        };
        for g in targets {
            named.entry(g).or_default().accounts.push(account.clone());
        }
    }
    let named: Vec<_> = named
        .into_iter()
        .filter(|(_, n)| !n.posts.is_empty() || !n.accounts.is_empty())
        .collect();
    if named.is_empty() {
        return Ok("ignored: the report names no group post or member here".into());
    }
    let mut outcomes = Vec::new();
    for (group_id, what) in named {
        let group = db.group_by_id(group_id)?;
        outcomes.push(reports::file(
            db,
            &state.urls,
            &group,
            &row.activity_id,
            &row.actor_uri,
            &flag.comment,
            &what,
        )?);
    }
    state.wake_delivery.notify_one();
    Ok(outcomes.join("; "))
}
