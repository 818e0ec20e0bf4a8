//! What the delivery queue looks like from outside: per-server totals
//! for `demesh queue`, gauges for `/metrics`.

use super::queue::{DeliveryState, PENDING};
use super::schema::deliveries;
use super::{now_ms, Db, DbResult};
use diesel::prelude::*;

/// Delivery totals for one server, for `demesh queue`.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct HostStatus {
    pub host: String,
    pub pending: i64,
    pub delivered: i64,
    pub failed: i64,
    /// Queued while the server was parked; sent once it is back.
    pub held: i64,
    pub oldest_pending_at: Option<i64>,
    pub next_attempt_at: Option<i64>,
    pub last_error: Option<String>,
    /// Set while the server is parked (see `db::hosts`).
    pub unavailable_since: Option<i64>,
}

/// host, state, rows, oldest `created_at`, earliest `next_attempt_at`.
type StateCount = (String, DeliveryState, i64, Option<i64>, Option<i64>);

impl Db {
    /// (groups, approved members, pending follow requests), for
    /// `/metrics`; deleted groups and their members are not counted.
    pub fn population_gauges(&self) -> DbResult<(i64, i64, i64)> {
        use super::memberships::{APPROVED, PENDING};
        use super::schema::{groups, memberships};
        let mut conn = self.conn()?;
        let groups_n: i64 = groups::table
            .filter(groups::deleted_at.is_null())
            .count()
            .get_result(&mut *conn)?;
        let mut in_state = |state| -> DbResult<i64> {
            Ok(memberships::table
                .filter(memberships::state.eq(state))
                .count()
                .get_result(&mut *conn)?)
        };
        Ok((groups_n, in_state(APPROVED)?, in_state(PENDING)?))
    }

    /// (pending deliveries, age in seconds of the oldest, unprocessed
    /// incoming activities), for `/metrics`.
    pub fn queue_gauges(&self) -> DbResult<(i64, f64, i64)> {
        use super::schema::inbox_activities;
        let mut conn = self.conn()?;
        let pending: i64 = deliveries::table
            .filter(deliveries::state.eq(PENDING))
            .count()
            .get_result(&mut *conn)?;
        let oldest: Option<i64> = deliveries::table
            .filter(deliveries::state.eq(PENDING))
            .select(diesel::dsl::min(deliveries::created_at))
            .first(&mut *conn)?;
        let backlog: i64 = inbox_activities::table
            .filter(inbox_activities::processed_at.is_null())
            .filter(inbox_activities::failed_at.is_null())
            .count()
            .get_result(&mut *conn)?;
        let age = oldest.map_or(0.0, |t| (now_ms() - t).max(0) as f64 / 1000.0);
        Ok((pending, age, backlog))
    }

    /// Per-server delivery totals, busiest first.
    pub fn queue_status(&self) -> DbResult<Vec<HostStatus>> {
        use diesel::dsl::{count_star, min};
        let mut conn = self.conn()?;
        // Counted by the database: the table holds a row per server per
        // post, far too many to load for a summary.
        let counts: Vec<StateCount> = deliveries::table
            .group_by((deliveries::host, deliveries::state))
            .select((
                deliveries::host,
                deliveries::state,
                count_star(),
                min(deliveries::created_at),
                min(deliveries::next_attempt_at),
            ))
            .load(&mut *conn)?;
        let mut by_host: std::collections::BTreeMap<String, HostStatus> = Default::default();
        for (host, state, n, oldest, next) in counts {
            let s = by_host.entry(host.clone()).or_insert_with(|| HostStatus {
                host,
                ..HostStatus::default()
            });
            match state {
                DeliveryState::Pending => {
                    s.pending = n;
                    s.oldest_pending_at = oldest;
                    s.next_attempt_at = next;
                }
                DeliveryState::Delivered => s.delivered = n,
                DeliveryState::Held => s.held = n,
                DeliveryState::Failed => s.failed += n,
            }
        }
        // Each server's most recent error, from the rows that have one.
        let errors: Vec<(String, Option<String>)> = deliveries::table
            .filter(deliveries::last_error.is_not_null())
            .order(deliveries::updated_at.asc())
            .select((deliveries::host, deliveries::last_error))
            .load(&mut *conn)?;
        for (host, error) in errors {
            if let Some(s) = by_host.get_mut(&host) {
                s.last_error = error;
            }
        }
        drop(conn);
        for (host, since) in self.parked_hosts()? {
            if let Some(s) = by_host.get_mut(&host) {
                s.unavailable_since = Some(since);
            }
        }
        let mut all: Vec<HostStatus> = by_host.into_values().collect();
        all.sort_by(|a, b| b.pending.cmp(&a.pending).then(a.host.cmp(&b.host)));
        Ok(all)
    }
}
