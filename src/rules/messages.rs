//! Direct messages from requesters (issue #13): an invite code lets them
//! in; anything else, when the group asks a join question, is their
//! answer. Neither is ever republished (requesters are not members).

use crate::context::Context;
use crate::db::InviteUse;
use crate::direct::{self, Handled, Message};
use crate::invite;

/// The dispatcher's handler for messages of pending requesters.
pub fn handle(state: &Context, msg: &Message<'_>) -> anyhow::Result<Handled> {
    if !msg.is_requester() {
        return Ok(Handled::Pass);
    }
    let (db, urls, group) = (&state.db, &state.urls, msg.group);
    let name = &group.name;
    if let Some(code) = invite::code_words(msg.text).first() {
        let used = super::join_with_code(db, urls, group, msg.sender, code, msg.note_id)?;
        state.wake_delivery.notify_one();
        return Ok(Handled::Done(if used == InviteUse::Used {
            format!("{name}: joined with an invite code")
        } else {
            format!("{name}: invite code not accepted ({used:?}); request still pending")
        }));
    }
    if group.question.is_empty() || msg.text.trim().is_empty() {
        return Ok(Handled::Pass);
    }
    let answer = msg.text.trim();
    let told = db.transaction(|tx| {
        if !tx.set_answer(group.id, &msg.sender.uri, answer)? {
            return Ok::<_, anyhow::Error>(None);
        }
        // The moderators got the request's notice before the answer came:
        // they get the answer now, in the same transaction as it is kept.
        let text = format!(
            "@{} answered the join question of {name}:\n\n{answer}\n\n\
             Answer by writing to the group: approve @{}, or reject @{}.",
            msg.sender.acct(),
            msg.sender.acct(),
            msg.sender.acct()
        );
        let mut told = 0;
        for m in tx.moderators(group.id)? {
            if let Some(moderator) = m.actor {
                direct::send(tx, urls, group, &moderator, &text)?;
                told += 1;
            }
        }
        Ok(Some(told))
    })?;
    state.wake_delivery.notify_one();
    Ok(Handled::Done(match told {
        Some(n) => format!("{name}: join answer stored; {n} moderator(s) told"),
        None => format!("{name}: not a pending request any more"),
    }))
}
