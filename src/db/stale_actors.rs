//! Members' cached actor documents that have grown old, for the refresher
//! (`delivery::refresh`) to fetch again before they are delivered to.

use super::memberships::APPROVED;
use super::schema::{memberships, remote_actors};
use super::{Db, DbResult, RemoteActor};
use diesel::prelude::*;

impl Db {
    /// Up to `limit` actors of approved members fetched before
    /// `fetched_before`, oldest first.
    pub fn stale_member_actors(
        &self,
        fetched_before: i64,
        limit: i64,
    ) -> DbResult<Vec<RemoteActor>> {
        let mut conn = self.conn()?;
        let members = memberships::table
            .filter(memberships::state.eq(APPROVED))
            .select(memberships::actor_uri);
        Ok(remote_actors::table
            .filter(remote_actors::fetched_at.lt(fetched_before))
            .filter(remote_actors::uri.eq_any(members))
            .order(remote_actors::fetched_at.asc())
            .limit(limit)
            .select(RemoteActor::as_select())
            .load(&mut *conn)?)
    }

    /// Sets when `uri` counts as fetched: a failed refetch is tried again
    /// once this ages past the staleness limit, not on every pass.
    pub fn set_actor_fetched_at(&self, uri: &str, fetched_at: i64) -> DbResult<()> {
        let mut conn = self.conn()?;
        diesel::update(remote_actors::table.filter(remote_actors::uri.eq(uri)))
            .set(remote_actors::fetched_at.eq(fetched_at))
            .execute(&mut *conn)?;
        Ok(())
    }
}
