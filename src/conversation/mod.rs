//! Group conversation (DESIGN §6): how a member post becomes the group's
//! own post for the members, and how edits, deletes and moderator removals
//! follow it.

pub mod audience;
mod edit;
pub mod edit_order;
pub mod effects;
pub mod note;
mod publish;

pub use crate::documents::post_context;
pub use edit::{delete_copies, remove_post, update_copies, Edited};
pub use publish::republish;

/// What a group does with a member post that was visible outside it
/// (stored with the group, so its one mapping to text is `db`'s).
pub use crate::db::LeakGuard;
