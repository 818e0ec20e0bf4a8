//! Direct messages between a group and one account (issue #12).
//!
//! Outgoing (`outgoing::send`): the group writes to one account alone, a
//! `Create{Note}` addressed to that account only, with a `Mention` of it,
//! so its app shows a notification; used inside the transaction of the
//! effect it reports.
//!
//! Incoming (`incoming`, `dispatch`): a post addressed to the group that
//! nobody outside the group can see is offered to an ordered list of
//! handlers (moderator commands first); when none takes it, it is an
//! ordinary member post.

pub mod dispatch;
pub mod incoming;
pub mod outgoing;

pub use dispatch::{dispatch, Handled, Message};
pub use outgoing::send;
