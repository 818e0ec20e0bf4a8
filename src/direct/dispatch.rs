//! What the handlers of a direct message to the group see and answer.
//! The ordered list of handlers is `activities::direct` (processing
//! knows every handler; the handlers only know this contract). The
//! first that takes the message ends it; a message none takes is an
//! ordinary post (republished if the sender is a member).

use super::incoming::Mention;
use crate::context::Context;
use crate::db::{memberships, Group, MemberRole, Membership, RemoteActor};

/// A direct message to one group, as the handlers see it.
pub struct Message<'a> {
    pub group: &'a Group,
    pub sender: &'a RemoteActor,
    /// The sender's membership or pending request in the group, if any.
    pub membership: Option<&'a Membership>,
    /// Plain text after the leading mentions (see `incoming::command_text`).
    pub text: &'a str,
    /// The message's `Mention` tags: `@bob` in the text is one of these.
    pub mentions: &'a [Mention],
    /// The incoming activity's id; a handler with effects records it, so
    /// a retried activity is not carried out twice.
    pub activity_id: &'a str,
    /// The message's own id (its Note's): the group's answer replies to
    /// it, so Mastodon does not filter the answer (issue #23).
    pub note_id: Option<&'a str>,
}

impl Message<'_> {
    /// The sender's role, if an approved member.
    pub fn role(&self) -> Option<MemberRole> {
        self.membership
            .filter(|m| m.state == memberships::APPROVED)
            .map(Membership::role)
    }

    pub fn is_member(&self) -> bool {
        self.role().is_some()
    }

    pub fn is_moderator(&self) -> bool {
        self.role() == Some(MemberRole::Moderator)
    }

    /// True if the sender has a pending request to join.
    pub fn is_requester(&self) -> bool {
        self.membership
            .is_some_and(|m| m.state == memberships::PENDING)
    }
}

/// What a handler did with a message.
#[derive(Debug)]
pub enum Handled {
    /// Taken: not republished; the outcome is recorded on the activity.
    Done(String),
    /// Not for this handler: the next one is asked.
    Pass,
}

/// A handler. `Err` is a passing failure (the database): the activity is
/// retried, so a handler must make its effects in one transaction.
pub type Handler = fn(&Context, &Message<'_>) -> anyhow::Result<Handled>;
