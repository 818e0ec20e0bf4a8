//! Group conversation (DESIGN §6): how a member post becomes the group's
//! own post for the members, and how edits, deletes and moderator removals
//! follow it.

pub mod audience;
pub mod note;
mod publish;

pub use publish::{delete_copies, post_context, remove_post, republish, to_members, update_copies};

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
