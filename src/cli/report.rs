//! `demesh report …`: reports (Flags) about groups' posts and members.

use super::group::find;
use super::output::{human_time, print_json};
use crate::config::Config;
use crate::db::DbError;
use crate::moderation::audited;
use anyhow::anyhow;
use clap::Subcommand;
use serde::Serialize;
use serde_json::Value;

#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// List reports sent to the groups (Flag activities from Mastodon, GoToSocial …), oldest
    /// first, open and resolved
    List {
        /// Only reports to this group
        #[arg(long, value_name = "NAME")]
        group: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Mark a report as dealt with
    Resolve {
        /// The report's number, as `report list` shows it
        id: i64,
    },
}

#[derive(Serialize)]
struct Row {
    id: i64,
    group: String,
    /// The Flag's signer: usually the reporter's server's instance actor.
    reporter: String,
    comment: String,
    /// The group posts named: {"note", "original", "author"}.
    posts: Value,
    /// The members named.
    accounts: Value,
    received: String,
    resolved: Option<String>,
}

pub fn run(config: Config, cmd: ReportCommand) -> anyhow::Result<()> {
    let db = crate::opening::existing(&config)?;
    match cmd {
        ReportCommand::List { group, json } => {
            let group_id = match group {
                Some(name) => Some(find(&db, &name)?.id),
                None => None,
            };
            let rows: Vec<Row> = db
                .list_reports(group_id)?
                .into_iter()
                .map(|r| Row {
                    id: r.id,
                    group: r.group,
                    reporter: r.reporter_uri,
                    comment: r.comment,
                    posts: serde_json::from_str(&r.posts_json).unwrap_or(Value::Null),
                    accounts: serde_json::from_str(&r.accounts_json).unwrap_or(Value::Null),
                    received: crate::documents::rfc3339(r.created_at),
                    resolved: r.resolved_at.map(crate::documents::rfc3339),
                })
                .collect();
            if json {
                return print_json(&rows);
            }
            if rows.is_empty() {
                println!("no reports");
            }
            for r in rows {
                let state = if r.resolved.is_some() {
                    "resolved"
                } else {
                    "open"
                };
                let at = chrono::DateTime::parse_from_rfc3339(&r.received)
                    .map_or(0, |t| t.timestamp_millis());
                println!(
                    "#{:<4} {:<12} {state:<8} {}  from {}",
                    r.id,
                    r.group,
                    human_time(at),
                    r.reporter
                );
                for p in r.posts.as_array().into_iter().flatten() {
                    println!(
                        "      post {} by {}",
                        p["note"].as_str().unwrap_or_default(),
                        p["author"].as_str().unwrap_or_default()
                    );
                }
                for a in r.accounts.as_array().into_iter().flatten() {
                    println!("      member {}", a.as_str().unwrap_or_default());
                }
                if !r.comment.is_empty() {
                    println!("      comment: {}", r.comment);
                }
            }
        }
        ReportCommand::Resolve { id } => {
            let group = match db.list_reports(None)?.into_iter().find(|r| r.id == id) {
                Some(r) => Some(find(&db, &r.group)?),
                None => None,
            };
            let done = audited(
                &db,
                group.as_ref(),
                &format!("report resolve {id}"),
                |tx| match tx.resolve_report(id) {
                    Ok(Some((_, true))) => Ok(format!("report #{id} resolved")),
                    Ok(Some((_, false))) => Err(anyhow!("report #{id} was resolved already")),
                    Ok(None) | Err(DbError::NotFound) => {
                        Err(anyhow!("no report #{id} (see `demesh report list`)"))
                    }
                    Err(e) => Err(e.into()),
                },
            )?;
            println!("{done}");
        }
    }
    Ok(())
}
