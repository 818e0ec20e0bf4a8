//! Republishing, editing and deleting the group's copies.

use super::audience::visible_outside;
use super::effects::{Published, ReplyNotice};
use super::note::{group_note, Placement};
use super::LeakGuard;
use crate::db::{Db, Group, NewDirect, NewPost, Outgoing, Post, RemoteActor};
use crate::documents::post_context;
use crate::urls::new_activity_id;
use crate::urls::Urls;
use anyhow::Context;
use serde_json::{json, Map, Value};

fn note_id(urls: &Urls, group: &str) -> String {
    new_activity_id(urls, group).replace("/activities/", "/posts/")
}

/// The group's copy of the parent, when the post replies to one of our
/// posts or to a member original we republished in this group.
fn parent(db: &Db, group: &Group, in_reply_to: Option<&str>) -> anyhow::Result<Option<Post>> {
    let Some(target) = in_reply_to else {
        return Ok(None);
    };
    if let Some(p) = db.post_by_note(target)?.filter(|p| p.group_id == group.id) {
        return Ok(Some(p));
    }
    Ok(db
        .posts_of_original(target)?
        .into_iter()
        .find(|p| p.group_id == group.id))
}

/// Who is told of a reply by direct message (issue #23): the parent's
/// author, only while a member of the group, never the replier themselves.
pub(super) fn reply_notified(
    db: &Db,
    group: &Group,
    parent: Option<&Post>,
    replier: &str,
) -> anyhow::Result<Option<RemoteActor>> {
    let Some(parent) = parent.filter(|p| p.author_uri != replier) else {
        return Ok(None);
    };
    if !db.is_member(group.id, &parent.author_uri)? {
        return Ok(None);
    }
    Ok(db.remote_actor(&parent.author_uri)?)
}

/// The group copies of `original_id` that `author` may change.
pub(super) fn copies_by(db: &Db, original_id: &str, author: &str) -> anyhow::Result<Vec<Post>> {
    Ok(db
        .posts_of_original(original_id)?
        .into_iter()
        .filter(|p| p.author_uri == author)
        .collect())
}

/// Republishes a member's post in `group`, with the reply notice to the
/// parent's author if one is due. Returns the outcome text.
pub fn republish(
    db: &Db,
    urls: &Urls,
    group: &Group,
    author: &RemoteActor,
    activity: &Value,
    object: &Map<String, Value>,
) -> anyhow::Result<String> {
    let original_id = object
        .get("id")
        .and_then(Value::as_str)
        .context("object id")?;
    let object_value = Value::Object(object.clone());
    let guard = group.leak_guard;
    let leaked = visible_outside(
        activity,
        &object_value,
        &author.uri,
        author.followers.as_deref(),
    );
    if leaked && guard == LeakGuard::Reject {
        let text = leak_note(urls, group, true);
        let built = crate::documents::direct_message::build(urls, group, author, &text);
        let note = NewDirect {
            group_id: group.id,
            recipient_uri: &author.uri,
            note_id: &built.note_id,
            content: &text,
            create: &built.create,
        };
        db.send_direct(note, &crate::federation::fanout::target_of(author))?;
        return Ok(format!(
            "{}: refused, visible outside the group",
            group.name
        ));
    }
    let parent = parent(
        db,
        group,
        object
            .get("inReplyTo")
            .and_then(crate::federation::actor::id_of),
    )?;
    let id = note_id(urls, &group.name);
    let context = parent
        .as_ref()
        .map_or_else(|| format!("{id}/context"), |p| p.context_id.clone());
    let published = super::edit_order::rfc3339_ms(crate::db::now_ms());
    let notice = reply_notified(db, group, parent.as_ref(), &author.uri)?.map(|to| {
        let text = format!(
            "{} replied to your post in {}: {id}",
            author.acct(),
            urls.group_handle(&group.name)
        );
        let built = crate::documents::direct_message::build(urls, group, &to, &text);
        let (note_id, create) = (built.note_id, built.create);
        ReplyNotice {
            recipient: to.uri.clone(),
            context: context.clone(),
            note_id,
            text,
            create,
            target: crate::federation::fanout::target_of(&to),
        }
    });
    let at = Placement {
        note_id: &id,
        in_reply_to: parent.as_ref().map(|p| p.note_id.as_str()),
        context: &context,
        published: &published,
        updated: None,
    };
    let note = group_note(urls, group, author, object, &at);
    let create_id = new_activity_id(urls, &group.name);
    let create = json!({
        "@context": post_context(),
        "id": create_id,
        "type": "Create",
        "actor": urls.group(&group.name),
        "to": [urls.group_followers(&group.name)],
        "published": published,
        "object": note,
    });
    let create = Outgoing {
        id: create_id.clone(),
        body: create.to_string(),
    };
    let warning = (leaked && guard == LeakGuard::Warn).then(|| {
        let text = leak_note(urls, group, false);
        let built = crate::documents::direct_message::build(urls, group, author, &text);
        (text, built)
    });
    let target = crate::federation::fanout::target_of(author);
    let published = super::effects::publish_post(
        db,
        NewPost {
            group_id: group.id,
            note_id: &id,
            create_id: &create_id,
            original_id,
            author_uri: &author.uri,
            in_reply_to: parent.as_ref().map(|p| p.id),
            context_id: &context,
            note_json: &note.to_string(),
        },
        &create,
        warning.as_ref().map(|(text, built)| {
            let note = NewDirect {
                group_id: group.id,
                recipient_uri: &author.uri,
                note_id: &built.note_id,
                content: text,
                create: &built.create,
            };
            (note, &target)
        }),
        notice.as_ref(),
    )?;
    Ok(match published {
        Published::Sent(servers) => {
            format!("{}: republished to {servers} server(s)", group.name)
        }
        Published::Duplicate => format!("{}: duplicate, already republished", group.name),
        Published::Withdrawn => format!("{}: not republished, deleted by its author", group.name),
    })
}

/// The group's direct message to the author about a post others saw. A
/// direct message like any other (`direct::outgoing`): recorded, so its
/// note answers its id to the author's server, as welcome notes do.
fn leak_note(urls: &Urls, group: &Group, refused: bool) -> String {
    let handle = format!(
        "@{}@{}",
        group.name,
        urls.base().split("://").nth(1).unwrap_or_default()
    );
    let what = if refused {
        "was not shared with the group, because it was also visible outside it"
    } else {
        "was shared with the group, but it was also visible outside it"
    };
    // Nothing about what replies default to: it differs by server
    // (Mastodon: the parent's visibility; Mitra: direct; Misskey: the
    // parent's audience).
    format!(
        "Your post {what} (public, unlisted or followers-only). To keep group posts private, \
         mention {handle} and choose the visibility \"Mentioned people only\" (or the people \
         you mention) on every post and reply."
    )
}
