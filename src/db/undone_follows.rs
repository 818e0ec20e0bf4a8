//! Follow ids their author undid, kept so that a late retry of such a
//! Follow is recognised (see the `undone_follows` migration).

use super::schema::undone_follows;
use super::{now_ms, per_backend, Db, DbResult};
use diesel::prelude::*;

impl Db {
    /// Remembers that `actor_uri` undid its Follow `follow_id`.
    pub fn remember_undone_follow(&self, follow_id: &str, actor_uri: &str) -> DbResult<()> {
        let mut conn = self.conn()?;
        let row = (
            undone_follows::follow_id.eq(follow_id),
            undone_follows::actor_uri.eq(actor_uri),
            undone_follows::undone_at.eq(now_ms()),
        );
        per_backend!(&mut *conn, |c| diesel::insert_into(undone_follows::table)
            .values(row)
            .on_conflict_do_nothing()
            .execute(c))?;
        Ok(())
    }

    /// True if `actor_uri` undid its Follow `follow_id`.
    pub fn is_follow_undone(&self, follow_id: &str, actor_uri: &str) -> DbResult<bool> {
        let mut conn = self.conn()?;
        let n: i64 = undone_follows::table
            .filter(undone_follows::follow_id.eq(follow_id))
            .filter(undone_follows::actor_uri.eq(actor_uri))
            .count()
            .get_result(&mut *conn)?;
        Ok(n > 0)
    }
}
