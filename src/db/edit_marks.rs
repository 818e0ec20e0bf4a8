//! The order of edits (issue #24). Senders retry (after a 429 or a 5xx)
//! and our own inbox retries reorder processing, so an older `Update` can
//! be processed after a newer one. Per edited object (a member's post, an
//! actor's profile) the mark of the last edit applied is kept, and an
//! older edit is dropped.

use super::schema::edit_marks;
use super::{per_backend, Db, DbResult};
use diesel::prelude::*;

impl Db {
    /// Records `mark` as the latest edit of `object_id` applied and
    /// returns true, unless a later mark was recorded already (false: the
    /// edit is older than what is on show; drop it). An equal mark passes:
    /// Mastodon sends a poll's new vote counts as Updates that repeat the
    /// last edit's `updated`, and a repeat of one edit is harmless. Call it
    /// in the transaction that applies the edit.
    pub fn advance_edit_mark(&self, object_id: &str, mark: i64) -> DbResult<bool> {
        let mut conn = self.conn()?;
        let raise = |conn: &mut super::DbConn| {
            diesel::update(
                edit_marks::table
                    .filter(edit_marks::object_id.eq(object_id))
                    .filter(edit_marks::mark.le(mark)),
            )
            .set(edit_marks::mark.eq(mark))
            .execute(conn)
        };
        if raise(&mut conn)? > 0 {
            return Ok(true);
        }
        let row = (
            edit_marks::object_id.eq(object_id),
            edit_marks::mark.eq(mark),
        );
        let inserted = per_backend!(&mut *conn, |c| diesel::insert_into(edit_marks::table)
            .values(row)
            .on_conflict_do_nothing()
            .execute(c))?;
        if inserted > 0 {
            return Ok(true);
        }
        // A concurrent transaction recorded this object first (PostgreSQL,
        // several workers): compare with what it committed.
        Ok(raise(&mut conn)? > 0)
    }

    /// The mark of the last edit of `object_id` applied, if any.
    pub fn edit_mark(&self, object_id: &str) -> DbResult<Option<i64>> {
        let mut conn = self.conn()?;
        Ok(edit_marks::table
            .filter(edit_marks::object_id.eq(object_id))
            .select(edit_marks::mark)
            .first(&mut *conn)
            .optional()?)
    }
}
