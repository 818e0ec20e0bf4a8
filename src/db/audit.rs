//! The audit log of moderation commands (issue #12).

use super::schema::{audit_log, groups};
use super::{now_ms, Db, DbResult};
use diesel::prelude::*;

/// How a command ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditOutcome {
    /// Carried out.
    Ok,
    /// Not carried out: bad argument, nothing to act on.
    Failed,
    /// Not carried out: the sender may not command the group.
    Refused,
}

impl AuditOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            AuditOutcome::Ok => "ok",
            AuditOutcome::Failed => "failed",
            AuditOutcome::Refused => "refused",
        }
    }
}

/// One command to record.
pub struct NewAudit<'a> {
    pub group_id: Option<i64>,
    /// "cli", or the moderator's actor URI.
    pub actor: &'a str,
    pub command: &'a str,
    pub outcome: AuditOutcome,
    pub result: &'a str,
    /// The direct message that carried it, if any.
    pub activity_id: Option<&'a str>,
}

/// A recorded command, with its group's name.
#[derive(Debug, Clone, Queryable)]
pub struct AuditEntry {
    pub id: i64,
    pub group: Option<String>,
    pub actor: String,
    pub command: String,
    pub outcome: String,
    pub result: String,
    pub created_at: i64,
}

impl Db {
    pub fn record_audit(&self, entry: NewAudit<'_>) -> DbResult<()> {
        let mut conn = self.conn()?;
        diesel::insert_into(audit_log::table)
            .values((
                audit_log::group_id.eq(entry.group_id),
                audit_log::actor.eq(entry.actor),
                audit_log::command.eq(entry.command),
                audit_log::outcome.eq(entry.outcome.as_str()),
                audit_log::result.eq(entry.result),
                audit_log::activity_id.eq(entry.activity_id),
                audit_log::created_at.eq(now_ms()),
            ))
            .execute(&mut *conn)?;
        Ok(())
    }

    /// True if the command carried by `activity_id` to the group was
    /// recorded already (a retried activity).
    pub fn audited_activity(&self, group_id: i64, activity_id: &str) -> DbResult<bool> {
        let mut conn = self.conn()?;
        let n: i64 = audit_log::table
            .filter(audit_log::group_id.eq(group_id))
            .filter(audit_log::activity_id.eq(activity_id))
            .count()
            .get_result(&mut *conn)?;
        Ok(n > 0)
    }

    /// The log, oldest first; of one group (and none of the server-wide
    /// commands) when `group_id` is given; from `since` (ms) on; the last
    /// `limit` entries.
    pub fn audit_entries(
        &self,
        group_id: Option<i64>,
        since: Option<i64>,
        limit: Option<i64>,
    ) -> DbResult<Vec<AuditEntry>> {
        let mut conn = self.conn()?;
        let mut query = audit_log::table.left_join(groups::table).into_boxed();
        if let Some(id) = group_id {
            query = query.filter(audit_log::group_id.eq(id));
        }
        if let Some(since) = since {
            query = query.filter(audit_log::created_at.ge(since));
        }
        if let Some(n) = limit {
            query = query.limit(n);
        }
        // Newest first, so a limit keeps the last entries; shown oldest first.
        let mut entries = query
            .order(audit_log::id.desc())
            .select((
                audit_log::id,
                groups::name.nullable(),
                audit_log::actor,
                audit_log::command,
                audit_log::outcome,
                audit_log::result,
                audit_log::created_at,
            ))
            .load::<AuditEntry>(&mut *conn)?;
        entries.reverse();
        Ok(entries)
    }
}
