//! Roles within a group (issue #12): an approved member is a `member` or a
//! `moderator`. Moderators receive the group's request notices and reports
//! and may command the group by direct message.

use super::memberships::{MembershipView, APPROVED};
use super::schema::memberships;
use super::{Db, DbError, DbResult};
use diesel::prelude::*;

/// A member's role. The one mapping to and from the stored text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemberRole {
    Member,
    Moderator,
}

impl MemberRole {
    pub fn as_str(self) -> &'static str {
        match self {
            MemberRole::Member => "member",
            MemberRole::Moderator => "moderator",
        }
    }

    /// The role a stored text names. Only this module writes the column
    /// (with `as_str`), so anything else is a plain member: no stray text
    /// can grant moderation.
    pub fn from_stored(text: &str) -> MemberRole {
        match text {
            "moderator" => MemberRole::Moderator,
            _ => MemberRole::Member,
        }
    }
}

impl Db {
    /// Sets the role of an approved member. `NotFound` if `actor_uri` is
    /// not an approved member of the group (a pending request cannot be
    /// promoted). Returns the role it had before.
    pub fn set_role(
        &self,
        group_id: i64,
        actor_uri: &str,
        role: MemberRole,
    ) -> DbResult<MemberRole> {
        self.transaction(|tx| {
            let before = tx
                .membership(group_id, actor_uri)?
                .filter(|m| m.state == APPROVED)
                .ok_or(DbError::NotFound)?
                .role();
            let mut conn = tx.conn()?;
            diesel::update(
                memberships::table
                    .filter(memberships::group_id.eq(group_id))
                    .filter(memberships::actor_uri.eq(actor_uri)),
            )
            // updated_at is when the membership began (`member list`).
            .set(memberships::role.eq(role.as_str()))
            .execute(&mut *conn)?;
            Ok(before)
        })
    }

    /// The role of `actor_uri` in the group, if an approved member.
    pub fn member_role(&self, group_id: i64, actor_uri: &str) -> DbResult<Option<MemberRole>> {
        Ok(self
            .membership(group_id, actor_uri)?
            .filter(|m| m.state == APPROVED)
            .map(|m| m.role()))
    }

    /// The group's moderators (approved members with that role), oldest
    /// membership first, with what is known of their accounts.
    pub fn moderators(&self, group_id: i64) -> DbResult<Vec<MembershipView>> {
        Ok(self
            .list_memberships(Some(group_id), APPROVED)?
            .into_iter()
            .filter(|v| v.membership.role() == MemberRole::Moderator)
            .collect())
    }
}
