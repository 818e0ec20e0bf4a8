//! Deliveries a newer activity makes pointless. An `Update{Group}` carries
//! the group's whole profile, and member servers apply whichever `Update`
//! reaches them last: GoToSocial has no order check on actor updates, so
//! an older profile delivered after a newer one would stay on show. Two
//! changes in a row (name, then summary) are sent out together, in any
//! order, so the older one's unsent deliveries go when the newer is queued.

use super::queue::PENDING;
use super::schema::{deliveries, outgoing_activities};
use super::{Db, DbResult};
use diesel::prelude::*;

impl Db {
    /// Drops the deliveries not yet sent of the group's activities whose
    /// id starts with `prefix`, and returns how many. A claimed delivery
    /// whose sending has not begun is dropped too: its worker's renewal of
    /// the claim then finds no row, and it does not send.
    pub fn drop_unsent(&self, group_id: i64, prefix: &str) -> DbResult<usize> {
        let mut conn = self.conn()?;
        let activities: Vec<i64> = outgoing_activities::table
            .filter(outgoing_activities::group_id.eq(group_id))
            .filter(
                outgoing_activities::activity_id
                    .like(format!("{}%", super::posts::like_escape(prefix)))
                    .escape('\\'),
            )
            .select(outgoing_activities::id)
            .load(&mut *conn)?;
        Ok(diesel::delete(
            deliveries::table
                .filter(deliveries::activity_id.eq_any(&activities))
                .filter(deliveries::state.eq(PENDING)),
        )
        .execute(&mut *conn)?)
    }
}
