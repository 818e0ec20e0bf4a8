//! `demesh block …`: server-wide blocks of domains and accounts.

use super::output::{human_time, print_json};
use crate::account::block_pattern;
use crate::config::Config;
use crate::db::{memberships, Db};
use crate::membership;
use crate::urls::Urls;
use anyhow::anyhow;
use clap::Subcommand;

#[derive(Debug, Subcommand)]
pub enum BlockCommand {
    /// Block a domain (spam.example) or an account (@user@host, URL); their
    /// requests and posts are refused, and current members there are removed
    Add { target: String },
    /// Lift a block
    Remove { target: String },
    /// List blocks
    List {
        #[arg(long)]
        json: bool,
    },
}

pub fn run(config: Config, cmd: BlockCommand) -> anyhow::Result<()> {
    let db = Db::connect(&config.database_url)?;
    match cmd {
        BlockCommand::Add { target } => {
            let pattern = block_pattern(&target).map_err(|e| anyhow!(e))?;
            let added = db.add_block(&pattern)?;
            let removed = end_blocked_memberships(&db, &Urls::new(&config), &pattern)?;
            println!(
                "{} {pattern}{}",
                if added { "blocked" } else { "already blocked:" },
                if removed > 0 {
                    format!(" ({removed} membership(s) or request(s) ended)")
                } else {
                    String::new()
                }
            );
        }
        BlockCommand::Remove { target } => {
            let pattern = block_pattern(&target).map_err(|e| anyhow!(e))?;
            if !db.remove_block(&pattern)? {
                return Err(anyhow!("{pattern} is not blocked"));
            }
            println!("unblocked {pattern}");
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

/// Ends the requests and memberships a new block covers; members get a
/// Reject{Follow} so their servers stop showing them as following.
fn end_blocked_memberships(db: &Db, urls: &Urls, pattern: &str) -> anyhow::Result<usize> {
    let mut ended = 0;
    for state in [memberships::PENDING, memberships::APPROVED] {
        for v in db.list_memberships(None, state)? {
            let Some(actor) = &v.actor else { continue };
            let hit = actor.uri == pattern
                || actor.acct().eq_ignore_ascii_case(pattern)
                || actor.domain.eq_ignore_ascii_case(pattern);
            if hit {
                let group = db.group_by_name(&v.group)?;
                membership::reject(db, urls, &group, &actor.uri)?;
                ended += 1;
            }
        }
    }
    Ok(ended)
}
