//! The group's posts as effects: each change of a group copy and the
//! activity that tells the members are written in one transaction, so a
//! failure in between leaves neither, and a retry does both once.

use super::schema::{deleted_originals, posts};
use super::{now_ms, per_backend, Db, DbResult, NewPost, Outgoing, Post, Target};
use diesel::prelude::*;

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

impl Db {
    /// Publishes a group copy: the post, its Create to every member server
    /// and, if given, the note to its author (leak guard), in one
    /// transaction.
    pub fn publish_post(
        &self,
        post: NewPost<'_>,
        create: &Outgoing,
        note: Option<(&Outgoing, &Target)>,
    ) -> DbResult<Published> {
        self.transaction(|tx| {
            if tx.is_withdrawn(post.original_id, post.author_uri)? {
                return Ok(Published::Withdrawn);
            }
            let group_id = post.group_id;
            if tx.insert_post(post)?.is_none() {
                return Ok(Published::Duplicate);
            }
            let servers = tx.to_member_servers(group_id, create)?;
            if let Some((note, target)) = note {
                tx.enqueue(group_id, &note.id, &note.body, std::slice::from_ref(target))?;
            }
            Ok(Published::Sent(servers))
        })
    }

    /// Queues `activity` to every member server of the group; with no
    /// members, stores nothing. Returns how many servers.
    pub fn to_member_servers(&self, group_id: i64, activity: &Outgoing) -> DbResult<usize> {
        self.transaction(|tx| {
            let targets = tx.member_targets(group_id)?;
            if targets.is_empty() {
                return Ok(0);
            }
            tx.enqueue(group_id, &activity.id, &activity.body, &targets)
        })
    }

    /// Removes a group copy (see `mark_post_deleted`) and queues its
    /// Delete to the members, in one transaction. False if it was removed
    /// already.
    pub fn remove_post(&self, post: &Post, delete: &Outgoing) -> DbResult<bool> {
        self.transaction(|tx| {
            if !tx.mark_post_deleted(post.id)? {
                return Ok(false);
            }
            tx.to_member_servers(post.group_id, delete)?;
            Ok(true)
        })
    }

    /// The author withdrew `original_id`: every group copy of theirs is
    /// removed with its Delete (`delete_of` builds it), and the original is
    /// remembered, so a Create that arrives after its Delete is not
    /// published. One transaction. Returns how many copies were removed.
    pub fn withdraw_post(
        &self,
        original_id: &str,
        author_uri: &str,
        delete_of: impl Fn(&Post) -> Outgoing,
    ) -> DbResult<usize> {
        self.transaction(|tx| {
            let mut conn = tx.conn()?;
            let row = (
                deleted_originals::original_id.eq(original_id),
                deleted_originals::author_uri.eq(author_uri),
                deleted_originals::deleted_at.eq(now_ms()),
            );
            per_backend!(&mut *conn, |c| diesel::insert_into(
                deleted_originals::table
            )
            .values(row)
            .on_conflict_do_nothing()
            .execute(c))?;
            drop(conn);
            let mut removed = 0;
            for post in tx.posts_of_original(original_id)? {
                if post.author_uri == author_uri && tx.remove_post(&post, &delete_of(&post))? {
                    removed += 1;
                }
            }
            Ok(removed)
        })
    }

    /// True if `author_uri` deleted `original_id` (see `withdraw_post`).
    pub fn is_withdrawn(&self, original_id: &str, author_uri: &str) -> DbResult<bool> {
        let mut conn = self.conn()?;
        let n: i64 = deleted_originals::table
            .filter(deleted_originals::original_id.eq(original_id))
            .filter(deleted_originals::author_uri.eq(author_uri))
            .count()
            .get_result(&mut *conn)?;
        Ok(n > 0)
    }

    /// Edits group copies: each one's new note and its Update to the
    /// members, all in one transaction. A copy removed meanwhile is left
    /// alone. Returns how many copies changed.
    pub fn edit_posts(&self, edits: &[(&Post, String, Outgoing)]) -> DbResult<usize> {
        self.transaction(|tx| {
            let mut changed = 0;
            for (post, note_json, update) in edits {
                let mut conn = tx.conn()?;
                let n = diesel::update(
                    posts::table
                        .filter(posts::id.eq(post.id))
                        .filter(posts::deleted_at.is_null()),
                )
                .set((
                    posts::note_json.eq(note_json),
                    posts::updated_at.eq(now_ms()),
                ))
                .execute(&mut *conn)?;
                drop(conn);
                if n == 1 {
                    tx.to_member_servers(post.group_id, update)?;
                    changed += 1;
                }
            }
            Ok(changed)
        })
    }
}
