//! Remote actors we have fetched: where to deliver to them and their keys.

use super::schema::remote_actors;
use super::{now_ms, per_backend, Db, DbResult};
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = remote_actors)]
pub struct RemoteActor {
    #[diesel(skip_insertion)]
    pub id: i64,
    pub uri: String,
    pub key_id: String,
    pub public_key_pem: String,
    pub inbox: String,
    pub shared_inbox: Option<String>,
    pub username: String,
    pub domain: String,
    pub also_known_as: String,
    pub fetched_at: i64,
    pub followers: Option<String>,
    /// "name version" from the server's NodeInfo; set separately, so a
    /// refetch of the actor does not erase it.
    #[diesel(skip_insertion)]
    pub software: Option<String>,
}

impl RemoteActor {
    /// Where one POST reaches this actor's server: the shared inbox if any.
    pub fn delivery_inbox(&self) -> &str {
        self.shared_inbox.as_deref().unwrap_or(&self.inbox)
    }

    pub fn acct(&self) -> String {
        format!("{}@{}", self.username, self.domain)
    }
}

impl Db {
    /// Inserts or refreshes a fetched actor (keyed by its id).
    pub fn upsert_remote_actor(&self, mut actor: RemoteActor) -> DbResult<RemoteActor> {
        actor.fetched_at = now_ms();
        let mut conn = self.conn()?;
        per_backend!(&mut *conn, |c| diesel::insert_into(remote_actors::table)
            .values(&actor)
            .on_conflict(remote_actors::uri)
            .do_update()
            .set((
                remote_actors::key_id.eq(&actor.key_id),
                remote_actors::public_key_pem.eq(&actor.public_key_pem),
                remote_actors::inbox.eq(&actor.inbox),
                remote_actors::shared_inbox.eq(&actor.shared_inbox),
                remote_actors::username.eq(&actor.username),
                remote_actors::domain.eq(&actor.domain),
                remote_actors::also_known_as.eq(&actor.also_known_as),
                remote_actors::fetched_at.eq(actor.fetched_at),
                remote_actors::followers.eq(&actor.followers),
            ))
            .execute(c))?;
        drop(conn);
        self.remote_actor(&actor.uri)?
            .ok_or(super::DbError::NotFound)
    }

    pub fn remote_actor(&self, uri: &str) -> DbResult<Option<RemoteActor>> {
        let mut conn = self.conn()?;
        Ok(remote_actors::table
            .filter(remote_actors::uri.eq(uri))
            .select(RemoteActor::as_select())
            .first(&mut *conn)
            .optional()?)
    }

    pub fn remote_actor_by_key(&self, key_id: &str) -> DbResult<Option<RemoteActor>> {
        let mut conn = self.conn()?;
        Ok(remote_actors::table
            .filter(remote_actors::key_id.eq(key_id))
            .select(RemoteActor::as_select())
            .first(&mut *conn)
            .optional()?)
    }

    /// Looks an account up by `user@domain` (case-insensitive, as handles are).
    pub fn remote_actor_by_acct(&self, user: &str, domain: &str) -> DbResult<Option<RemoteActor>> {
        let mut conn = self.conn()?;
        let all: Vec<RemoteActor> = remote_actors::table
            .filter(remote_actors::domain.eq(domain.to_ascii_lowercase()))
            .select(RemoteActor::as_select())
            .load(&mut *conn)?;
        Ok(all
            .into_iter()
            .find(|a| a.username.eq_ignore_ascii_case(user)))
    }

    /// Records the software of every known actor on `domain`.
    pub fn set_software(&self, domain: &str, software: &str) -> DbResult<()> {
        let mut conn = self.conn()?;
        diesel::update(remote_actors::table.filter(remote_actors::domain.eq(domain)))
            .set(remote_actors::software.eq(software))
            .execute(&mut *conn)?;
        Ok(())
    }

    pub fn delete_remote_actor(&self, uri: &str) -> DbResult<()> {
        let mut conn = self.conn()?;
        diesel::delete(remote_actors::table.filter(remote_actors::uri.eq(uri)))
            .execute(&mut *conn)?;
        Ok(())
    }
}
