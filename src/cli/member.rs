//! `demesh request …` and `demesh member …`: follow requests and members.

use super::group::find;
use super::output::{human_time, print_json};
use crate::account::Account;
use crate::config::Config;
use crate::db::{memberships, Db, DbError, Group, MemberRole, MembershipView};
use crate::moderation::{actions, audited};
use crate::urls::Urls;
use anyhow::{anyhow, bail};
use clap::Subcommand;
use serde::Serialize;

#[derive(Debug, Subcommand)]
pub enum RequestCommand {
    /// List pending follow requests, oldest first
    List {
        /// Only requests to this group
        #[arg(long, value_name = "NAME")]
        group: Option<String>,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum MemberCommand {
    /// Approve a follow request: sends Accept (after Undo{Block} if the group
    /// still blocks the account)
    Approve { group: String, account: String },
    /// Refuse a follow request: sends Reject
    Reject { group: String, account: String },
    /// End a membership: sends Reject{Follow} and a Block, so the member's server
    /// unfollows (Mastodon, GoToSocial), then Undo{Block} once the Block arrived
    /// (no ban: they may ask to join again)
    Remove { group: String, account: String },
    /// Make an approved member a moderator: they get the group's request
    /// notices and reports by direct message and may command the group by
    /// direct message (see "Moderating from your app" in docs/groups.md)
    Promote { group: String, account: String },
    /// Make a moderator a plain member again
    Demote { group: String, account: String },
    /// List the members, with their role (member or moderator)
    List {
        group: String,
        #[arg(long)]
        json: bool,
    },
    /// Pre-approve an account (@user@host, user@host, URL) or a server (*@DOMAIN):
    /// their follows are accepted at once
    Allow { group: String, account: String },
    /// List the pre-approvals (accounts and *@DOMAIN servers)
    Allowed {
        group: String,
        #[arg(long)]
        json: bool,
    },
    /// Take back a pre-approval (as given to `member allow`); members stay members
    Disallow { group: String, account: String },
}

/// A pre-approval as `member allowed` shows it.
#[derive(Serialize)]
struct AllowRow {
    /// An actor URL, user@host, or *@DOMAIN.
    pattern: String,
    since: String,
}

#[derive(Serialize)]
struct Row {
    group: String,
    account: Option<String>,
    actor: String,
    follow_id: String,
    /// The follower's server software (from its NodeInfo), when known.
    software: Option<String>,
    since: String,
    /// "member" or "moderator"; members only (not requests).
    #[serde(skip_serializing_if = "Option::is_none")]
    role: Option<&'static str>,
    /// A requester's answer to the join question; requests only (null
    /// when they have not answered).
    /// (Absent for members; null for a request without an answer.)
    #[serde(skip_serializing_if = "Option::is_none")]
    answer: Option<Option<String>>,
}

impl Row {
    fn new(v: &MembershipView) -> Row {
        let at = if v.membership.state == memberships::APPROVED {
            v.membership.updated_at
        } else {
            v.membership.created_at
        };
        Row {
            group: v.group.clone(),
            account: v.actor.as_ref().map(|a| format!("@{}", a.acct())),
            actor: v.membership.actor_uri.clone(),
            follow_id: v.membership.follow_id.clone(),
            software: v.actor.as_ref().and_then(|a| a.software.clone()),
            since: crate::documents::rfc3339(at),
            role: (v.membership.state == memberships::APPROVED)
                .then(|| v.membership.role().as_str()),
            answer: (v.membership.state == memberships::PENDING)
                .then(|| v.membership.answer.clone()),
        }
    }
}

fn print_rows(views: &[MembershipView], json: bool, empty: &str) -> anyhow::Result<()> {
    let rows: Vec<Row> = views.iter().map(Row::new).collect();
    if json {
        return print_json(&rows);
    }
    if rows.is_empty() {
        println!("{empty}");
    }
    for (r, v) in rows.iter().zip(views) {
        let at = human_time(v.membership.created_at);
        let who = r.account.clone().unwrap_or_else(|| r.actor.clone());
        let software = r.software.as_deref().unwrap_or("unknown software");
        let role = r.role.map(|r| format!("  {r}")).unwrap_or_default();
        println!(
            "{:<12} {:<36} {}  {software}{role}  ({})",
            r.group, who, at, r.actor
        );
        if let Some(Some(answer)) = &r.answer {
            println!("{:<12} answer: {}", "", answer.replace('\n', " "));
        }
    }
    Ok(())
}

pub use crate::moderation::actions::resolve;

pub fn run_request(config: Config, cmd: RequestCommand) -> anyhow::Result<()> {
    let db = crate::opening::existing(&config)?;
    let RequestCommand::List { group, json } = cmd;
    let group_id = match group {
        Some(name) => Some(find(&db, &name)?.id),
        None => None,
    };
    let views = db.list_memberships(group_id, memberships::PENDING)?;
    print_rows(&views, json, "no pending requests")
}

pub fn run_member(config: Config, cmd: MemberCommand) -> anyhow::Result<()> {
    let db = crate::opening::existing(&config)?;
    let urls = Urls::new(&config);
    match cmd {
        MemberCommand::Approve { group, account } => {
            let group = find(&db, &group)?;
            let cmd = format!("member approve {} {account}", group.name);
            let done = audited(&db, Some(&group), &cmd, |tx| {
                actions::approve(tx, &urls, &group, &account)
            })?;
            println!("{done}");
        }
        MemberCommand::Reject { group, account } => {
            let group = find(&db, &group)?;
            let cmd = format!("member reject {} {account}", group.name);
            let done = audited(&db, Some(&group), &cmd, |tx| {
                actions::reject(tx, &urls, &group, &account)
            })?;
            println!("{done}");
        }
        MemberCommand::Remove { group, account } => {
            let group = find(&db, &group)?;
            let cmd = format!("member remove {} {account}", group.name);
            let done = audited(&db, Some(&group), &cmd, |tx| {
                actions::remove(tx, &urls, &group, &account)
            })?;
            println!("{done}");
        }
        MemberCommand::Promote { group, account } => {
            let group = find(&db, &group)?;
            let cmd = format!("member promote {} {account}", group.name);
            let done = audited(&db, Some(&group), &cmd, |tx| {
                set_role(tx, &group, &account, MemberRole::Moderator)
            })?;
            println!("{done}");
        }
        MemberCommand::Demote { group, account } => {
            let group = find(&db, &group)?;
            let cmd = format!("member demote {} {account}", group.name);
            let done = audited(&db, Some(&group), &cmd, |tx| {
                set_role(tx, &group, &account, MemberRole::Member)
            })?;
            println!("{done}");
        }
        MemberCommand::List { group, json } => {
            let group = find(&db, &group)?;
            let views = db.list_memberships(Some(group.id), memberships::APPROVED)?;
            print_rows(&views, json, "no members yet")?;
        }
        MemberCommand::Allow { group, account } => {
            let group = find(&db, &group)?;
            let cmd = format!("member allow {} {account}", group.name);
            let done = audited(&db, Some(&group), &cmd, |tx| {
                let pattern = Account::parse(&account).map_err(|e| anyhow!(e))?.pattern();
                tx.add_allow(group.id, &pattern)?;
                Ok(format!("{pattern} is pre-approved in {}", group.name))
            })?;
            println!("{done}");
        }
        MemberCommand::Allowed { group, json } => {
            let group = find(&db, &group)?;
            let rows: Vec<AllowRow> = db
                .list_allows_since(group.id)?
                .into_iter()
                .map(|(pattern, at)| AllowRow {
                    pattern,
                    since: crate::documents::rfc3339(at),
                })
                .collect();
            if json {
                return print_json(&rows);
            }
            if rows.is_empty() {
                println!("no pre-approvals in {}", group.name);
            }
            for r in rows {
                println!("{:<48} since {}", r.pattern, r.since);
            }
        }
        MemberCommand::Disallow { group, account } => {
            let group = find(&db, &group)?;
            let cmd = format!("member disallow {} {account}", group.name);
            let done = audited(&db, Some(&group), &cmd, |tx| {
                let pattern = Account::parse(&account).map_err(|e| anyhow!(e))?.pattern();
                if !tx.remove_allow(group.id, &pattern)? {
                    bail!(
                        "{pattern} is not pre-approved in {} (see `demesh member allowed {}`)",
                        group.name,
                        group.name
                    );
                }
                Ok(format!(
                    "{pattern} is no longer pre-approved in {}",
                    group.name
                ))
            })?;
            println!("{done}");
        }
    }
    Ok(())
}

/// `member promote` / `member demote`: approved members only.
fn set_role(db: &Db, group: &Group, account: &str, role: MemberRole) -> anyhow::Result<String> {
    let actor = resolve(db, account)?;
    Ok(match db.set_role(group.id, &actor, role) {
        Ok(before) if before == role => {
            format!("{account} is already a {} of {}", role.as_str(), group.name)
        }
        Ok(_) => format!("{account} is now a {} of {}", role.as_str(), group.name),
        Err(DbError::NotFound) => bail!(
            "{account} is not a member of {}; only approved members have a role",
            group.name
        ),
        Err(e) => return Err(e.into()),
    })
}
