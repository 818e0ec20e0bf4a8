//! `demesh post …`: the group's posts, and moderator removal.

use super::group::find;
use super::output::{human_time, print_json};
use crate::config::Config;
use crate::conversation;
use crate::urls::Urls;
use clap::Subcommand;
use serde::Serialize;
use serde_json::Value;

#[derive(Debug, Subcommand)]
pub enum PostCommand {
    /// List the group's posts, oldest first
    List {
        group: String,
        #[arg(long)]
        json: bool,
    },
    /// Remove a post (by number, group note URL or the member's original URL):
    /// sends Delete to all members
    Remove { group: String, post: String },
}

#[derive(Serialize)]
struct PostView {
    number: i64,
    note: String,
    original: String,
    author: String,
    in_reply_to: Option<i64>,
    published: String,
    deleted: bool,
    excerpt: String,
}

pub fn run(config: Config, cmd: PostCommand) -> anyhow::Result<()> {
    let db = crate::opening::existing(&config)?;
    match cmd {
        PostCommand::List { group, json } => {
            let group = find(&db, &group)?;
            let views: Vec<PostView> = db
                .list_posts(group.id)?
                .into_iter()
                .map(|p| {
                    let note: Value = serde_json::from_str(&p.note_json).unwrap_or_default();
                    let text =
                        conversation::note::plain(note["content"].as_str().unwrap_or_default());
                    PostView {
                        number: p.id,
                        note: p.note_id,
                        original: p.original_id,
                        author: p.author_uri,
                        in_reply_to: p.in_reply_to,
                        published: crate::documents::rfc3339(p.published_at),
                        deleted: p.deleted_at.is_some(),
                        excerpt: text.chars().take(80).collect(),
                    }
                })
                .collect();
            if json {
                return print_json(&views);
            }
            if views.is_empty() {
                println!("no posts yet");
            }
            for v in views {
                let flag = if v.deleted { " [removed]" } else { "" };
                println!(
                    "#{:<5} {}  {}{flag}\n       {}",
                    v.number,
                    human_time(
                        chrono::DateTime::parse_from_rfc3339(&v.published)
                            .map_or(0, |t| t.timestamp_millis())
                    ),
                    v.author,
                    v.excerpt
                );
            }
        }
        PostCommand::Remove { group, post } => {
            let group = find(&db, &group)?;
            let urls = Urls::new(&config);
            let cmd = format!("post remove {} {post}", group.name);
            let done = crate::moderation::audited(&db, Some(&group), &cmd, |tx| {
                crate::moderation::actions::delete_post(tx, &urls, &group, &post)
            })?;
            println!("{done}");
        }
    }
    Ok(())
}
