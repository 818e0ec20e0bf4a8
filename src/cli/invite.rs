//! `demesh invite …`: codes that let a requester in without waiting.

use super::group::find;
use super::output::print_json;
use crate::config::Config;
use crate::db::{now_ms, Invite};
use crate::invite::{new_code, parse_duration};
use crate::moderation::audited;
use crate::urls::Urls;
use anyhow::{anyhow, bail};
use clap::Subcommand;
use serde::Serialize;

#[derive(Debug, Subcommand)]
pub enum InviteCommand {
    /// Make an invite code: whoever follows the group and sends it to the group
    /// by direct message (or in their Follow, FEP-bebd) is approved at once
    Create {
        group: String,
        /// How many people may join with it [default: unlimited]
        #[arg(long, value_name = "N")]
        uses: Option<i64>,
        /// How long it works: 30m, 12h, 7d, 2w [default: no expiry]
        #[arg(long, value_name = "DURATION")]
        expires: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// List the group's codes that are not revoked, with uses left and expiry
    List {
        group: String,
        #[arg(long)]
        json: bool,
    },
    /// Withdraw a code: it lets nobody in any more
    Revoke { group: String, code: String },
}

#[derive(Serialize)]
struct InviteView {
    code: String,
    link: String,
    /// null: unlimited.
    uses_left: Option<i64>,
    uses: i64,
    /// RFC 3339; null: never.
    expires: Option<String>,
    expired: bool,
    created: String,
}

impl InviteView {
    fn new(urls: &Urls, group: &str, i: &Invite) -> InviteView {
        InviteView {
            link: urls.group_invite(group, &i.code),
            code: i.code.clone(),
            uses_left: i.uses_left,
            uses: i.uses,
            expires: i.expires_at.map(crate::documents::rfc3339),
            expired: i.expires_at.is_some_and(|e| e <= now_ms()),
            created: crate::documents::rfc3339(i.created_at),
        }
    }
}

pub fn run(config: Config, cmd: InviteCommand) -> anyhow::Result<()> {
    let db = crate::opening::existing(&config)?;
    let urls = Urls::new(&config);
    match cmd {
        InviteCommand::Create {
            group,
            uses,
            expires,
            json,
        } => {
            let group = find(&db, &group)?;
            if uses.is_some_and(|n| n < 1) {
                bail!("--uses must be at least 1");
            }
            let expires_at = match &expires {
                Some(d) => Some(now_ms() + parse_duration(d)?),
                None => None,
            };
            let code = new_code()?;
            let command = format!(
                "invite create {}{}{}",
                group.name,
                uses.map(|n| format!(" --uses {n}")).unwrap_or_default(),
                expires
                    .map(|d| format!(" --expires {d}"))
                    .unwrap_or_default()
            );
            let mut made = None;
            audited(&db, Some(&group), &command, |tx| {
                let invite = tx.create_invite(group.id, &code, uses, expires_at)?;
                // The log names the code by its start: enough to tell
                // codes apart, not enough to use one.
                let text = format!("created invite code {}…", &invite.code[..6]);
                made = Some(invite);
                Ok(text)
            })?;
            let invite = made.ok_or_else(|| anyhow!("no invite code was created"))?;
            let view = InviteView::new(&urls, &group.name, &invite);
            if json {
                return print_json(&view);
            }
            println!("code: {}", view.code);
            println!("link: {}", view.link);
            println!(
                "uses: {}; expires: {}",
                uses_text(view.uses_left),
                view.expires.as_deref().unwrap_or("never")
            );
        }
        InviteCommand::List { group, json } => {
            let group = find(&db, &group)?;
            let views: Vec<_> = db
                .list_invites(group.id)?
                .iter()
                .map(|i| InviteView::new(&urls, &group.name, i))
                .collect();
            if json {
                return print_json(&views);
            }
            if views.is_empty() {
                println!(
                    "no invite codes: make one with `demesh invite create {}`",
                    group.name
                );
            }
            for v in &views {
                let state = if v.expired {
                    "expired".to_string()
                } else {
                    format!("expires {}", v.expires.as_deref().unwrap_or("never"))
                };
                println!(
                    "{}  uses left: {:<9}  used: {:<4}  {state}",
                    v.code,
                    uses_text(v.uses_left),
                    v.uses
                );
            }
        }
        InviteCommand::Revoke { group, code } => {
            let group = find(&db, &group)?;
            let command = format!("invite revoke {} {code}", group.name);
            let done = audited(&db, Some(&group), &command, |tx| {
                if !tx.revoke_invite(group.id, &code)? {
                    bail!(
                        "{} has no invite code {code:?} (see `demesh invite list {}`)",
                        group.name,
                        group.name
                    );
                }
                Ok(format!("revoked invite code {code} of {}", group.name))
            })?;
            println!("{done}");
        }
    }
    Ok(())
}

fn uses_text(left: Option<i64>) -> String {
    left.map_or_else(|| "unlimited".into(), |n| n.to_string())
}
