//! What the group's posts as effects store (see `conversation::effects`,
//! which writes each change with the activity that tells the members).

use super::schema::{deleted_originals, posts};
use super::{now_ms, per_backend, Db, DbResult};
use diesel::prelude::*;

impl Db {
    /// Remembers that `author_uri` deleted `original_id`, so a Create that
    /// arrives after its Delete is not published.
    pub fn remember_withdrawn(&self, original_id: &str, author_uri: &str) -> DbResult<()> {
        let mut conn = self.conn()?;
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
        Ok(())
    }

    /// True if `author_uri` deleted `original_id` (see `remember_withdrawn`).
    pub fn is_withdrawn(&self, original_id: &str, author_uri: &str) -> DbResult<bool> {
        let mut conn = self.conn()?;
        let n: i64 = deleted_originals::table
            .filter(deleted_originals::original_id.eq(original_id))
            .filter(deleted_originals::author_uri.eq(author_uri))
            .count()
            .get_result(&mut *conn)?;
        Ok(n > 0)
    }

    /// Sets a group copy's note unless the copy was removed meanwhile;
    /// true if it was set.
    pub fn set_live_post_note(&self, id: i64, note_json: &str) -> DbResult<bool> {
        let mut conn = self.conn()?;
        let n = diesel::update(
            posts::table
                .filter(posts::id.eq(id))
                .filter(posts::deleted_at.is_null()),
        )
        .set((
            posts::note_json.eq(note_json),
            posts::updated_at.eq(now_ms()),
        ))
        .execute(&mut *conn)?;
        Ok(n == 1)
    }
}
