//! How long finished deliveries are kept. Every post queues one row per
//! member server, so without an end the table grows by the number of
//! servers with every post (1,000 servers, 100 posts a day: 36 million
//! rows a year), and with it the disk and every scan of the queue.

use super::queue::DELIVERED;
use super::schema::deliveries;
use super::{Db, DbResult};
use diesel::prelude::*;

impl Db {
    /// Deletes up to `limit` deliveries that ended delivered before
    /// `before` (milliseconds), oldest first; returns how many.
    ///
    /// Only delivered rows go: failures stay for `demesh queue` and the
    /// parked-server probe (which sends to a server's last known inbox),
    /// and pending or held rows are work still to do. An ended delivery's
    /// `next_attempt_at` is when it ended (see `record_attempts`), so the
    /// queue's own (state, next_attempt_at) index finds them. A later
    /// answer still chained to a deleted row has nothing left to wait for
    /// (its `after_delivery` is set to NULL by the foreign key).
    pub fn prune_delivered(&self, before: i64, limit: i64) -> DbResult<usize> {
        let mut conn = self.conn()?;
        let ids: Vec<i64> = deliveries::table
            .filter(deliveries::state.eq(DELIVERED))
            .filter(deliveries::next_attempt_at.lt(before))
            .order(deliveries::next_attempt_at.asc())
            .limit(limit)
            .select(deliveries::id)
            .load(&mut *conn)?;
        if ids.is_empty() {
            return Ok(0);
        }
        Ok(diesel::delete(
            deliveries::table
                .filter(deliveries::id.eq_any(&ids))
                .filter(deliveries::state.eq(DELIVERED)),
        )
        .execute(&mut *conn)?)
    }
}
