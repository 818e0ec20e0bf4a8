//! Deleting a group. The group's row stays as a tombstone: other servers
//! remember the group and its key, so its name is never given to a new
//! group, and its key still signs the `Delete` that tells the members'
//! servers the group is gone. Everything the group held goes.

use super::queue::Target;
use super::schema::{allows, groups, inbox_activities, memberships, outgoing_activities, posts};
use super::{now_ms, Db, DbConn, DbError, DbResult};
use diesel::prelude::*;

impl Db {
    /// Queues the group's `Delete` (id `delete_id`) to `targets`, then, in
    /// one transaction, marks the group deleted and removes its
    /// memberships, pre-approvals, posts, the activities received at its
    /// inbox, and its other outgoing activities with their deliveries.
    /// Queued first: if the rest fails, running it again repeats both.
    pub fn retire_group(
        &self,
        group_id: i64,
        delete_id: &str,
        delete_body: &str,
        targets: &[Target],
    ) -> DbResult<()> {
        // One transaction: the Delete is queued if and only if the group
        // is retired.
        self.transaction(|tx| {
            tx.enqueue(group_id, delete_id, delete_body, targets)?;
            let mut pooled = tx.conn()?;
            let conn: &mut DbConn = &mut pooled;
            conn.transaction::<(), DbError, _>(|conn| {
                diesel::update(groups::table.filter(groups::id.eq(group_id)))
                    .set(groups::deleted_at.eq(now_ms()))
                    .execute(conn)?;
                diesel::delete(memberships::table.filter(memberships::group_id.eq(group_id)))
                    .execute(conn)?;
                diesel::delete(allows::table.filter(allows::group_id.eq(group_id)))
                    .execute(conn)?;
                // Its Blocks end with it (the actor is gone): nothing to lift.
                diesel::delete(
                    super::schema::group_blocks::table
                        .filter(super::schema::group_blocks::group_id.eq(group_id)),
                )
                .execute(conn)?;
                diesel::delete(posts::table.filter(posts::group_id.eq(group_id))).execute(conn)?;
                diesel::delete(
                    inbox_activities::table.filter(inbox_activities::group_id.eq(group_id)),
                )
                .execute(conn)?;
                // Deliveries go with their activity (ON DELETE CASCADE).
                diesel::delete(
                    outgoing_activities::table
                        .filter(outgoing_activities::group_id.eq(group_id))
                        .filter(outgoing_activities::activity_id.ne(delete_id)),
                )
                .execute(conn)?;
                Ok(())
            })
        })
    }
}
