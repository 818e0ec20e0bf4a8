//! Server-wide blocks of domains and accounts.

use super::schema::blocks;
use super::{now_ms, per_backend, Db, DbResult};
use diesel::prelude::*;

impl Db {
    /// Adds a block; false if it was already there.
    pub fn add_block(&self, pattern: &str) -> DbResult<bool> {
        let mut conn = self.conn()?;
        let row = (blocks::pattern.eq(pattern), blocks::created_at.eq(now_ms()));
        let n = per_backend!(&mut *conn, |c| diesel::insert_into(blocks::table)
            .values(row)
            .on_conflict_do_nothing()
            .execute(c))?;
        Ok(n > 0)
    }

    pub fn remove_block(&self, pattern: &str) -> DbResult<bool> {
        let mut conn = self.conn()?;
        let n = diesel::delete(blocks::table.filter(blocks::pattern.eq(pattern)))
            .execute(&mut *conn)?;
        Ok(n > 0)
    }

    pub fn list_blocks(&self) -> DbResult<Vec<(String, i64)>> {
        let mut conn = self.conn()?;
        Ok(blocks::table
            .order(blocks::pattern.asc())
            .select((blocks::pattern, blocks::created_at))
            .load(&mut *conn)?)
    }

    /// True if any of the given names (domain, user@host, actor URL) is blocked.
    pub fn is_blocked(&self, names: &[String]) -> DbResult<bool> {
        let mut conn = self.conn()?;
        let n: i64 = blocks::table
            .filter(blocks::pattern.eq_any(names))
            .count()
            .get_result(&mut *conn)?;
        Ok(n > 0)
    }
}
