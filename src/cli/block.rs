//! `demesh block …`: server-wide blocks of domains and accounts.

use super::output::{human_time, print_json};
use crate::account::block_pattern;
use crate::config::Config;
use crate::db::{memberships, Db, RemoteActor};
use crate::membership;
use crate::moderation::audited;
use crate::urls::Urls;
use anyhow::anyhow;
use clap::Subcommand;

#[derive(Debug, Subcommand)]
pub enum BlockCommand {
    /// Block a domain (spam.example) or an account (@user@host, URL); their
    /// requests and posts are refused, and current members and requesters there
    /// are removed with a Reject{Follow} and a lasting Block from each group
    Add { target: String },
    /// Lift a block: the groups send Undo{Block} to the accounts they blocked
    Remove { target: String },
    /// List blocks
    List {
        #[arg(long)]
        json: bool,
    },
}

pub fn run(config: Config, cmd: BlockCommand) -> anyhow::Result<()> {
    let db = crate::opening::existing(&config)?;
    match cmd {
        BlockCommand::Add { target } => {
            let urls = Urls::new(&config);
            let done = audited(&db, None, &format!("block add {target}"), |tx| {
                let pattern = block_pattern(&target).map_err(|e| anyhow!(e))?;
                let added = tx.add_block(&pattern)?;
                let removed = end_blocked_memberships(tx, &urls, &pattern)?;
                Ok(format!(
                    "{} {pattern}{}",
                    if added { "blocked" } else { "already blocked:" },
                    if removed > 0 {
                        format!(" ({removed} membership(s) or request(s) ended)")
                    } else {
                        String::new()
                    }
                ))
            })?;
            println!("{done}");
        }
        BlockCommand::Remove { target } => {
            let urls = Urls::new(&config);
            let done = audited(&db, None, &format!("block remove {target}"), |tx| {
                let pattern = block_pattern(&target).map_err(|e| anyhow!(e))?;
                if !tx.list_blocks()?.iter().any(|(p, _)| *p == pattern) {
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
                    .map(|(p, at)| serde_json::json!({"target": p, "since": crate::documents::rfc3339(*at)}))
                    .collect();
                return print_json(&rows);
            }
            if blocks.is_empty() {
                println!("no blocks");
            }
            for (p, at) in blocks {
                println!("{p:<40} since {}", human_time(at));
            }
        }
    }
    Ok(())
}

/// True if the block `pattern` covers `actor` (its URL, account or server).
fn covers(pattern: &str, actor: &RemoteActor) -> bool {
    actor.uri == pattern
        || actor.acct().eq_ignore_ascii_case(pattern)
        || actor.domain.eq_ignore_ascii_case(pattern)
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
