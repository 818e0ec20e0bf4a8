//! Reports (issue #12): a Flag about a group's post or member is stored
//! and every moderator is told by direct message, in one transaction.

use crate::db::{Db, Group, NewReport, Post};
use crate::direct;
use crate::urls::Urls;
use serde_json::{json, Value};

/// What a report names in one group.
#[derive(Debug, Default)]
pub struct Named {
    pub posts: Vec<Post>,
    /// Members' actor URLs.
    pub accounts: Vec<String>,
}

/// Stores the report and writes to each moderator. Returns the outcome.
pub fn file(
    db: &Db,
    urls: &Urls,
    group: &Group,
    activity_id: &str,
    reporter: &str,
    comment: &str,
    named: &Named,
) -> anyhow::Result<String> {
    let posts: Vec<Value> = named
        .posts
        .iter()
        .map(|p| json!({"note": p.note_id, "original": p.original_id, "author": p.author_uri}))
        .collect();
    db.transaction(|tx| {
        let Some(id) = tx.insert_report(NewReport {
            group_id: group.id,
            activity_id,
            reporter_uri: reporter,
            comment,
            posts_json: &Value::Array(posts).to_string(),
            accounts_json: &json!(named.accounts).to_string(),
        })?
        else {
            return Ok(format!("{}: report stored already", group.name));
        };
        let text = notice(tx, id, group, reporter, comment, named)?;
        let mut told = 0;
        for m in tx.moderators(group.id)? {
            let Some(moderator) = m.actor else { continue };
            direct::send(tx, urls, group, &moderator, &text)?;
            told += 1;
        }
        Ok(format!(
            "{}: report #{id} stored, {told} moderator(s) told",
            group.name
        ))
    })
}

/// The moderators' notice: the posts mapped back to their authors, the
/// members named, the comment, and how to act.
fn notice(
    db: &Db,
    id: i64,
    group: &Group,
    reporter: &str,
    comment: &str,
    named: &Named,
) -> anyhow::Result<String> {
    let who = |uri: &str| -> anyhow::Result<String> {
        Ok(db
            .remote_actor(uri)?
            .map_or_else(|| uri.to_string(), |a| format!("@{} ({uri})", a.acct())))
    };
    let from =
        crate::federation::actor::authority(reporter).unwrap_or_else(|| reporter.to_string());
    let mut text = format!("Report #{id} to {} from {from}:", group.name);
    for p in &named.posts {
        let excerpt = serde_json::from_str::<Value>(&p.note_json)
            .ok()
            .and_then(|n| {
                n["content"]
                    .as_str()
                    .map(crate::direct::incoming::html_to_text)
            })
            .unwrap_or_default();
        let excerpt: String = excerpt.chars().take(200).collect();
        text.push_str(&format!(
            "\nPost {} by {} (original {}): \"{excerpt}\"",
            p.note_id,
            who(&p.author_uri)?,
            p.original_id
        ));
    }
    for a in &named.accounts {
        text.push_str(&format!("\nMember {}", who(a)?));
    }
    let comment = if comment.trim().is_empty() {
        "(none)"
    } else {
        comment.trim()
    };
    text.push_str(&format!("\nComment: {comment}"));
    text.push_str(
        "\n\nTo act, write to the group: delete URL (the post), remove ACCOUNT. \
         An admin closes the report with demesh report resolve ",
    );
    text.push_str(&id.to_string());
    Ok(text)
}
