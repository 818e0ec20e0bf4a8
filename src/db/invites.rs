//! Invite codes (issue #13): a code lets a requester in at once.

use super::schema::invites;
use super::{now_ms, Db, DbError, DbResult};
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = invites)]
pub struct Invite {
    pub id: i64,
    pub group_id: i64,
    pub code: String,
    /// None: unlimited.
    pub uses_left: Option<i64>,
    /// Milliseconds; None: never expires.
    pub expires_at: Option<i64>,
    pub revoked: bool,
    pub uses: i64,
    pub created_at: i64,
}

/// What came of trying to use a code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InviteUse {
    Used,
    Unknown,
    UsedUp,
    Expired,
    Revoked,
}

impl Invite {
    /// Why the code cannot be used at `now` (milliseconds), or None when it
    /// can. The one statement of the rule for reading; `Db::use_invite`'s
    /// UPDATE states it again in SQL, where it must hold atomically.
    pub fn refusal_at(&self, now: i64) -> Option<InviteUse> {
        if self.revoked {
            Some(InviteUse::Revoked)
        } else if self.expires_at.is_some_and(|e| e <= now) {
            Some(InviteUse::Expired)
        } else if self.uses_left.is_some_and(|n| n <= 0) {
            Some(InviteUse::UsedUp)
        } else {
            None
        }
    }
}

impl Db {
    pub fn create_invite(
        &self,
        group_id: i64,
        code: &str,
        uses_left: Option<i64>,
        expires_at: Option<i64>,
    ) -> DbResult<Invite> {
        let mut conn = self.conn()?;
        diesel::insert_into(invites::table)
            .values((
                invites::group_id.eq(group_id),
                invites::code.eq(code),
                invites::uses_left.eq(uses_left),
                invites::expires_at.eq(expires_at),
                invites::revoked.eq(false),
                invites::uses.eq(0),
                invites::created_at.eq(now_ms()),
            ))
            .execute(&mut *conn)?;
        drop(conn);
        self.invite(group_id, code)?.ok_or(DbError::NotFound)
    }

    pub fn invite(&self, group_id: i64, code: &str) -> DbResult<Option<Invite>> {
        // PostgreSQL text cannot hold NUL; no code contains one.
        if code.contains('\0') {
            return Ok(None);
        }
        let mut conn = self.conn()?;
        Ok(invites::table
            .filter(invites::group_id.eq(group_id))
            .filter(invites::code.eq(code))
            .select(Invite::as_select())
            .first(&mut *conn)
            .optional()?)
    }

    /// The group's codes not revoked, newest first.
    pub fn list_invites(&self, group_id: i64) -> DbResult<Vec<Invite>> {
        let mut conn = self.conn()?;
        Ok(invites::table
            .filter(invites::group_id.eq(group_id))
            .filter(invites::revoked.eq(false))
            .order(invites::created_at.desc())
            .select(Invite::as_select())
            .load(&mut *conn)?)
    }

    /// False if the group has no such code (or it was revoked already).
    pub fn revoke_invite(&self, group_id: i64, code: &str) -> DbResult<bool> {
        let mut conn = self.conn()?;
        let n = diesel::update(
            invites::table
                .filter(invites::group_id.eq(group_id))
                .filter(invites::code.eq(code))
                .filter(invites::revoked.eq(false)),
        )
        .set(invites::revoked.eq(true))
        .execute(&mut *conn)?;
        Ok(n > 0)
    }

    /// Uses a code once: one UPDATE whose WHERE checks uses, expiry and
    /// revocation, so two requesters racing for the last use cannot both
    /// get it (on either backend). Call it in the transaction of the
    /// approval it makes, so a failed approval gives the use back.
    pub fn use_invite(&self, group_id: i64, code: &str) -> DbResult<InviteUse> {
        if code.contains('\0') {
            return Ok(InviteUse::Unknown);
        }
        let now = now_ms();
        let mut conn = self.conn()?;
        let n = diesel::update(
            invites::table
                .filter(invites::group_id.eq(group_id))
                .filter(invites::code.eq(code))
                .filter(invites::revoked.eq(false))
                .filter(invites::uses_left.is_null().or(invites::uses_left.gt(0)))
                .filter(
                    invites::expires_at
                        .is_null()
                        .or(invites::expires_at.gt(now)),
                ),
        )
        // NULL - 1 stays NULL: unlimited codes stay unlimited.
        .set((
            invites::uses_left.eq(invites::uses_left - 1),
            invites::uses.eq(invites::uses + 1),
        ))
        .execute(&mut *conn)?;
        drop(conn);
        if n > 0 {
            return Ok(InviteUse::Used);
        }
        Ok(match self.invite(group_id, code)? {
            None => InviteUse::Unknown,
            // Nothing makes a refused code usable again (uses only go
            // down), so None cannot follow a refused UPDATE at this `now`.
            Some(i) => i.refusal_at(now).unwrap_or(InviteUse::UsedUp),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(uses_left: Option<i64>, expires_at: Option<i64>, revoked: bool) -> Invite {
        Invite {
            id: 1,
            group_id: 1,
            code: "c".into(),
            uses_left,
            expires_at,
            revoked,
            uses: 0,
            created_at: 0,
        }
    }

    #[test]
    fn a_code_is_refused_once_revoked_expired_or_used_up() {
        let now = 1_000;
        assert_eq!(code(None, None, false).refusal_at(now), None);
        assert_eq!(code(Some(1), Some(now + 1), false).refusal_at(now), None);
        assert_eq!(
            code(None, None, true).refusal_at(now),
            Some(InviteUse::Revoked)
        );
        assert_eq!(
            code(None, Some(now), false).refusal_at(now),
            Some(InviteUse::Expired),
            "expired at its expiry time"
        );
        assert_eq!(
            code(Some(0), None, false).refusal_at(now),
            Some(InviteUse::UsedUp)
        );
        assert_eq!(
            code(Some(0), Some(now - 1), true).refusal_at(now),
            Some(InviteUse::Revoked),
            "revocation is named first, as `use_invite` reports it"
        );
    }
}
