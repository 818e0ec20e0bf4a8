//! Group conversation (DESIGN §6): how a member post becomes the group's
//! own post for the members, and how edits, deletes and moderator removals
//! follow it.

pub mod audience;
mod edit;
pub mod effects;
pub mod note;
mod publish;

pub use crate::documents::post_context;
pub use edit::{delete_copies, remove_post, update_copies};
pub use publish::republish;

/// What a group does with a member post that was visible outside it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LeakGuard {
    /// Republish, and tell the author how to post privately (default).
    Warn,
    /// Do not republish; tell the author why.
    Reject,
    /// Republish without comment.
    Allow,
}

impl LeakGuard {
    pub fn parse(v: &str) -> Option<LeakGuard> {
        match v {
            "warn" => Some(LeakGuard::Warn),
            "reject" => Some(LeakGuard::Reject),
            "allow" => Some(LeakGuard::Allow),
            _ => None,
        }
    }
}
