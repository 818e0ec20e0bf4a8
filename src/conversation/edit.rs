//! Edits and deletes of the group's copies: by their author, or by a
//! moderator. Each change goes out with its activity in one transaction.

use super::edit_order::stamp_after;
use super::note::{group_note, Placement};
use super::publish::copies_by;
use crate::db::{Db, Group, Outgoing, Post, RemoteActor};
use crate::documents::post_context;
use crate::urls::Urls;
use anyhow::Context;
use serde_json::{json, Map, Value};

/// What came of an edit.
#[derive(Debug, PartialEq, Eq)]
pub enum Edited {
    /// This many group copies changed, each with its Update queued.
    Applied(usize),
    /// A later edit (its order mark) was applied already: dropped.
    Older { mark: i64, shown: i64 },
    /// Nothing to do, and why.
    Ignored(&'static str),
}

impl std::fmt::Display for Edited {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Edited::Applied(n) => write!(f, "updated {n} group copy(ies)"),
            Edited::Older { mark, shown } => write!(
                f,
                "dropped: an older edit (updated {}) than the one on show ({})",
                super::edit_order::rfc3339_ms(*mark),
                super::edit_order::rfc3339_ms(*shown)
            ),
            Edited::Ignored(why) => write!(f, "ignored: {why}"),
        }
    }
}

/// An edit with order mark `mark` (see `edit_order`): every group copy of
/// the author's object is rebuilt and an Update with a newer `updated`
/// goes to the members, all in one transaction, unless a later edit was
/// applied already. Only a current member's edits go out: someone removed
/// or blocked since cannot change what the members see.
pub fn update_copies(
    db: &Db,
    urls: &Urls,
    author: &RemoteActor,
    object: &Map<String, Value>,
    mark: i64,
) -> anyhow::Result<Edited> {
    let original_id = object
        .get("id")
        .and_then(Value::as_str)
        .context("object id")?;
    let mut copies = copies_by(db, original_id, &author.uri)?;
    copies.retain(|p| p.deleted_at.is_none());
    if copies.is_empty() {
        return Ok(Edited::Ignored("Update of a post the group does not hold"));
    }
    let names = [
        author.uri.clone(),
        author.acct().to_ascii_lowercase(),
        author.domain.to_ascii_lowercase(),
    ];
    if db.is_blocked(&names)? {
        return Ok(Edited::Ignored("Update from a blocked account"));
    }
    let mut still_member = Vec::new();
    for post in copies {
        if db.is_member(post.group_id, &author.uri)? {
            still_member.push(post);
        }
    }
    if still_member.is_empty() {
        return Ok(Edited::Ignored("Update from someone no longer a member"));
    }
    let edit = edit_name(object);
    let mut edits = Vec::new();
    for post in &still_member {
        let group = db.group_by_id(post.group_id)?;
        let old: Value = serde_json::from_str(&post.note_json)?;
        let updated = stamp_after(&old, mark);
        let at = Placement {
            note_id: &post.note_id,
            in_reply_to: old.get("inReplyTo").and_then(Value::as_str),
            context: &post.context_id,
            published: old
                .get("published")
                .and_then(Value::as_str)
                .unwrap_or_default(),
            updated: Some(&updated),
        };
        let note = group_note(urls, &group, author, object, &at);
        // Named after the edit itself: processing the same Update again
        // (a retry) queues nothing new.
        let id = format!("{}#updates/{edit}", post.note_id);
        let update = json!({
            "@context": post_context(),
            "id": id, "type": "Update", "actor": urls.group(&group.name),
            "to": [urls.group_followers(&group.name)], "object": note,
        });
        let update = Outgoing {
            id,
            body: update.to_string(),
        };
        edits.push((post, note.to_string(), update));
    }
    Ok(
        match super::effects::edit_posts(db, original_id, mark, &edits)? {
            Some(changed) => Edited::Applied(changed),
            None => Edited::Older {
                mark,
                shown: db.edit_mark(original_id)?.unwrap_or(mark),
            },
        },
    )
}

/// The author deleted their post: every group copy goes, with its Delete,
/// whether or not they are still a member (their right to withdraw).
/// Deleted before it arrived, it is remembered and never published.
pub fn delete_copies(
    db: &Db,
    urls: &Urls,
    author_uri: &str,
    original_id: &str,
) -> anyhow::Result<String> {
    let mut names = std::collections::HashMap::new();
    for post in copies_by(db, original_id, author_uri)? {
        names.insert(post.group_id, db.group_by_id(post.group_id)?.name);
    }
    let removed = super::effects::withdraw_post(db, original_id, author_uri, |post| {
        let group = names
            .get(&post.group_id)
            .map(String::as_str)
            .unwrap_or_default();
        delete_of(urls, group, post)
    })?;
    Ok(if names.is_empty() {
        "remembered: Delete of an object the group does not hold (yet)".into()
    } else {
        format!("deleted {removed} group copy(ies)")
    })
}

/// The group's Delete{Tombstone} of one of its posts.
fn delete_of(urls: &Urls, group: &str, post: &Post) -> Outgoing {
    let id = format!("{}#delete", post.note_id);
    let delete = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": id, "type": "Delete", "actor": urls.group(group),
        "to": [urls.group_followers(group)],
        "object": {"id": post.note_id, "type": "Tombstone"},
    });
    Outgoing {
        id,
        body: delete.to_string(),
    }
}

/// Moderator removal: deletes a group copy and sends Delete{Tombstone}
/// to the members, in one transaction. False if already gone.
pub fn remove_post(db: &Db, urls: &Urls, group: &Group, post: &Post) -> anyhow::Result<bool> {
    Ok(super::effects::remove_copy(
        db,
        post,
        &delete_of(urls, &group.name, post),
    )?)
}

/// A short name for one edit of an object: the hash of what it says now.
fn edit_name(object: &Map<String, Value>) -> String {
    let digest = openssl::sha::sha256(Value::Object(object.clone()).to_string().as_bytes());
    digest[..8].iter().map(|b| format!("{b:02x}")).collect()
}
