//! Who handles a direct message to the group: an ordered list of
//! handlers; the first that takes the message ends it. A message none
//! takes is an ordinary post (republished if the sender is a member).

use crate::context::Context;
use crate::direct::{dispatch::Handler, Handled, Message};

/// The handlers, in the order they are asked. Moderator commands come
/// first: a moderator's command is never anything else.
const HANDLERS: &[(&str, Handler)] = &[
    ("moderator commands", crate::moderation::commands::handle),
    // Requesters' invite codes and join answers.
    ("requesters", crate::rules::messages::handle),
];

/// Offers `msg` to each handler in turn.
pub fn dispatch(state: &Context, msg: &Message<'_>) -> anyhow::Result<Handled> {
    for (name, handler) in HANDLERS {
        if let Handled::Done(outcome) = handler(state, msg)? {
            tracing::debug!(handler = name, group = %msg.group.name, %outcome, "direct message handled");
            return Ok(Handled::Done(outcome));
        }
    }
    Ok(Handled::Pass)
}
