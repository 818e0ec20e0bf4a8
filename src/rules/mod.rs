//! Joining rules (issue #13) around the membership decisions: the welcome
//! a new member gets, the join question a requester gets, and what a
//! requester is told about an invite code. Each message is sent in the
//! transaction of the effect it reports.

use crate::db::{memberships, Db, Group, InviteUse, Posting, RemoteActor};
use crate::urls::Urls;
use crate::{direct, invite, membership};
use anyhow::anyhow;

pub mod messages;
pub mod posting;

/// Approves `actor_uri` (see `membership::approve`) and, when this makes
/// them a member (not a repeated Accept of a member) and the group's
/// welcome is on, sends the welcome message: one transaction.
pub fn approve(db: &Db, urls: &Urls, group: &Group, actor_uri: &str) -> anyhow::Result<()> {
    approve_answering(db, urls, group, actor_uri, None)
}

/// `approve`, the welcome replying to `message` (the invite code's).
fn approve_answering(
    db: &Db,
    urls: &Urls,
    group: &Group,
    actor_uri: &str,
    message: Option<&str>,
) -> anyhow::Result<()> {
    db.transaction(|tx| {
        let was_member = tx
            .membership(group.id, actor_uri)?
            .is_some_and(|m| m.state == memberships::APPROVED);
        membership::approve(tx, urls, group, actor_uri)?;
        if group.welcome && !was_member {
            let actor = tx
                .remote_actor(actor_uri)?
                .ok_or_else(|| anyhow!("no inbox known for {actor_uri}"))?;
            let welcome = welcome_text(urls, group);
            direct::send_reply(tx, urls, group, &actor, &welcome, message)?;
        }
        Ok(())
    })
}

/// Uses `code` for the pending requester and approves them (with the
/// welcome), or tells them why the code did not work, leaving the request
/// pending: one transaction. `message` is the requester's message that
/// carried the code (none for a Follow's `instrument`): the answer
/// replies to it.
pub fn join_with_code(
    db: &Db,
    urls: &Urls,
    group: &Group,
    requester: &RemoteActor,
    code: &str,
    message: Option<&str>,
) -> anyhow::Result<InviteUse> {
    db.transaction(|tx| {
        let used = tx.use_invite(group.id, code)?;
        if used == InviteUse::Used {
            approve_answering(tx, urls, group, &requester.uri, message)?;
        } else {
            let text = format!(
                "{} Your request to join {} waits for a moderator.",
                invite::refusal(used),
                urls.group_handle(&group.name)
            );
            direct::send_reply(tx, urls, group, requester, &text, message)?;
        }
        Ok(used)
    })
}

/// Sends a new requester the group's join question, if it has one.
/// True if sent.
pub fn ask_question(
    db: &Db,
    urls: &Urls,
    group: &Group,
    requester: &RemoteActor,
) -> anyhow::Result<bool> {
    if group.question.is_empty() {
        return Ok(false);
    }
    let handle = urls.group_handle(&group.name);
    let text = format!(
        "Thanks for asking to join {handle}. Before a moderator decides, please answer:\n\n{}\n\n\
         Reply to this message (visibility: Mentioned people only); your answer is shown only \
         to the group's moderators.",
        group.question
    );
    direct::send(db, urls, group, requester, &text)?;
    Ok(true)
}

/// The welcome: the rules, and how to post so only members see it.
pub fn welcome_text(urls: &Urls, group: &Group) -> String {
    let handle = urls.group_handle(&group.name);
    let mut text = format!(
        "Welcome to {} ({handle})! You are now a member.",
        group.display_name
    );
    if !group.rules.is_empty() {
        text.push_str(&format!("\n\nThe rules:\n{}", group.rules));
    }
    text.push_str(&format!(
        "\n\nHow to post: write a post that mentions {handle} and set its visibility to \
         \"Mentioned people only\" (private mention). The group shares it with the members, \
         and only with them. Replies to the group's posts reach the members the same way."
    ));
    if group.posting() == Posting::Moderators {
        text.push_str("\n\nThis group is for announcements: only its moderators' posts are shared");
        text.push_str(if group.replies() == Posting::Members {
            " (replies from members are shared too)."
        } else {
            "."
        });
    }
    text
}
