//! The delivery queue: each outgoing activity is stored once, and each
//! target inbox has its own delivery row with its retry state.

use super::schema::{deliveries, groups, outgoing_activities};
use super::{now_ms, per_backend, Db, DbError, DbResult};
use diesel::prelude::*;

pub use super::states::DeliveryState;
pub const PENDING: DeliveryState = DeliveryState::Pending;
pub const DELIVERED: DeliveryState = DeliveryState::Delivered;
pub const FAILED: DeliveryState = DeliveryState::Failed;
/// For a parked server: not sent until it is back (see `hosts`).
pub const HELD: DeliveryState = DeliveryState::Held;

/// Where one copy goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub inbox: String,
    /// The actor, when `inbox` is a personal inbox (a 410 then ends them).
    pub recipient: Option<String>,
    /// For a group post to a shared inbox: the FEP-8fcf digest of the
    /// group's members there (see `federation::sync`).
    pub sync_digest: Option<String>,
}

/// A delivery claimed by a worker, with what it needs to send it.
#[derive(Debug, Clone, Queryable)]
pub struct DueDelivery {
    pub id: i64,
    /// The outgoing activity's id, for logs.
    pub activity_id: String,
    pub inbox: String,
    pub recipient: Option<String>,
    pub attempts: i32,
    pub body: String,
    pub group_name: String,
    /// The claim's expiry as set by the claim.
    pub locked_until: i64,
    pub sync_digest: Option<String>,
    /// The claim's token, which proves the claim is still ours when it is
    /// renewed (see `db::claim`).
    pub claim_token: String,
    /// When the activity was queued (milliseconds): a late delivery is
    /// re-dated (`delivery::late`).
    pub queued_at: i64,
}

/// The result of one delivery attempt, to be recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    pub id: i64,
    pub state: DeliveryState,
    pub status: Option<u16>,
    pub error: Option<String>,
    /// `Some`: retry then; `None`: the delivery ends as `state`.
    pub next_attempt_at: Option<i64>,
    /// The account behind a personal inbox that answered 410 Gone.
    pub gone_actor: Option<String>,
    /// The delivery's server (host, with the port if any).
    pub host: String,
    /// The retry schedule ended in failure: park the server (see `hosts`).
    pub park: bool,
}

fn same_result(a: &Attempt, b: &Attempt) -> bool {
    (a.state, a.status, &a.error, a.next_attempt_at)
        == (b.state, b.status, &b.error, b.next_attempt_at)
}

/// The server of an inbox URL: host, with the port if any.
pub fn host_of(inbox: &str) -> String {
    url::Url::parse(inbox)
        .ok()
        .and_then(|u| {
            u.host_str()
                .map(|h| u.port().map_or(h.to_string(), |p| format!("{h}:{p}")))
        })
        .unwrap_or_default()
}

impl Db {
    /// Stores an activity and one delivery per distinct inbox, in one
    /// transaction: after this returns, a crash loses nothing.
    pub fn enqueue(
        &self,
        group_id: i64,
        activity_id: &str,
        body: &str,
        targets: &[Target],
    ) -> DbResult<usize> {
        let now = now_ms();
        let mut pooled = self.conn()?;
        let conn: &mut super::DbConn = &mut pooled;
        conn.transaction::<usize, DbError, _>(|conn| {
            let activity = (
                outgoing_activities::group_id.eq(group_id),
                outgoing_activities::activity_id.eq(activity_id),
                outgoing_activities::body.eq(body),
                outgoing_activities::created_at.eq(now),
            );
            per_backend!(conn, |c| diesel::insert_into(outgoing_activities::table)
                .values(activity)
                .on_conflict_do_nothing()
                .execute(c))?;
            let row_id: i64 = outgoing_activities::table
                .filter(outgoing_activities::activity_id.eq(activity_id))
                .select(outgoing_activities::id)
                .first(conn)?;
            // Parked servers get their row, held until they are back. It
            // carries no error text: `demesh queue` tells the operator
            // that the server is unavailable (and since when) from `hosts`.
            let hosts: Vec<String> = targets.iter().map(|t| host_of(&t.inbox)).collect();
            let parked = super::hosts::parked_among(conn, Some(&hosts))?;
            let rows: Vec<_> = targets
                .iter()
                .zip(&hosts)
                .map(|(t, host)| {
                    let held = parked.contains_key(host);
                    (
                        deliveries::activity_id.eq(row_id),
                        deliveries::inbox.eq(&t.inbox),
                        deliveries::host.eq(host.clone()),
                        deliveries::recipient.eq(&t.recipient),
                        deliveries::state.eq(if held { HELD } else { PENDING }),
                        deliveries::next_attempt_at.eq(now),
                        deliveries::created_at.eq(now),
                        deliveries::updated_at.eq(now),
                        deliveries::sync_digest.eq(&t.sync_digest),
                    )
                })
                .collect();
            // Multi-row inserts: a fan-out to a thousand servers is two
            // statements, not a thousand round trips. 500 rows of 10 values
            // stay far below both backends' limits on bound parameters.
            let mut added = 0;
            for chunk in rows.chunks(500) {
                added += per_backend!(conn, |c| diesel::insert_into(deliveries::table)
                    .values(chunk)
                    .on_conflict_do_nothing()
                    .execute(c))?;
            }
            Ok(added)
        })
    }

    /// The stored body of one of a group's outgoing activities.
    pub fn outgoing_activity(&self, group_id: i64, activity_id: &str) -> DbResult<Option<String>> {
        let mut conn = self.conn()?;
        Ok(outgoing_activities::table
            .filter(outgoing_activities::group_id.eq(group_id))
            .filter(outgoing_activities::activity_id.eq(activity_id))
            .select(outgoing_activities::body)
            .first(&mut *conn)
            .optional()?)
    }

    /// Claims due deliveries for `lease_ms` (a conditional update, so no
    /// two workers send the same one).
    pub fn claim_deliveries(&self, limit: i64, lease_ms: i64) -> DbResult<Vec<DueDelivery>> {
        let now = now_ms();
        let mut pooled = self.conn()?;
        let conn: &mut super::DbConn = &mut pooled;
        let candidates: Vec<i64> = deliveries::table
            .filter(deliveries::state.eq(PENDING))
            .filter(deliveries::next_attempt_at.le(now))
            .filter(deliveries::locked_until.lt(now))
            .filter(deliveries::after_delivery.is_null())
            .order(deliveries::next_attempt_at.asc())
            .limit(limit)
            .select(deliveries::id)
            .load(conn)?;
        // One statement claims the batch; the token says which of the
        // candidates this worker won (see `db::claim`).
        let token = super::claim_token()?;
        conn.transaction::<_, DbError, _>(|conn| {
            Ok(diesel::update(
                deliveries::table
                    .filter(deliveries::id.eq_any(&candidates))
                    .filter(deliveries::state.eq(PENDING))
                    .filter(deliveries::locked_until.lt(now)),
            )
            .set((
                deliveries::locked_until.eq(now + lease_ms),
                deliveries::claim_token.eq(&token),
            ))
            .execute(conn)?)
        })?;
        let claimed: Vec<i64> = deliveries::table
            .filter(deliveries::id.eq_any(&candidates))
            .filter(deliveries::claim_token.eq(&token))
            .select(deliveries::id)
            .load(conn)?;
        Ok(deliveries::table
            .inner_join(outgoing_activities::table.inner_join(groups::table))
            .filter(deliveries::id.eq_any(&claimed))
            .select((
                deliveries::id,
                outgoing_activities::activity_id,
                deliveries::inbox,
                deliveries::recipient,
                deliveries::attempts,
                outgoing_activities::body,
                groups::name,
                deliveries::locked_until,
                deliveries::sync_digest,
                deliveries::claim_token,
                outgoing_activities::created_at,
            ))
            .load::<DueDelivery>(conn)?)
    }

    /// Renews a claim just before sending, if it is still ours (no other
    /// worker took it over after it expired). Returns whether it was:
    /// if not, the delivery belongs to someone else and must not be sent
    /// from here.
    pub fn renew_claim(&self, id: i64, token: &str, lease_ms: i64) -> DbResult<bool> {
        let mut conn = self.conn()?;
        let n = diesel::update(
            deliveries::table
                .filter(deliveries::id.eq(id))
                .filter(deliveries::state.eq(PENDING))
                .filter(deliveries::claim_token.eq(token)),
        )
        .set(deliveries::locked_until.eq(now_ms() + lease_ms))
        .execute(&mut *conn)?;
        Ok(n == 1)
    }

    /// Records finished attempts in one transaction: one commit for a
    /// whole batch instead of one per delivery. An attempt with
    /// `next_attempt_at: Some` stays pending (retry); otherwise it ends as
    /// its `state`. (What a 410 means is `delivery::recorder`'s rule.)
    pub fn record_attempts(&self, attempts: &[Attempt]) -> DbResult<()> {
        let now = now_ms();
        let mut pooled = self.conn()?;
        let conn: &mut super::DbConn = &mut pooled;
        // Most results of a fan-out are alike (delivered, 202): one
        // statement per distinct result, not one per delivery.
        let mut alike: Vec<(&Attempt, Vec<i64>)> = Vec::new();
        for a in attempts {
            match alike.iter_mut().find(|(first, _)| same_result(first, a)) {
                Some((_, ids)) => ids.push(a.id),
                None => alike.push((a, vec![a.id])),
            }
        }
        conn.transaction::<(), DbError, _>(|conn| {
            for (a, ids) in &alike {
                diesel::update(deliveries::table.filter(deliveries::id.eq_any(ids)))
                    .set((
                        deliveries::state.eq(a.state),
                        deliveries::attempts.eq(deliveries::attempts + 1),
                        deliveries::next_attempt_at.eq(a.next_attempt_at.unwrap_or(now)),
                        deliveries::locked_until.eq(0),
                        deliveries::claim_token.eq(""),
                        deliveries::last_status.eq(a.status.map(i32::from)),
                        deliveries::last_error.eq(a.error.as_deref()),
                        deliveries::updated_at.eq(now),
                    ))
                    .execute(conn)?;
            }
            let ended: Vec<i64> = attempts
                .iter()
                .filter(|a| a.next_attempt_at.is_none())
                .map(|a| a.id)
                .collect();
            super::answers::release_waiting(conn, &ended, now)?;
            for a in attempts.iter().filter(|a| a.park) {
                super::hosts::park(conn, &a.host, a.error.as_deref().unwrap_or_default())?;
            }
            super::hosts::hold_retries_to_parked(conn, attempts)?;
            let answered: Vec<String> = attempts
                .iter()
                .filter(|a| a.state == DELIVERED)
                .map(|a| a.host.clone())
                .collect();
            if !answered.is_empty() {
                super::hosts::unpark_all(conn, &answered)?;
            }
            Ok(())
        })
    }

    /// Releases every claim. Only for a single-process (SQLite) start-up,
    /// where no other worker can hold one: what a crash left claimed goes
    /// out again at once instead of after the lease. A stored activity
    /// waiting out its backoff is not claimed, and keeps waiting.
    pub fn release_all_leases(&self) -> DbResult<()> {
        use super::schema::inbox_activities;
        let mut conn = self.conn()?;
        diesel::update(deliveries::table.filter(deliveries::claim_token.ne("")))
            .set((
                deliveries::locked_until.eq(0),
                deliveries::claim_token.eq(""),
            ))
            .execute(&mut *conn)?;
        diesel::update(
            inbox_activities::table
                .filter(inbox_activities::processed_at.is_null())
                .filter(inbox_activities::claim_token.ne("")),
        )
        .set((
            inbox_activities::locked_until.eq(0),
            inbox_activities::claim_token.eq(""),
        ))
        .execute(&mut *conn)?;
        Ok(())
    }
}
