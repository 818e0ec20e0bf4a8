//! Stored activities whose processing failed: each failure is counted and
//! the row waits (its `locked_until`) before it is claimed again; once the
//! retries run out it is marked failed with its error, kept for the admin
//! (`demesh inbox --failed`) and never claimed again.

use super::schema::inbox_activities;
use super::{now_ms, Db, DbResult};
use diesel::prelude::*;

/// Longest error kept: enough for a database's message, not for an
/// echo of a hostile body.
const MAX_ERROR_CHARS: usize = 500;

/// One stored activity not processed (yet), for `demesh inbox`.
#[derive(Debug, Clone, Queryable, serde::Serialize)]
pub struct StoredActivity {
    pub id: i64,
    pub activity_id: String,
    pub kind: String,
    pub actor_uri: String,
    pub received_at: i64,
    pub attempts: i32,
    /// When it is next tried (0: as soon as a worker is free).
    pub next_attempt_at: i64,
    pub last_error: Option<String>,
    pub failed_at: Option<i64>,
}

impl Db {
    /// Records a failed attempt of a claimed activity. `retry_at`: when
    /// to try it again; `None`: its retries ran out, it is failed for good.
    pub fn retry_incoming(&self, id: i64, error: &str, retry_at: Option<i64>) -> DbResult<()> {
        // The error may quote what the database refused, NUL included,
        // which PostgreSQL would refuse again here.
        let error: String = error
            .replace('\0', "\\0")
            .chars()
            .take(MAX_ERROR_CHARS)
            .collect();
        let mut conn = self.conn()?;
        diesel::update(inbox_activities::table.filter(inbox_activities::id.eq(id)))
            .set((
                inbox_activities::attempts.eq(inbox_activities::attempts + 1),
                inbox_activities::last_error.eq(error),
                inbox_activities::locked_until.eq(retry_at.unwrap_or(0)),
                inbox_activities::claim_token.eq(""),
                inbox_activities::failed_at.eq(retry_at.is_none().then(now_ms)),
            ))
            .execute(&mut *conn)?;
        Ok(())
    }

    /// Stored activities not processed yet (`failed`: false), or failed
    /// for good (`failed`: true), oldest first.
    pub fn stored_incoming(&self, failed: bool) -> DbResult<Vec<StoredActivity>> {
        let mut conn = self.conn()?;
        let query = inbox_activities::table
            .filter(inbox_activities::processed_at.is_null())
            .order(inbox_activities::id.asc())
            .select((
                inbox_activities::id,
                inbox_activities::activity_id,
                inbox_activities::kind,
                inbox_activities::actor_uri,
                inbox_activities::received_at,
                inbox_activities::attempts,
                inbox_activities::locked_until,
                inbox_activities::last_error,
                inbox_activities::failed_at,
            ))
            .into_boxed();
        let query = if failed {
            query.filter(inbox_activities::failed_at.is_not_null())
        } else {
            query.filter(inbox_activities::failed_at.is_null())
        };
        Ok(query.load(&mut *conn)?)
    }

    /// (waiting to be processed, failed for good), for `/metrics`.
    pub fn incoming_counts(&self) -> DbResult<(i64, i64)> {
        let mut conn = self.conn()?;
        let waiting = inbox_activities::table
            .filter(inbox_activities::processed_at.is_null())
            .filter(inbox_activities::failed_at.is_null())
            .count()
            .get_result(&mut *conn)?;
        let failed = inbox_activities::table
            .filter(inbox_activities::processed_at.is_null())
            .filter(inbox_activities::failed_at.is_not_null())
            .count()
            .get_result(&mut *conn)?;
        Ok((waiting, failed))
    }
}
