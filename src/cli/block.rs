//! `demesh block …`: server-wide blocks of domains and accounts.

use super::block_csv::{self, Entry, Severity};
use super::output::{human_time, print_json};
use crate::account::block_pattern;
use crate::config::Config;
use crate::db::{domain_covers, memberships, Db, RemoteActor};
use crate::membership;
use crate::moderation::audited;
use crate::urls::Urls;
use anyhow::anyhow;
use clap::Subcommand;
use std::path::Path;

#[derive(Debug, Subcommand)]
pub enum BlockCommand {
    /// Block a domain (spam.example: its subdomains and every port too) or
    /// an account (@user@host, URL); their requests and posts are refused,
    /// and current members and requesters there are removed with a
    /// Reject{Follow} and a lasting Block from each group
    Add {
        target: String,
        /// Why, for the other admins (shown by `block list`, exported as
        /// the public comment)
        #[arg(long, value_name = "TEXT", default_value = "")]
        reason: String,
    },
    /// Lift a block: the groups send Undo{Block} to the accounts they blocked
    Remove { target: String },
    /// List blocks
    List {
        #[arg(long)]
        json: bool,
    },
    /// Add the domain blocks of a Mastodon domain-block CSV export
    /// (#domain,#severity,…): suspend and silence become blocks, noop is
    /// skipped; all or nothing
    Import {
        /// The CSV file (- for standard input)
        file: std::path::PathBuf,
    },
    /// Write the domain blocks as a Mastodon domain-block CSV to standard
    /// output (account blocks have no place in it)
    Export,
}

pub fn run(config: Config, cmd: BlockCommand) -> anyhow::Result<()> {
    let db = crate::opening::existing(&config)?;
    match cmd {
        BlockCommand::Add { target, reason } => {
            let urls = Urls::new(&config);
            let done = audited(&db, None, &format!("block add {target}"), |tx| {
                let pattern = block_pattern(&target).map_err(|e| anyhow!(e))?;
                let added = tx.add_block(&pattern, reason.trim())?;
                let removed = end_blocked_memberships(tx, &urls, &pattern)?;
                Ok(format!(
                    "{} {pattern}{}",
                    if added { "blocked" } else { "already blocked:" },
                    ended(removed)
                ))
            })?;
            println!("{done}");
        }
        BlockCommand::Remove { target } => {
            let urls = Urls::new(&config);
            let done = audited(&db, None, &format!("block remove {target}"), |tx| {
                let pattern = block_pattern(&target).map_err(|e| anyhow!(e))?;
                if !tx.list_blocks()?.iter().any(|b| b.pattern == pattern) {
                    return Err(anyhow!("{pattern} is not blocked"));
                }
                // One transaction: the Undo{Block}s and the block's end.
                let lifted = membership::lift_blocks(tx, &urls, |a| covers(&pattern, a))?;
                tx.remove_block(&pattern)?;
                Ok(format!(
                    "unblocked {pattern}{}",
                    if lifted > 0 {
                        format!(" (Undo{{Block}} queued to {lifted} account(s))")
                    } else {
                        String::new()
                    }
                ))
            })?;
            println!("{done}");
        }
        BlockCommand::List { json } => {
            let blocks = db.list_blocks()?;
            if json {
                let rows: Vec<_> = blocks
                    .iter()
                    .map(|b| {
                        serde_json::json!({
                            "target": b.pattern,
                            "reason": b.reason,
                            "since": crate::documents::rfc3339(b.created_at),
                        })
                    })
                    .collect();
                return print_json(&rows);
            }
            if blocks.is_empty() {
                println!("no blocks");
            }
            for b in blocks {
                let reason = if b.reason.is_empty() {
                    String::new()
                } else {
                    format!("  {}", b.reason)
                };
                println!(
                    "{:<40} since {}{reason}",
                    b.pattern,
                    human_time(b.created_at)
                );
            }
        }
        BlockCommand::Import { file } => {
            let entries = read_list(&file)?;
            let urls = Urls::new(&config);
            let command = format!("block import {}", file.display());
            let done = audited(&db, None, &command, |tx| import(tx, &urls, &entries))?;
            println!("{done}");
        }
        BlockCommand::Export => {
            let blocks = db.list_blocks()?;
            use std::io::Write;
            std::io::stdout()
                .lock()
                .write_all(block_csv::write(&blocks).as_bytes())
                .map_err(|e| anyhow!("cannot write the list: {e}"))?;
            let accounts = blocks.iter().filter(|b| !b.is_domain()).count();
            if accounts > 0 {
                eprintln!("{accounts} account block(s) left out: the format holds domains only");
            }
        }
    }
    Ok(())
}

fn ended(removed: usize) -> String {
    if removed > 0 {
        format!(" ({removed} membership(s) or request(s) ended)")
    } else {
        String::new()
    }
}

/// The entries of a block list, or one line saying what is wrong and where.
fn read_list(file: &Path) -> anyhow::Result<Vec<Entry>> {
    let text = if file == Path::new("-") {
        std::io::read_to_string(std::io::stdin())
    } else {
        std::fs::read_to_string(file)
    }
    .map_err(|e| anyhow!("cannot read {}: {e}", file.display()))?;
    block_csv::parse(&text).map_err(|e| anyhow!("{}: {e}", file.display()))
}

/// Adds every entry's block in the caller's transaction: a list is taken
/// whole or not at all.
fn import(tx: &Db, urls: &Urls, entries: &[Entry]) -> anyhow::Result<String> {
    let (mut imported, mut noop, mut already, mut removed) = (0, 0, 0, 0);
    for e in entries {
        if e.severity == Severity::Noop {
            noop += 1;
            continue;
        }
        if tx.add_block(&e.domain, &e.comment)? {
            imported += 1;
            removed += end_blocked_memberships(tx, urls, &e.domain)?;
        } else {
            already += 1;
        }
    }
    Ok(format!(
        "imported {imported}, skipped {noop} (noop), already blocked {already}{}",
        ended(removed)
    ))
}

/// True if the block `pattern` covers `actor`: its URL, its account, or
/// its server (a domain block covers subdomains and ports, as the inbox's
/// check does).
fn covers(pattern: &str, actor: &RemoteActor) -> bool {
    actor.uri == pattern
        || actor.acct().eq_ignore_ascii_case(pattern)
        || domain_covers(pattern, &actor.domain)
}

/// Ends the requests and memberships a new block covers; each account gets
/// a Reject{Follow} and the group's Block, which stands (their servers
/// drop the follow, GoToSocial included, and refuse to follow again).
fn end_blocked_memberships(db: &Db, urls: &Urls, pattern: &str) -> anyhow::Result<usize> {
    let mut ended = 0;
    for state in [memberships::PENDING, memberships::APPROVED] {
        for v in db.list_memberships(None, state)? {
            let Some(actor) = &v.actor else { continue };
            if covers(pattern, actor) {
                let group = db.group_by_name(&v.group)?;
                if membership::end(db, urls, &group, &actor.uri, membership::Ending::Ban)? {
                    ended += 1;
                }
            }
        }
    }
    Ok(ended)
}
