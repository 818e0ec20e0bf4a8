//! The durable inbox: activities are stored before they are acknowledged,
//! then processed by a worker. A row is claimed with a lease, so a crash
//! mid-processing only delays it.

use super::schema::inbox_activities;
use super::{now_ms, per_backend, Db, DbError, DbResult};
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = inbox_activities)]
pub struct IncomingActivity {
    pub id: i64,
    pub activity_id: String,
    pub kind: String,
    pub actor_uri: String,
    pub group_id: Option<i64>,
    pub body: String,
    pub received_at: i64,
    pub processed_at: Option<i64>,
    pub outcome: Option<String>,
    pub locked_until: i64,
    pub claim_token: String,
    /// Failed attempts so far (see `activities::retry`).
    pub attempts: i32,
    pub last_error: Option<String>,
    /// Set once the retries ran out: the row is never claimed again.
    pub failed_at: Option<i64>,
}

impl Db {
    /// Stores an incoming activity; false if its id was seen before.
    pub fn store_incoming(
        &self,
        activity_id: &str,
        kind: &str,
        actor_uri: &str,
        group_id: Option<i64>,
        body: &str,
    ) -> DbResult<bool> {
        let mut conn = self.conn()?;
        let row = (
            inbox_activities::activity_id.eq(activity_id),
            inbox_activities::kind.eq(kind),
            inbox_activities::actor_uri.eq(actor_uri),
            inbox_activities::group_id.eq(group_id),
            inbox_activities::body.eq(body),
            inbox_activities::received_at.eq(now_ms()),
        );
        let n = per_backend!(&mut *conn, |c| diesel::insert_into(inbox_activities::table)
            .values(row)
            .on_conflict_do_nothing()
            .execute(c))?;
        Ok(n > 0)
    }

    /// Claims up to `limit` unprocessed activities, oldest first, for
    /// `lease_ms`. The claim is a conditional update, so two workers never
    /// hold the same row. A row waiting out its backoff (`locked_until` in
    /// the future) or failed for good is left alone.
    pub fn claim_incoming(&self, limit: i64, lease_ms: i64) -> DbResult<Vec<IncomingActivity>> {
        let now = now_ms();
        let mut pooled = self.conn()?;
        let conn: &mut super::DbConn = &mut pooled;
        let candidates: Vec<i64> = inbox_activities::table
            .filter(inbox_activities::processed_at.is_null())
            .filter(inbox_activities::failed_at.is_null())
            .filter(inbox_activities::locked_until.lt(now))
            .order(inbox_activities::id.asc())
            .limit(limit)
            .select(inbox_activities::id)
            .load(conn)?;
        // One statement claims the batch; the token says which rows this
        // worker won (see `db::claim`).
        let token = super::claim_token()?;
        conn.transaction::<_, DbError, _>(|conn| {
            Ok(diesel::update(
                inbox_activities::table
                    .filter(inbox_activities::id.eq_any(&candidates))
                    .filter(inbox_activities::processed_at.is_null())
                    .filter(inbox_activities::failed_at.is_null())
                    .filter(inbox_activities::locked_until.lt(now)),
            )
            .set((
                inbox_activities::locked_until.eq(now + lease_ms),
                inbox_activities::claim_token.eq(&token),
            ))
            .execute(conn)?)
        })?;
        let claimed: Vec<i64> = inbox_activities::table
            .filter(inbox_activities::id.eq_any(&candidates))
            .filter(inbox_activities::claim_token.eq(&token))
            .select(inbox_activities::id)
            .load(conn)?;
        Ok(inbox_activities::table
            .filter(inbox_activities::id.eq_any(&claimed))
            .order(inbox_activities::id.asc())
            .select(IncomingActivity::as_select())
            .load(conn)?)
    }

    /// Records the outcome and drops the body: once processed, only the
    /// audit line (who, what kind, when, what came of it) is kept. A
    /// republished post lives on as the group's copy, which a Delete
    /// removes; no second copy of what members wrote stays behind.
    pub fn finish_incoming(&self, id: i64, outcome: &str) -> DbResult<()> {
        let mut conn = self.conn()?;
        diesel::update(inbox_activities::table.filter(inbox_activities::id.eq(id)))
            .set((
                inbox_activities::processed_at.eq(now_ms()),
                inbox_activities::outcome.eq(outcome),
                inbox_activities::body.eq("{}"),
                inbox_activities::claim_token.eq(""),
            ))
            .execute(&mut *conn)?;
        Ok(())
    }

    pub fn incoming_by_activity_id(&self, activity_id: &str) -> DbResult<Option<IncomingActivity>> {
        let mut conn = self.conn()?;
        Ok(inbox_activities::table
            .filter(inbox_activities::activity_id.eq(activity_id))
            .select(IncomingActivity::as_select())
            .first(&mut *conn)
            .optional()?)
    }
}
