//! `demesh audit`: the changes admins and moderators made, from the CLI
//! and from moderators' apps (issues #12, #26).

use super::group::find;
use super::output::{human_time, print_json};
use crate::config::Config;
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

/// Which entries to show.
pub struct Filter {
    pub group: Option<String>,
    /// A duration back from now (`7d`) or an RFC 3339 time.
    pub since: Option<String>,
    /// The last N.
    pub limit: Option<u32>,
}

pub fn run(config: Config, filter: Filter, json: bool) -> anyhow::Result<()> {
    // Checked before the database is opened: a typo costs nothing.
    let since = filter.since.as_deref().map(parse_since).transpose()?;
    let db = crate::opening::existing(&config)?;
    let group_id = match filter.group {
        Some(name) => Some(find(&db, &name)?.id),
        None => None,
    };
    let entries = db.audit_entries(group_id, since, filter.limit.map(i64::from))?;
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
        println!("no admin or moderation commands recorded");
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

/// `--since`: `7d`, `12h`, `30m`, `2w` back from now, or an RFC 3339 time;
/// milliseconds since the epoch.
fn parse_since(text: &str) -> anyhow::Result<i64> {
    if let Ok(at) = chrono::DateTime::parse_from_rfc3339(text.trim()) {
        return Ok(at.timestamp_millis());
    }
    let back = crate::invite::parse_duration(text).map_err(|e| {
        anyhow::anyhow!("--since {text:?}: not an RFC 3339 time nor a duration ({e})")
    })?;
    Ok(crate::db::now_ms() - back)
}

#[cfg(test)]
mod tests {
    use super::parse_since;

    #[test]
    fn since_takes_durations_and_times() {
        let now = crate::db::now_ms();
        let week = parse_since("7d").expect("7d");
        assert!((now - 7 * 86_400_000 - week).abs() < 5_000, "{week}");
        assert_eq!(
            parse_since("2026-12-01T10:00:00Z").expect("rfc3339"),
            1_796_119_200_000
        );
        let err = parse_since("yesterday").expect_err("bad").to_string();
        assert!(err.contains("--since"), "{err}");
    }
}
