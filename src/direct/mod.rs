//! Direct messages between a group and one account (issue #12).
//!
//! Outgoing (`outgoing::send`): the group writes to one account alone, a
//! `Create{Note}` addressed to that account only, with a `Mention` of it,
//! so its app shows a notification; used inside the transaction of the
//! effect it reports.
//!
//! Incoming (`incoming`, `dispatch`): a post addressed to the group that
//! nobody outside the group can see is read here and offered to the
//! ordered list of handlers in `activities::direct` (moderator commands
//! first); when none takes it, it is an ordinary member post.

pub mod dispatch;
pub mod incoming;
pub mod outgoing;

pub use dispatch::{Handled, Message};
pub use outgoing::{send, send_reply};
