//! The group's copies of member posts, and who may read them.

use super::schema::{memberships, posts, remote_actors};
use super::{memberships::APPROVED, now_ms, per_backend, Db, DbResult};
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = posts)]
pub struct Post {
    pub id: i64,
    pub group_id: i64,
    pub note_id: String,
    pub create_id: String,
    pub original_id: String,
    pub author_uri: String,
    pub in_reply_to: Option<i64>,
    pub context_id: String,
    pub note_json: String,
    pub published_at: i64,
    pub updated_at: i64,
    pub deleted_at: Option<i64>,
}

pub struct NewPost<'a> {
    pub group_id: i64,
    pub note_id: &'a str,
    pub create_id: &'a str,
    pub original_id: &'a str,
    pub author_uri: &'a str,
    pub in_reply_to: Option<i64>,
    pub context_id: &'a str,
    pub note_json: &'a str,
}

impl Db {
    /// Stores a group copy; `None` if this group already has that original
    /// (the same post delivered twice is republished once).
    pub fn insert_post(&self, p: NewPost<'_>) -> DbResult<Option<Post>> {
        let now = now_ms();
        let mut conn = self.conn()?;
        let row = (
            posts::group_id.eq(p.group_id),
            posts::note_id.eq(p.note_id),
            posts::create_id.eq(p.create_id),
            posts::original_id.eq(p.original_id),
            posts::author_uri.eq(p.author_uri),
            posts::in_reply_to.eq(p.in_reply_to),
            posts::context_id.eq(p.context_id),
            posts::note_json.eq(p.note_json),
            posts::published_at.eq(now),
            posts::updated_at.eq(now),
        );
        let n = per_backend!(&mut *conn, |c| diesel::insert_into(posts::table)
            .values(row)
            .on_conflict_do_nothing()
            .execute(c))?;
        if n == 0 {
            return Ok(None);
        }
        drop(conn);
        self.post_by_note(p.note_id)
    }

    pub fn post_by_note(&self, note_id: &str) -> DbResult<Option<Post>> {
        let mut conn = self.conn()?;
        Ok(posts::table
            .filter(posts::note_id.eq(note_id))
            .select(Post::as_select())
            .first(&mut *conn)
            .optional()?)
    }

    /// The group copies of a member's object (one per group it went to).
    pub fn posts_of_original(&self, original_id: &str) -> DbResult<Vec<Post>> {
        let mut conn = self.conn()?;
        Ok(posts::table
            .filter(posts::original_id.eq(original_id))
            .select(Post::as_select())
            .load(&mut *conn)?)
    }

    /// A post of `group_id` named by local number, note id or original id.
    pub fn find_post(&self, group_id: i64, name: &str) -> DbResult<Option<Post>> {
        let mut conn = self.conn()?;
        let mut q = posts::table
            .filter(posts::group_id.eq(group_id))
            .into_boxed();
        q = match name.parse::<i64>() {
            Ok(n) => q.filter(posts::id.eq(n)),
            Err(_) => q.filter(posts::note_id.eq(name).or(posts::original_id.eq(name))),
        };
        Ok(q.select(Post::as_select()).first(&mut *conn).optional()?)
    }

    pub fn update_post_note(&self, id: i64, note_json: &str, updated_at: i64) -> DbResult<()> {
        let mut conn = self.conn()?;
        diesel::update(posts::table.filter(posts::id.eq(id)))
            .set((
                posts::note_json.eq(note_json),
                posts::updated_at.eq(updated_at),
            ))
            .execute(&mut *conn)?;
        Ok(())
    }

    /// Marks a post deleted; false if it already was.
    /// Marks a post deleted and removes its content: the group's copy of
    /// the note, and the group's Create and Updates of it (with any of
    /// their deliveries still pending: no server should get a deleted
    /// post later). The row stays, so threads and the audit keep their
    /// ids. False if it was deleted already.
    pub fn mark_post_deleted(&self, id: i64) -> DbResult<bool> {
        use super::schema::outgoing_activities;
        let mut pooled = self.conn()?;
        let conn: &mut super::DbConn = &mut pooled;
        conn.transaction::<bool, super::DbError, _>(|conn| {
            let post: Option<(i64, String, String)> = posts::table
                .filter(posts::id.eq(id))
                .filter(posts::deleted_at.is_null())
                .select((posts::group_id, posts::create_id, posts::note_id))
                .first(conn)
                .optional()?;
            let Some((group_id, create_id, note_id)) = post else {
                return Ok(false);
            };
            diesel::update(posts::table.filter(posts::id.eq(id)))
                .set((posts::deleted_at.eq(now_ms()), posts::note_json.eq("{}")))
                .execute(conn)?;
            // Updates are numbered under the note (`…#updates/…`).
            diesel::delete(
                outgoing_activities::table
                    .filter(outgoing_activities::group_id.eq(group_id))
                    .filter(
                        outgoing_activities::activity_id.eq(&create_id).or(
                            outgoing_activities::activity_id
                                .like(format!("{}#updates/%", like_escape(&note_id)))
                                .escape('\\'),
                        ),
                    ),
            )
            .execute(conn)?;
            Ok(true)
        })
    }

    pub fn list_posts(&self, group_id: i64) -> DbResult<Vec<Post>> {
        let mut conn = self.conn()?;
        Ok(posts::table
            .filter(posts::group_id.eq(group_id))
            .order(posts::id.asc())
            .select(Post::as_select())
            .load(&mut *conn)?)
    }

    pub fn count_posts(&self, group_id: i64) -> DbResult<i64> {
        let mut conn = self.conn()?;
        Ok(posts::table
            .filter(posts::group_id.eq(group_id))
            .filter(posts::deleted_at.is_null())
            .count()
            .get_result(&mut *conn)?)
    }

    pub fn is_member(&self, group_id: i64, actor_uri: &str) -> DbResult<bool> {
        Ok(self
            .membership(group_id, actor_uri)?
            .is_some_and(|m| m.state == APPROVED))
    }

    /// True if a member of the group has an account on `domain` (host[:port]):
    /// that server may fetch the group's posts, e.g. with its instance actor.
    pub fn group_has_member_on(&self, group_id: i64, domain: &str) -> DbResult<bool> {
        let mut conn = self.conn()?;
        let n: i64 = memberships::table
            .inner_join(remote_actors::table.on(remote_actors::uri.eq(memberships::actor_uri)))
            .filter(memberships::group_id.eq(group_id))
            .filter(memberships::state.eq(APPROVED))
            .filter(remote_actors::domain.eq(domain))
            .count()
            .get_result(&mut *conn)?;
        Ok(n > 0)
    }

    /// The group's members whose accounts live on `domain`, for that
    /// server's partial followers collection (FEP-8fcf).
    pub fn member_uris_on(&self, group_id: i64, domain: &str) -> DbResult<Vec<String>> {
        let mut conn = self.conn()?;
        Ok(memberships::table
            .inner_join(remote_actors::table.on(remote_actors::uri.eq(memberships::actor_uri)))
            .filter(memberships::group_id.eq(group_id))
            .filter(memberships::state.eq(APPROVED))
            .filter(remote_actors::domain.eq(domain))
            .order(remote_actors::uri.asc())
            .select(remote_actors::uri)
            .load(&mut *conn)?)
    }

    /// The group's members with their inboxes, in the order they are
    /// stored (who gets a copy is decided by `federation::fanout`).
    pub fn member_inboxes(&self, group_id: i64) -> DbResult<Vec<MemberInbox>> {
        let mut conn = self.conn()?;
        let rows: Vec<(String, String, Option<String>)> = memberships::table
            .inner_join(remote_actors::table.on(remote_actors::uri.eq(memberships::actor_uri)))
            .filter(memberships::group_id.eq(group_id))
            .filter(memberships::state.eq(APPROVED))
            .select((
                remote_actors::uri,
                remote_actors::inbox,
                remote_actors::shared_inbox,
            ))
            .load(&mut *conn)?;
        Ok(rows
            .into_iter()
            .map(|(uri, inbox, shared_inbox)| MemberInbox {
                uri,
                inbox,
                shared_inbox,
            })
            .collect())
    }
}

/// A member account and where its server takes deliveries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberInbox {
    pub uri: String,
    pub inbox: String,
    pub shared_inbox: Option<String>,
}

/// `text` with LIKE's wildcards taken literally (escaped with `\`, named
/// as the escape character where the pattern is used).
pub(super) fn like_escape(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}
