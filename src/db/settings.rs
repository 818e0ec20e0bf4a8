//! Issue #13: a group's joining and posting settings, a requester's
//! answer to the join question, and taking back a pre-approval.

use super::schema::{allows, groups, memberships};
use super::{Db, DbError, DbResult};
use diesel::prelude::*;

/// Who may have their posts (or replies) republished. The one mapping
/// to and from the stored text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Posting {
    Members,
    Moderators,
}

impl Posting {
    pub fn as_str(self) -> &'static str {
        match self {
            Posting::Members => "members",
            Posting::Moderators => "moderators",
        }
    }

    pub fn parse(text: &str) -> Option<Posting> {
        match text {
            "members" => Some(Posting::Members),
            "moderators" => Some(Posting::Moderators),
            _ => None,
        }
    }

    /// Anything but `members` stored is read as the stricter setting: a
    /// stray text never opens an announcement group.
    fn from_stored(text: &str) -> Posting {
        Posting::parse(text).unwrap_or(Posting::Moderators)
    }
}

impl super::Group {
    pub fn posting(&self) -> Posting {
        Posting::from_stored(&self.posting)
    }

    pub fn replies(&self) -> Posting {
        Posting::from_stored(&self.replies)
    }
}

/// A setting of `group set` stored in its own column.
pub enum Setting<'a> {
    Rules(&'a str),
    Question(&'a str),
    Welcome(bool),
    Posting(Posting),
    /// Who may reply when only moderators may post.
    Replies(Posting),
}

impl Db {
    pub fn set_group_setting(&self, name: &str, setting: Setting<'_>) -> DbResult<()> {
        let mut conn = self.conn()?;
        let target = groups::table
            .filter(groups::name.eq(name))
            .filter(groups::deleted_at.is_null());
        let update = diesel::update(target);
        let n = match setting {
            Setting::Rules(v) => update.set(groups::rules.eq(v)).execute(&mut *conn)?,
            Setting::Question(v) => update.set(groups::question.eq(v)).execute(&mut *conn)?,
            Setting::Welcome(v) => update.set(groups::welcome.eq(v)).execute(&mut *conn)?,
            Setting::Posting(v) => update
                .set(groups::posting.eq(v.as_str()))
                .execute(&mut *conn)?,
            Setting::Replies(v) => update
                .set(groups::replies.eq(v.as_str()))
                .execute(&mut *conn)?,
        };
        if n == 0 {
            return Err(DbError::NotFound);
        }
        Ok(())
    }

    /// Stores a pending requester's answer to the join question (the
    /// latest one wins). False if they have no pending request.
    pub fn set_answer(&self, group_id: i64, actor_uri: &str, answer: &str) -> DbResult<bool> {
        let mut conn = self.conn()?;
        let n = diesel::update(
            memberships::table
                .filter(memberships::group_id.eq(group_id))
                .filter(memberships::actor_uri.eq(actor_uri))
                .filter(memberships::state.eq(super::memberships::PENDING)),
        )
        .set(memberships::answer.eq(answer))
        .execute(&mut *conn)?;
        Ok(n > 0)
    }

    /// Takes back a pre-approval; false if there was none.
    pub fn remove_allow(&self, group_id: i64, pattern: &str) -> DbResult<bool> {
        let mut conn = self.conn()?;
        let n = diesel::delete(
            allows::table
                .filter(allows::group_id.eq(group_id))
                .filter(allows::pattern.eq(pattern)),
        )
        .execute(&mut *conn)?;
        Ok(n > 0)
    }

    /// Pre-approvals with the time each was made, oldest first.
    pub fn list_allows_since(&self, group_id: i64) -> DbResult<Vec<(String, i64)>> {
        let mut conn = self.conn()?;
        Ok(allows::table
            .filter(allows::group_id.eq(group_id))
            .order((allows::created_at.asc(), allows::pattern.asc()))
            .select((allows::pattern, allows::created_at))
            .load(&mut *conn)?)
    }
}
