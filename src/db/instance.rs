//! The instance actor's key pair (one row).

use super::schema::instance_keys;
use super::{now_ms, per_backend, Db, DbResult};
use diesel::prelude::*;

impl Db {
    /// The stored (private PEM, public PEM), if any.
    pub fn instance_keys(&self) -> DbResult<Option<(String, String)>> {
        let mut conn = self.conn()?;
        Ok(instance_keys::table
            .select((
                instance_keys::private_key_pem,
                instance_keys::public_key_pem,
            ))
            .first::<(String, String)>(&mut *conn)
            .optional()?)
    }

    /// Stores a key pair unless one exists, and returns the one stored:
    /// a CLI and a server starting together agree on a single key.
    pub fn insert_instance_keys(&self, private: &str, public: &str) -> DbResult<(String, String)> {
        let mut conn = self.conn()?;
        let row = (
            instance_keys::id.eq(1_i64),
            instance_keys::private_key_pem.eq(private),
            instance_keys::public_key_pem.eq(public),
            instance_keys::created_at.eq(now_ms()),
        );
        per_backend!(&mut *conn, |c| diesel::insert_into(instance_keys::table)
            .values(row)
            .on_conflict_do_nothing()
            .execute(c))?;
        Ok(instance_keys::table
            .select((
                instance_keys::private_key_pem,
                instance_keys::public_key_pem,
            ))
            .first::<(String, String)>(&mut *conn)?)
    }
}
