//! What makes a database demesh's: its schema, which migrations it has,
//! and the public URL its identities live at (issue #26).

use super::connection;
use super::schema::{instance_identity, memberships, outgoing_activities};
use super::{now_ms, per_backend, Db, DbResult};
use diesel::prelude::*;

impl Db {
    /// Whether demesh's migrations ever ran here (an empty file or a
    /// fresh PostgreSQL database has none).
    pub fn has_schema(&self) -> DbResult<bool> {
        let mut conn = self.conn()?;
        connection::has_migrations_table(&mut conn)
    }

    /// Migrations this database has that this binary does not know: it
    /// was migrated by a newer demesh.
    pub fn unknown_migrations(&self) -> anyhow::Result<Vec<String>> {
        let mut conn = self.conn().map_err(|e| anyhow::anyhow!("{e}"))?;
        connection::unknown_migrations(&mut conn)
    }

    /// The public URL pinned in the database, if any.
    pub fn pinned_base_url(&self) -> DbResult<Option<String>> {
        let mut conn = self.conn()?;
        Ok(instance_identity::table
            .select(instance_identity::base_url)
            .first::<String>(&mut *conn)
            .optional()?)
    }

    /// The pinned public URL, pinning one first if none is: the URL the
    /// groups already use (a database from before pinning), else
    /// `current`. Processes starting together agree on one.
    pub fn pin_base_url(&self, current: &str) -> DbResult<String> {
        if let Some(pinned) = self.pinned_base_url()? {
            return Ok(pinned);
        }
        self.transaction(|tx| {
            let url = tx.base_url_in_use()?.unwrap_or_else(|| current.to_string());
            let mut conn = tx.conn()?;
            let row = (
                instance_identity::id.eq(1_i64),
                instance_identity::base_url.eq(&url),
                instance_identity::created_at.eq(now_ms()),
            );
            per_backend!(&mut *conn, |c| diesel::insert_into(
                instance_identity::table
            )
            .values(row)
            .on_conflict_do_nothing()
            .execute(c))?;
            Ok(instance_identity::table
                .select(instance_identity::base_url)
                .first::<String>(&mut *conn)?)
        })
    }

    /// The origin of the ids already handed out: the first activity the
    /// groups sent, else the group a first follower followed.
    fn base_url_in_use(&self) -> DbResult<Option<String>> {
        let mut conn = self.conn()?;
        let sent: Option<String> = outgoing_activities::table
            .order(outgoing_activities::id.asc())
            .select(outgoing_activities::activity_id)
            .first(&mut *conn)
            .optional()?;
        if let Some(origin) = sent.as_deref().and_then(origin_of) {
            return Ok(Some(origin));
        }
        let follow: Option<String> = memberships::table
            .order(memberships::id.asc())
            .select(memberships::follow_json)
            .first(&mut *conn)
            .optional()?;
        Ok(follow.as_deref().and_then(followed_origin))
    }
}

/// `https://host[:port]` of an id.
fn origin_of(id: &str) -> Option<String> {
    let url = url::Url::parse(id).ok()?;
    url.host_str()?;
    Some(url.origin().ascii_serialization())
}

/// The origin of the object (our group) of a stored Follow.
fn followed_origin(follow_json: &str) -> Option<String> {
    let follow: serde_json::Value = serde_json::from_str(follow_json).ok()?;
    let object = &follow["object"];
    let id = object.as_str().or_else(|| object["id"].as_str())?;
    origin_of(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_keep_the_port_and_drop_the_path() {
        assert_eq!(
            origin_of("http://127.0.0.1:46353/groups/club/activities/1").as_deref(),
            Some("http://127.0.0.1:46353")
        );
        assert_eq!(
            followed_origin(r#"{"object":{"id":"https://relay.example/groups/club"}}"#).as_deref(),
            Some("https://relay.example")
        );
        assert_eq!(followed_origin("{}"), None);
    }
}
