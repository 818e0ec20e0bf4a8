//! The group's posts as effects: each change of a group copy and the
//! activity that tells the members are written in one transaction, so a
//! failure in between leaves neither, and a retry does both once.

use crate::db::{Db, DbResult, NewDirect, NewPost, Outgoing, Post, Target};
use crate::federation::fanout::to_member_servers;

/// What came of publishing a member post.
#[derive(Debug)]
pub enum Published {
    /// Stored, and its Create queued to this many servers.
    Sent(usize),
    /// This group already holds the original (a repeat delivery).
    Duplicate,
    /// The author deleted the original before it reached us.
    Withdrawn,
}

/// The direct message that tells a parent's author of a reply (issue
/// #23), sent with the reply's copy unless they got one for the same
/// thread in the last 10 minutes (`db::REPLY_NOTICE_GAP_MS`).
pub struct ReplyNotice {
    pub recipient: String,
    pub context: String,
    pub note_id: String,
    pub text: String,
    pub create: Outgoing,
    pub target: Target,
}

/// Publishes a group copy: the post, its Create to every member server
/// and, if given, the direct message to its author (leak guard) and the
/// reply notice, in one transaction.
pub fn publish_post(
    db: &Db,
    post: NewPost<'_>,
    create: &Outgoing,
    note: Option<(NewDirect<'_>, &Target)>,
    notice: Option<&ReplyNotice>,
) -> DbResult<Published> {
    db.transaction(|tx| {
        if tx.is_withdrawn(post.original_id, post.author_uri)? {
            return Ok(Published::Withdrawn);
        }
        let group_id = post.group_id;
        if tx.insert_post(post)?.is_none() {
            return Ok(Published::Duplicate);
        }
        let servers = to_member_servers(tx, group_id, create)?;
        if let Some((note, target)) = note {
            tx.send_direct(note, target)?;
        }
        if let Some(n) = notice {
            if tx.claim_reply_notice(group_id, &n.recipient, &n.context, crate::db::now_ms())? {
                let dm = NewDirect {
                    group_id,
                    recipient_uri: &n.recipient,
                    note_id: &n.note_id,
                    content: &n.text,
                    create: &n.create,
                };
                tx.send_direct(dm, &n.target)?;
            }
        }
        Ok(Published::Sent(servers))
    })
}

/// Removes a group copy (see `Db::mark_post_deleted`) and queues its
/// Delete to the members, in one transaction. False if it was removed
/// already.
pub fn remove_copy(db: &Db, post: &Post, delete: &Outgoing) -> DbResult<bool> {
    db.transaction(|tx| {
        if !tx.mark_post_deleted(post.id)? {
            return Ok(false);
        }
        to_member_servers(tx, post.group_id, delete)?;
        Ok(true)
    })
}

/// The author withdrew `original_id`: every group copy of theirs is
/// removed with its Delete (`delete_of` builds it), and the original is
/// remembered, so a Create that arrives after its Delete is not
/// published. One transaction. Returns how many copies were removed.
pub fn withdraw_post(
    db: &Db,
    original_id: &str,
    author_uri: &str,
    delete_of: impl Fn(&Post) -> Outgoing,
) -> DbResult<usize> {
    db.transaction(|tx| {
        tx.remember_withdrawn(original_id, author_uri)?;
        let mut removed = 0;
        for post in tx.posts_of_original(original_id)? {
            if post.author_uri == author_uri && remove_copy(tx, &post, &delete_of(&post))? {
                removed += 1;
            }
        }
        Ok(removed)
    })
}

/// Edits group copies of `original_id` with an edit of order mark `mark`:
/// each one's new note and its Update to the members, all in one
/// transaction. A copy removed meanwhile is left alone. Returns how many
/// copies changed, or `None` when a later edit was applied already.
pub fn edit_posts(
    db: &Db,
    original_id: &str,
    mark: i64,
    edits: &[(&Post, String, Outgoing)],
) -> DbResult<Option<usize>> {
    db.transaction(|tx| {
        if !tx.advance_edit_mark(original_id, mark)? {
            return Ok(None);
        }
        let mut changed = 0;
        for (post, note_json, update) in edits {
            if tx.set_live_post_note(post.id, note_json)? {
                to_member_servers(tx, post.group_id, update)?;
                changed += 1;
            }
        }
        Ok(Some(changed))
    })
}
