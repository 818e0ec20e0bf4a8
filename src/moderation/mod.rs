//! Moderation (issue #12): the moderator role's powers from a fediverse
//! app. Commands by direct message (`commands`), parsed by `parse`, doing
//! what the CLI does (`actions`), recorded in the audit log (`audited`
//! for the CLI).

pub mod actions;
pub mod commands;
pub mod notices;
pub mod parse;
pub mod reports;

use crate::db::{AuditOutcome, Db, Group, NewAudit};

/// Who the audit log names for the CLI.
pub const CLI: &str = "cli";

/// Runs a CLI command's `work` and records it in the audit log, in one
/// transaction with its effects. A failure is recorded too (unless the
/// database itself failed), and returned.
pub fn audited(
    db: &Db,
    group: Option<&Group>,
    command: &str,
    work: impl FnOnce(&Db) -> anyhow::Result<String>,
) -> anyhow::Result<String> {
    audited_in(db, group.map(|g| g.id), command, |tx| {
        work(tx).map(|text| (None, text))
    })
}

/// As `audited`, for a command whose group exists only once it is done
/// (`group create`): `work` returns the group's id with its result.
pub fn audited_in(
    db: &Db,
    group_id: Option<i64>,
    command: &str,
    work: impl FnOnce(&Db) -> anyhow::Result<(Option<i64>, String)>,
) -> anyhow::Result<String> {
    let record = |tx: &Db, group_id, outcome, result: &str| {
        tx.record_audit(NewAudit {
            group_id,
            actor: CLI,
            command,
            outcome,
            result,
            activity_id: None,
        })
    };
    let done = db.transaction(|tx| {
        let (made, text) = work(tx)?;
        record(tx, made.or(group_id), AuditOutcome::Ok, &text)?;
        Ok::<_, anyhow::Error>(text)
    });
    match done {
        Err(e) if !actions::is_passing(&e) => {
            record(db, group_id, AuditOutcome::Failed, &format!("{e:#}"))?;
            Err(e)
        }
        other => other,
    }
}
