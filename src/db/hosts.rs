//! Servers given up on. When a delivery's retry schedule ends in failure
//! (about two days of failures), its server is parked: what is queued for
//! it from then on is held (state `held`) instead of each delivery
//! running its own two-day schedule against a server that is gone. It is
//! unparked as soon as it shows signs of life: a signed activity from it,
//! a delivery it accepts, or a probe of its NodeInfo that answers (see
//! `delivery::probe`); its held deliveries then go out.

use super::queue::{Attempt, HELD, PENDING};
use super::schema::{deliveries, unavailable_hosts};
use super::{now_ms, per_backend, Db, DbConn, DbError, DbResult};
use diesel::prelude::*;
use std::collections::HashMap;

/// A parked server due for a probe.
#[derive(Debug, Clone)]
pub struct ProbeDue {
    pub host: String,
    pub since: i64,
    /// Failed probes so far.
    pub probes: i32,
    /// When the probe fell due (0: just parked, none scheduled yet); the
    /// token of the claim on it.
    pub next_probe_at: i64,
    /// An inbox of it, whose origin the probe asks.
    pub inbox: Option<String>,
}

impl Db {
    /// Unparks `host` (its held deliveries go out); true if it was parked.
    pub fn unpark_host(&self, host: &str) -> DbResult<bool> {
        let mut pooled = self.conn()?;
        let conn: &mut DbConn = &mut pooled;
        // Every processed activity asks: one read in the usual case (not
        // parked), the transaction only when there is something to undo.
        if parked_among(conn, Some(&[host.to_string()]))?.is_empty() {
            return Ok(false);
        }
        let n = conn.transaction::<_, DbError, _>(|c| unpark_all(c, &[host.to_string()]))?;
        Ok(n > 0)
    }

    /// Parked servers and since when, for `demesh queue`.
    pub fn parked_hosts(&self) -> DbResult<HashMap<String, i64>> {
        let mut conn = self.conn()?;
        parked_among(&mut conn, None)
    }

    /// Parked servers whose probe is due (or not scheduled yet).
    pub fn probes_due(&self) -> DbResult<Vec<ProbeDue>> {
        let mut conn = self.conn()?;
        let rows: Vec<(String, i64, i32, i64)> = unavailable_hosts::table
            .filter(unavailable_hosts::next_probe_at.le(now_ms()))
            .select((
                unavailable_hosts::host,
                unavailable_hosts::since,
                unavailable_hosts::probes,
                unavailable_hosts::next_probe_at,
            ))
            .load(&mut *conn)?;
        let mut due = Vec::with_capacity(rows.len());
        for (host, since, probes, next_probe_at) in rows {
            let inbox = deliveries::table
                .filter(deliveries::host.eq(&host))
                .order(deliveries::id.desc())
                .select(deliveries::inbox)
                .first(&mut *conn)
                .optional()?;
            due.push(ProbeDue {
                host,
                since,
                probes,
                next_probe_at,
                inbox,
            });
        }
        Ok(due)
    }

    /// Moves a parked server's next probe from `due` (as read) to `at`,
    /// and counts a failed probe if `failed`. False if another process
    /// changed it first (it probes, this one does not).
    pub fn schedule_probe(&self, host: &str, due: i64, at: i64, failed: bool) -> DbResult<bool> {
        let mut conn = self.conn()?;
        let row = unavailable_hosts::table
            .filter(unavailable_hosts::host.eq(host))
            .filter(unavailable_hosts::next_probe_at.eq(due));
        let n = if failed {
            diesel::update(row)
                .set((
                    unavailable_hosts::next_probe_at.eq(at),
                    unavailable_hosts::probes.eq(unavailable_hosts::probes + 1),
                ))
                .execute(&mut *conn)?
        } else {
            diesel::update(row)
                .set(unavailable_hosts::next_probe_at.eq(at))
                .execute(&mut *conn)?
        };
        Ok(n == 1)
    }
}

/// Which of `hosts` (all, for `None`) are parked, and since when.
pub(super) fn parked_among(
    conn: &mut DbConn,
    hosts: Option<&[String]>,
) -> DbResult<HashMap<String, i64>> {
    let mut query = unavailable_hosts::table
        .select((unavailable_hosts::host, unavailable_hosts::since))
        .into_boxed();
    if let Some(hosts) = hosts {
        query = query.filter(unavailable_hosts::host.eq_any(hosts.to_vec()));
    }
    Ok(query.load::<(String, i64)>(conn)?.into_iter().collect())
}

/// Parks `host` (kept as it was if already parked). Its deliveries still
/// waiting for a retry are held with what comes next.
pub(super) fn park(conn: &mut DbConn, host: &str, error: &str) -> DbResult<()> {
    let row = (
        unavailable_hosts::host.eq(host),
        unavailable_hosts::since.eq(now_ms()),
        unavailable_hosts::last_error.eq(error),
    );
    per_backend!(conn, |c| diesel::insert_into(unavailable_hosts::table)
        .values(row)
        .on_conflict_do_nothing()
        .execute(c))?;
    diesel::update(
        deliveries::table
            .filter(deliveries::host.eq(host))
            .filter(deliveries::state.eq(PENDING))
            .filter(deliveries::claim_token.eq("")),
    )
    .set(deliveries::state.eq(HELD))
    .execute(conn)?;
    Ok(())
}

/// Holds the retries among `attempts` whose server is parked: they were
/// in flight when it was parked (so `park` left them alone), and would
/// otherwise keep their own retry schedule instead of waiting with the
/// rest of that server's deliveries. Run in the transaction recording
/// them.
pub(super) fn hold_retries_to_parked(conn: &mut DbConn, attempts: &[Attempt]) -> DbResult<()> {
    let retrying: Vec<String> = attempts
        .iter()
        .filter(|a| a.next_attempt_at.is_some())
        .map(|a| a.host.clone())
        .collect();
    if retrying.is_empty() {
        return Ok(());
    }
    let parked = parked_among(conn, Some(&retrying))?;
    let held: Vec<i64> = attempts
        .iter()
        .filter(|a| a.next_attempt_at.is_some() && parked.contains_key(&a.host))
        .map(|a| a.id)
        .collect();
    if !held.is_empty() {
        diesel::update(
            deliveries::table
                .filter(deliveries::id.eq_any(&held))
                .filter(deliveries::state.eq(PENDING)),
        )
        .set(deliveries::state.eq(HELD))
        .execute(conn)?;
    }
    Ok(())
}

/// Unparks every host in `hosts` and releases their held deliveries, to
/// go out now; how many hosts were parked. Run inside a transaction.
pub(super) fn unpark_all(conn: &mut DbConn, hosts: &[String]) -> DbResult<usize> {
    let n = diesel::delete(unavailable_hosts::table.filter(unavailable_hosts::host.eq_any(hosts)))
        .execute(conn)?;
    if n > 0 {
        let now = now_ms();
        diesel::update(
            deliveries::table
                .filter(deliveries::host.eq_any(hosts))
                .filter(deliveries::state.eq(HELD)),
        )
        .set((
            deliveries::state.eq(PENDING),
            deliveries::next_attempt_at.eq(now),
            deliveries::updated_at.eq(now),
            deliveries::last_error.eq(None::<String>),
        ))
        .execute(conn)?;
    }
    Ok(n)
}
