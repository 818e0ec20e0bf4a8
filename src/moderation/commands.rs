//! Moderator commands sent by direct message (issue #12): carried out as
//! the CLI would, answered by direct message, recorded in the audit log;
//! the effect, its activities, the answer and the record are one
//! transaction. Never republished.

use super::actions;
use super::parse::{parse, Command, Parsed};
use crate::context::Context;
use crate::db::{AuditOutcome, Db, NewAudit};
use crate::direct::{self, Handled, Message};
use crate::urls::Urls;

/// The dispatcher's handler for moderator commands. Messages that are not
/// command-shaped, and messages from requesters and strangers, are not
/// for it.
pub fn handle(state: &Context, msg: &Message<'_>) -> anyhow::Result<Handled> {
    if !msg.is_member() {
        return Ok(Handled::Pass);
    }
    let parsed = parse(msg.text, msg.mentions);
    let name = &msg.group.name;
    if matches!(parsed, Parsed::NotACommand) {
        return Ok(Handled::Pass);
    }
    // A member's "delete that" is more likely a post than a command: only
    // a well-formed command of a non-moderator is refused.
    if !msg.is_moderator() && matches!(parsed, Parsed::BadArgument(..)) {
        return Ok(Handled::Pass);
    }
    let db = &state.db;
    if db.audited_activity(msg.group.id, msg.activity_id)? {
        return Ok(Handled::Done(format!(
            "{name}: command already carried out"
        )));
    }
    let outcome = if !msg.is_moderator() {
        let text = format!(
            "Only moderators of {name} can give it commands; your message was not shared with the group."
        );
        let command = match &parsed {
            Parsed::Command(c) => c.text(),
            _ => msg.text.to_string(),
        };
        answer(db, &state.urls, msg, &command, AuditOutcome::Refused, &text)?;
        format!("{name}: command refused, sender is not a moderator")
    } else {
        match parsed {
            Parsed::Command(cmd) => carry_out(db, &state.urls, msg, &cmd)?,
            Parsed::BadArgument(word, why) => {
                let text = format!("{word}: {why}. Write help for the commands.");
                answer(db, &state.urls, msg, msg.text, AuditOutcome::Failed, &text)?;
                format!("{name}: {word} failed: {why}")
            }
            Parsed::NotACommand => return Ok(Handled::Pass),
        }
    };
    state.wake_delivery.notify_one();
    Ok(Handled::Done(outcome))
}

/// Carries out a command in one transaction with its answer and record;
/// if it fails for a reason the moderator can act on, nothing of it stays
/// and the moderator is told why (and that is recorded).
fn carry_out(db: &Db, urls: &Urls, msg: &Message<'_>, cmd: &Command) -> anyhow::Result<String> {
    let group = msg.group;
    let done = db.transaction(|tx| {
        let text = match cmd {
            Command::Requests => actions::requests_text(tx, group)?,
            Command::Members => actions::members_text(tx, group)?,
            Command::Help => actions::help_text(group),
            Command::Approve(a) => actions::approve(tx, urls, group, a)?,
            Command::Reject(a) => actions::reject(tx, urls, group, a)?,
            Command::Remove(a) => actions::remove(tx, urls, group, a)?,
            Command::Delete(u) => actions::delete_post(tx, urls, group, u)?,
        };
        answer(tx, urls, msg, &cmd.text(), AuditOutcome::Ok, &text)?;
        Ok::<_, anyhow::Error>(text)
    });
    match done {
        Ok(text) => Ok(format!(
            "{}: command carried out: {}",
            group.name,
            first_line(&text)
        )),
        Err(e) if actions::is_passing(&e) => Err(e),
        Err(e) => {
            let why = format!("{e:#}");
            let text = format!("Not done: {why}");
            answer(db, urls, msg, &cmd.text(), AuditOutcome::Failed, &text)?;
            Ok(format!("{}: command failed: {why}", group.name))
        }
    }
}

/// Answers the sender by direct message and records the command, in one
/// transaction (or the caller's).
fn answer(
    db: &Db,
    urls: &Urls,
    msg: &Message<'_>,
    command: &str,
    outcome: AuditOutcome,
    text: &str,
) -> anyhow::Result<()> {
    db.transaction(|tx| {
        direct::send_reply(tx, urls, msg.group, msg.sender, text, msg.note_id)?;
        tx.record_audit(NewAudit {
            group_id: Some(msg.group.id),
            actor: &msg.sender.uri,
            command,
            outcome,
            result: first_line(text),
            activity_id: Some(msg.activity_id),
        })?;
        Ok(())
    })
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or_default()
}
