//! What a member's post must pass before it is republished (issue #13):
//! no invite code of the group in it, and, in an announcement group
//! (`posting moderators`), a moderator as author (or a reply, when
//! `replies members`). A post refused here is not republished and its
//! author is told why by direct message.

use crate::db::{Db, Group, MemberRole, Posting, RemoteActor};
use crate::direct::{self, incoming::command_text};
use crate::invite;
use crate::urls::Urls;
use serde_json::{Map, Value};

/// `Some(outcome)` if the post must not be republished (the author has
/// been told); `None` if it may be.
pub fn refuse(
    db: &Db,
    urls: &Urls,
    group: &Group,
    author: &RemoteActor,
    object: &Map<String, Value>,
) -> anyhow::Result<Option<String>> {
    let name = &group.name;
    let handle = urls.group_handle(name);
    // A code is a key to the group: shared with every member, it would let
    // anyone they forward it to in. Any of the group's codes counts, live
    // or not (a revoked one may be revived by mistake later).
    let text = command_text(object);
    // The refusal answers the refused post, so Mastodon does not file it
    // under "Filtered notifications" (issue #23).
    let tell = |note: &str| {
        let refused = object.get("id").and_then(Value::as_str);
        direct::send_reply(db, urls, group, author, note, refused)
    };
    for word in invite::code_words(&text) {
        if db.invite(group.id, word)?.is_some() {
            let note = format!(
                "Your post was not shared with {handle}: it contains one of the group's invite \
                 codes, which must stay private. Post it again without the code."
            );
            tell(&note)?;
            return Ok(Some(format!(
                "{name}: not republished, contains an invite code"
            )));
        }
    }
    if group.posting() == Posting::Members {
        return Ok(None);
    }
    let role = db.membership(group.id, &author.uri)?.map(|m| m.role());
    if role == Some(MemberRole::Moderator) {
        return Ok(None);
    }
    let reply = object.get("inReplyTo").is_some_and(|v| !v.is_null());
    if reply && group.replies() == Posting::Members {
        return Ok(None);
    }
    let what = if reply && group.replies() == Posting::Moderators {
        "Only moderators may post or reply"
    } else {
        "Only moderators may post"
    };
    let note = format!(
        "Your post was not shared with {handle}: this group is for announcements. {what} \
         in it."
    );
    tell(&note)?;
    Ok(Some(format!(
        "{name}: not republished, only moderators may post"
    )))
}

/// True if the post's text holds one of the group's invite codes.
pub fn holds_code(db: &Db, group: &Group, object: &Map<String, Value>) -> anyhow::Result<bool> {
    let text = command_text(object);
    for word in invite::code_words(&text) {
        if db.invite(group.id, word)?.is_some() {
            return Ok(true);
        }
    }
    Ok(false)
}

/// An edit that would put one of the group's codes into a group copy is
/// not applied (to any copy); the author is told. `Some(outcome)` then.
pub fn refuse_edit(
    db: &Db,
    urls: &Urls,
    author: &RemoteActor,
    object: &Map<String, Value>,
) -> anyhow::Result<Option<String>> {
    let Some(id) = object.get("id").and_then(Value::as_str) else {
        return Ok(None);
    };
    for post in db.posts_of_original(id)? {
        if post.author_uri != author.uri {
            continue;
        }
        let group = db.group_by_id(post.group_id)?;
        if holds_code(db, &group, object)? {
            let note = format!(
                "Your edit was not shared with {}: it contains one of the group's invite codes, \
                 which must stay private.",
                urls.group_handle(&group.name)
            );
            direct::send_reply(db, urls, &group, author, &note, Some(id))?;
            return Ok(Some(format!(
                "{}: edit not applied, contains an invite code",
                group.name
            )));
        }
    }
    Ok(None)
}
