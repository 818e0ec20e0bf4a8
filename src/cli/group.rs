//! `demesh group …`: the groups this server hosts.

use super::output::{human_time, print_json};
use crate::config::Config;
use crate::db::{Db, DbError, Group, NewGroup};
use crate::moderation::{audited, audited_in};
use crate::urls::Urls;
use crate::{group_name, keys};
use anyhow::{anyhow, bail, Context};
use clap::Subcommand;
use serde::Serialize;
use std::io::{BufRead, IsTerminal, Write};

#[derive(Debug, Subcommand)]
pub enum GroupCommand {
    /// Create a group (with its own RSA-2048 key pair)
    Create {
        /// Lowercase name: the group's address is @NAME@your.host
        name: String,
        /// Name shown in apps [default: NAME]
        #[arg(long, value_name = "TEXT")]
        display_name: Option<String>,
        /// Description shown on the group's profile
        #[arg(long, value_name = "TEXT")]
        summary: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// List the groups
    List {
        #[arg(long)]
        json: bool,
    },
    /// Show one group
    Show {
        name: String,
        #[arg(long)]
        json: bool,
    },
    /// Change a setting: display-name TEXT | summary TEXT | icon URL|none | leak-guard warn|reject|allow |
    /// rules TEXT | question TEXT | welcome on|off | posting members|moderators | replies members|moderators
    ///
    /// display-name, summary and icon (an https URL of an image) are the
    /// group's profile; a change is sent to the members' servers at once.
    ///
    /// leak-guard decides what happens to a member post that was also visible
    /// outside the group (public, unlisted or followers-only): warn (default)
    /// republishes it and tells the author how to post "Mentioned people only";
    /// reject does not republish it and tells the author; allow republishes it.
    ///
    /// rules (plain text, "" for none) are shown on the group's web page and
    /// sent in the welcome message. welcome on (default) sends each new member
    /// a direct message with the rules and how to post. question ("" for
    /// none) is sent by direct message to whoever asks to join; their direct
    /// reply is kept as their answer (`request list`). posting moderators makes
    /// an announcement group: other members' posts are not republished and
    /// they are told why; replies members (with posting moderators) still
    /// republishes members' replies.
    Set {
        name: String,
        /// display-name, summary, icon, leak-guard, rules, question, welcome, posting or replies
        key: String,
        value: String,
    },
    /// Delete a group: tells the members' servers, removes all it holds (the name stays reserved)
    Delete {
        name: String,
        /// Do not ask for confirmation
        #[arg(long)]
        yes: bool,
    },
}

/// A group as the CLI shows it (never the private key).
#[derive(Serialize)]
struct GroupView {
    name: String,
    handle: String,
    actor: String,
    display_name: String,
    summary: String,
    leak_guard: String,
    icon: Option<String>,
    rules: String,
    question: String,
    welcome: bool,
    posting: &'static str,
    replies: &'static str,
    created_at: String,
}

impl GroupView {
    fn new(config: &Config, urls: &Urls, g: &Group) -> GroupView {
        GroupView {
            handle: format!("@{}@{}", g.name, config.acct_domain()),
            actor: urls.group(&g.name),
            name: g.name.clone(),
            display_name: g.display_name.clone(),
            summary: g.summary.clone(),
            leak_guard: g.leak_guard.to_string(),
            icon: g.icon_url.clone(),
            rules: g.rules.clone(),
            question: g.question.clone(),
            welcome: g.welcome,
            posting: g.posting().as_str(),
            replies: g.replies().as_str(),
            created_at: crate::documents::rfc3339(g.created_at),
        }
    }
}

pub fn run(config: Config, cmd: GroupCommand) -> anyhow::Result<()> {
    let db = crate::opening::existing(&config)?;
    let urls = Urls::new(&config);
    match cmd {
        GroupCommand::Create {
            name,
            display_name,
            summary,
            json,
        } => {
            for warning in crate::opening::base_url_warnings(&config) {
                eprintln!("warning: {warning}");
            }
            group_name::validate(&name).map_err(|e| anyhow!(e))?;
            // Outside the transaction: SQLite's writers would wait on it.
            let (private_key_pem, public_key_pem) = keys::generate_rsa_pem()?;
            let mut made = None;
            audited_in(&db, None, &format!("group create {name}"), |tx| {
                let group = tx
                    .create_group(NewGroup {
                        display_name: display_name.unwrap_or_else(|| name.clone()),
                        name: name.clone(),
                        summary: summary.unwrap_or_default(),
                        private_key_pem,
                        public_key_pem,
                    })
                    .map_err(|e| match e {
                        DbError::Conflict(msg) => anyhow!(msg),
                        other => other.into(),
                    })?;
                let text = format!("created group {}", group.name);
                let id = group.id;
                made = Some(group);
                Ok((Some(id), text))
            })?;
            let group = made.ok_or_else(|| anyhow!("group {name} was not created"))?;
            let view = GroupView::new(&config, &urls, &group);
            if json {
                return print_json(&view);
            }
            println!("created group {} ({})", view.handle, view.actor);
        }
        GroupCommand::List { json } => {
            let groups = db.list_groups()?;
            let views: Vec<_> = groups
                .iter()
                .map(|g| GroupView::new(&config, &urls, g))
                .collect();
            if json {
                return print_json(&views);
            }
            if views.is_empty() {
                println!("no groups yet: create one with `demesh group create NAME`");
            }
            for (v, g) in views.iter().zip(&groups) {
                println!(
                    "{:<24} {:<32} created {}",
                    v.handle,
                    v.display_name,
                    human_time(g.created_at)
                );
            }
        }
        GroupCommand::Show { name, json } => {
            let group = find(&db, &name)?;
            let view = GroupView::new(&config, &urls, &group);
            if json {
                return print_json(&view);
            }
            println!("name:          {}", view.name);
            println!("address:       {}", view.handle);
            println!("actor:         {}", view.actor);
            println!("display name:  {}", view.display_name);
            println!("summary:       {}", view.summary);
            println!("leak guard:    {}", view.leak_guard);
            println!("icon:          {}", view.icon.as_deref().unwrap_or("none"));
            println!("posting:       {}", view.posting);
            println!("replies:       {}", view.replies);
            println!("welcome:       {}", if view.welcome { "on" } else { "off" });
            println!("question:      {}", none_if_empty(&view.question));
            println!("rules:         {}", none_if_empty(&view.rules));
            println!("created:       {}", human_time(group.created_at));
        }
        GroupCommand::Set { name, key, value } => {
            let group = find(&db, &name)?;
            let command = format!("group set {name} {key} {value}");
            let done = audited(&db, Some(&group), &command, |tx| {
                super::group_set::set(tx, &config, &urls, &group, &key, &value)
            })?;
            println!("{done}");
        }
        GroupCommand::Delete { name, yes } => {
            let group = find(&db, &name)?;
            if !yes && !confirm(&name)? {
                bail!("not deleted");
            }
            let done = audited(&db, Some(&group), &format!("group delete {name}"), |tx| {
                let servers = crate::membership::delete_group(tx, &urls, &group)?;
                Ok(format!(
                    "deleted group {name}; {servers} member server{} will be told",
                    if servers == 1 { "" } else { "s" }
                ))
            })?;
            println!("{done}");
        }
    }
    Ok(())
}

fn none_if_empty(text: &str) -> &str {
    Some(text).filter(|t| !t.is_empty()).unwrap_or("none")
}

pub(super) fn find(db: &Db, name: &str) -> anyhow::Result<Group> {
    db.group_by_name(name).map_err(|e| match e {
        DbError::NotFound => anyhow!("no group named {name:?} (see `demesh group list`)"),
        other => other.into(),
    })
}

/// Deleting is final, so a person must type the name; a script must say --yes.
fn confirm(name: &str) -> anyhow::Result<bool> {
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        bail!("refusing to delete group {name:?} without --yes (no terminal to ask)");
    }
    print!("Delete group {name:?} and everything it holds? Type its name to confirm: ");
    std::io::stdout().flush()?;
    let mut line = String::new();
    stdin
        .lock()
        .read_line(&mut line)
        .context("reading the confirmation")?;
    Ok(line.trim() == name)
}
