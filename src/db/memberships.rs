//! Follow requests and memberships, and the per-group allow list.

use super::schema::{allows, groups, memberships, remote_actors};
use super::{now_ms, per_backend, Db, DbResult};
use diesel::prelude::*;

pub use super::states::MembershipState;
pub const PENDING: MembershipState = MembershipState::Pending;
pub const APPROVED: MembershipState = MembershipState::Approved;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = memberships)]
pub struct Membership {
    pub id: i64,
    pub group_id: i64,
    pub actor_uri: String,
    pub follow_id: String,
    pub follow_json: String,
    pub state: MembershipState,
    pub created_at: i64,
    pub updated_at: i64,
    /// Stored text of a [`super::MemberRole`]; read it with `role()`.
    pub role: String,
    /// The requester's answer to the join question (issue #13), if any.
    pub answer: Option<String>,
}

impl Membership {
    pub fn role(&self) -> super::MemberRole {
        super::MemberRole::from_stored(&self.role)
    }
}

/// A membership row with what the CLI shows about it.
#[derive(Debug, Clone)]
pub struct MembershipView {
    pub group: String,
    pub membership: Membership,
    pub actor: Option<super::RemoteActor>,
}

impl Db {
    /// Records a Follow. A new row gets `state`; an existing one keeps its
    /// state (a member who follows again stays a member) but takes the new
    /// Follow, which the next Accept must answer. Returns the row.
    pub fn record_follow(
        &self,
        group_id: i64,
        actor_uri: &str,
        follow_id: &str,
        follow_json: &str,
        state: MembershipState,
    ) -> DbResult<Membership> {
        let now = now_ms();
        let mut conn = self.conn()?;
        let row = (
            memberships::group_id.eq(group_id),
            memberships::actor_uri.eq(actor_uri),
            memberships::follow_id.eq(follow_id),
            memberships::follow_json.eq(follow_json),
            memberships::state.eq(state),
            memberships::created_at.eq(now),
            memberships::updated_at.eq(now),
        );
        let update = (
            memberships::follow_id.eq(follow_id),
            memberships::follow_json.eq(follow_json),
            memberships::updated_at.eq(now),
        );
        per_backend!(&mut *conn, |c| diesel::insert_into(memberships::table)
            .values(row)
            .on_conflict((memberships::group_id, memberships::actor_uri))
            .do_update()
            .set(update)
            .execute(c))?;
        drop(conn);
        if state == APPROVED {
            self.set_membership_state(group_id, actor_uri, APPROVED)?;
        }
        self.membership(group_id, actor_uri)?
            .ok_or(super::DbError::NotFound)
    }

    pub fn membership(&self, group_id: i64, actor_uri: &str) -> DbResult<Option<Membership>> {
        let mut conn = self.conn()?;
        Ok(memberships::table
            .filter(memberships::group_id.eq(group_id))
            .filter(memberships::actor_uri.eq(actor_uri))
            .select(Membership::as_select())
            .first(&mut *conn)
            .optional()?)
    }

    /// The row answering Follow `follow_id` of `actor_uri`, if any.
    pub fn membership_by_follow(
        &self,
        follow_id: &str,
        actor_uri: &str,
    ) -> DbResult<Option<Membership>> {
        let mut conn = self.conn()?;
        Ok(memberships::table
            .filter(memberships::follow_id.eq(follow_id))
            .filter(memberships::actor_uri.eq(actor_uri))
            .select(Membership::as_select())
            .first(&mut *conn)
            .optional()?)
    }

    pub fn set_membership_state(
        &self,
        group_id: i64,
        actor_uri: &str,
        state: MembershipState,
    ) -> DbResult<()> {
        let mut conn = self.conn()?;
        diesel::update(
            memberships::table
                .filter(memberships::group_id.eq(group_id))
                .filter(memberships::actor_uri.eq(actor_uri)),
        )
        .set((
            memberships::state.eq(state),
            memberships::updated_at.eq(now_ms()),
        ))
        .execute(&mut *conn)?;
        Ok(())
    }

    /// Ends a request or membership; true if there was one.
    pub fn delete_membership(&self, group_id: i64, actor_uri: &str) -> DbResult<bool> {
        let mut conn = self.conn()?;
        let n = diesel::delete(
            memberships::table
                .filter(memberships::group_id.eq(group_id))
                .filter(memberships::actor_uri.eq(actor_uri)),
        )
        .execute(&mut *conn)?;
        Ok(n > 0)
    }

    /// Ends every request and membership of an actor (deleted or gone).
    pub fn delete_memberships_of(&self, actor_uri: &str) -> DbResult<usize> {
        let mut conn = self.conn()?;
        Ok(
            diesel::delete(memberships::table.filter(memberships::actor_uri.eq(actor_uri)))
                .execute(&mut *conn)?,
        )
    }

    /// Requests or members (by `state`), of one group or all, oldest first.
    pub fn list_memberships(
        &self,
        group_id: Option<i64>,
        state: MembershipState,
    ) -> DbResult<Vec<MembershipView>> {
        let mut conn = self.conn()?;
        let mut query = memberships::table
            .inner_join(groups::table)
            .left_join(remote_actors::table.on(remote_actors::uri.eq(memberships::actor_uri)))
            .filter(memberships::state.eq(state))
            .into_boxed();
        if let Some(id) = group_id {
            query = query.filter(memberships::group_id.eq(id));
        }
        let rows: Vec<(String, Membership, Option<super::RemoteActor>)> = query
            .order(memberships::created_at.asc())
            .select((
                groups::name,
                Membership::as_select(),
                Option::<super::RemoteActor>::as_select(),
            ))
            .load(&mut *conn)?;
        Ok(rows
            .into_iter()
            .map(|(group, membership, actor)| MembershipView {
                group,
                membership,
                actor,
            })
            .collect())
    }

    pub fn count_members(&self, group_id: i64) -> DbResult<i64> {
        let mut conn = self.conn()?;
        Ok(memberships::table
            .filter(memberships::group_id.eq(group_id))
            .filter(memberships::state.eq(APPROVED))
            .count()
            .get_result(&mut *conn)?)
    }

    pub fn add_allow(&self, group_id: i64, pattern: &str) -> DbResult<()> {
        let mut conn = self.conn()?;
        let row = (
            allows::group_id.eq(group_id),
            allows::pattern.eq(pattern),
            allows::created_at.eq(now_ms()),
        );
        per_backend!(&mut *conn, |c| diesel::insert_into(allows::table)
            .values(row)
            .on_conflict_do_nothing()
            .execute(c))?;
        Ok(())
    }

    pub fn list_allows(&self, group_id: i64) -> DbResult<Vec<String>> {
        let mut conn = self.conn()?;
        Ok(allows::table
            .filter(allows::group_id.eq(group_id))
            .order(allows::pattern.asc())
            .select(allows::pattern)
            .load(&mut *conn)?)
    }

    /// True if any of the actor's names (URL, user@host, *@host) is allowed.
    pub fn is_allowed(&self, group_id: i64, names: &[String]) -> DbResult<bool> {
        let mut conn = self.conn()?;
        let n: i64 = allows::table
            .filter(allows::group_id.eq(group_id))
            .filter(allows::pattern.eq_any(names))
            .count()
            .get_result(&mut *conn)?;
        Ok(n > 0)
    }
}
