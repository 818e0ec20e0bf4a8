//! `demesh audit`: the moderation commands given, from the CLI and from
//! moderators' apps (issue #12).

use super::group::find;
use super::output::{human_time, print_json};
use crate::config::Config;
use crate::db::Db;
use serde::Serialize;

#[derive(Serialize)]
struct Row {
    id: i64,
    /// None for server-wide commands (blocks).
    group: Option<String>,
    /// "cli", or the moderator's actor URL.
    actor: String,
    command: String,
    /// ok | failed | refused
    outcome: String,
    result: String,
    at: String,
}

pub fn run(config: Config, group: Option<String>, json: bool) -> anyhow::Result<()> {
    let db = Db::connect(&config.database_url)?;
    let group_id = match group {
        Some(name) => Some(find(&db, &name)?.id),
        None => None,
    };
    let entries = db.audit_entries(group_id)?;
    if json {
        let rows: Vec<Row> = entries
            .into_iter()
            .map(|e| Row {
                id: e.id,
                group: e.group,
                actor: e.actor,
                command: e.command,
                outcome: e.outcome,
                result: e.result,
                at: crate::documents::rfc3339(e.created_at),
            })
            .collect();
        return print_json(&rows);
    }
    if entries.is_empty() {
        println!("no moderation commands recorded");
    }
    for e in entries {
        println!(
            "{}  {:<10} {:<8} {}: {}\n    -> {}",
            human_time(e.created_at),
            e.group.as_deref().unwrap_or("(server)"),
            e.outcome,
            e.actor,
            e.command,
            e.result
        );
    }
    Ok(())
}
