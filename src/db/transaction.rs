//! One database transaction around several `Db` methods.
//!
//! `Db::transaction` pins one pooled connection and hands the closure a
//! `Db` whose every method (`self.conn()`) runs on that connection, inside
//! one transaction: an effect's change of state and the activities it
//! sends are committed together or not at all. Methods keep their own
//! `conn.transaction(…)` blocks; inside a pinned connection diesel turns
//! them into savepoints.

use super::{Db, DbConn, DbError, DbResult};
use diesel::connection::{AnsiTransactionManager, TransactionManager};
use diesel::r2d2::{ConnectionManager, PooledConnection};
use std::ops::{Deref, DerefMut};
use std::sync::{Arc, Mutex, MutexGuard};

type Pooled = PooledConnection<ConnectionManager<DbConn>>;

/// The connection a transaction runs on, shared by the clones of its `Db`.
pub(super) type Pinned = Arc<Mutex<Pooled>>;

/// A connection borrowed by one `Db` method: its own from the pool, or the
/// transaction's pinned one.
pub enum Conn<'a> {
    Pooled(Pooled),
    Pinned(MutexGuard<'a, Pooled>),
}

impl Deref for Conn<'_> {
    type Target = DbConn;
    fn deref(&self) -> &DbConn {
        match self {
            Conn::Pooled(c) => c,
            Conn::Pinned(c) => c,
        }
    }
}

impl DerefMut for Conn<'_> {
    fn deref_mut(&mut self) -> &mut DbConn {
        match self {
            Conn::Pooled(c) => c,
            Conn::Pinned(c) => c,
        }
    }
}

impl Db {
    /// A connection for one method: the transaction's, if this `Db` runs
    /// one, else one from the pool.
    pub(crate) fn conn(&self) -> DbResult<Conn<'_>> {
        match &self.pinned {
            None => Ok(Conn::Pooled(self.pool.get()?)),
            // A method that still holds its connection while it calls
            // another would wait for itself forever: say so instead.
            Some(pinned) => match pinned.try_lock() {
                Ok(guard) => Ok(Conn::Pinned(guard)),
                Err(std::sync::TryLockError::Poisoned(p)) => Ok(Conn::Pinned(p.into_inner())),
                Err(std::sync::TryLockError::WouldBlock) => Err(DbError::Task(
                    "a database method called another while holding the transaction's connection"
                        .into(),
                )),
            },
        }
    }

    /// Runs `work` in one transaction: every `Db` method it calls on the
    /// `Db` it is given shares one connection, and all their writes are
    /// committed together when `work` returns `Ok`, or none of them when
    /// it returns `Err`. Inside a transaction, a nested call joins it.
    ///
    /// On SQLite the transaction starts with `BEGIN IMMEDIATE`: it takes
    /// the write lock first, so two transactions that read then write
    /// cannot deadlock on upgrading their locks (one waits at the start,
    /// within the busy timeout). Keep network requests out of `work`: on
    /// SQLite every other writer waits for it.
    pub fn transaction<T, E, F>(&self, work: F) -> Result<T, E>
    where
        F: FnOnce(&Db) -> Result<T, E>,
        E: From<DbError>,
    {
        if self.pinned.is_some() {
            return work(self);
        }
        let mut pooled = self.pool.get().map_err(DbError::from)?;
        match &mut *pooled {
            DbConn::Sqlite(c) => {
                AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")
            }
            DbConn::Pg(c) => AnsiTransactionManager::begin_transaction(c),
        }
        .map_err(DbError::from)?;
        let pinned: Pinned = Arc::new(Mutex::new(pooled));
        let mut open = Open(Some(pinned.clone()));
        let tx = Db {
            pool: self.pool.clone(),
            backend: self.backend,
            pinned: Some(pinned),
            health: self.health.clone(),
        };
        let result = work(&tx);
        drop(tx);
        let ended = match &result {
            Ok(_) => open.end(true),
            Err(_) => open.end(false),
        };
        match (result, ended) {
            (Ok(value), Ok(())) => Ok(value),
            (Ok(_), Err(e)) => Err(e.into()),
            (Err(e), _) => Err(e),
        }
    }
}

/// A transaction not yet committed or rolled back. Dropped while open
/// (a panic in the work), it rolls back, so the connection goes back to
/// the pool clean.
struct Open(Option<Pinned>);

impl Open {
    fn end(&mut self, commit: bool) -> DbResult<()> {
        let Some(pinned) = self.0.take() else {
            return Ok(());
        };
        let mut guard = pinned.lock().unwrap_or_else(|p| p.into_inner());
        let conn: &mut DbConn = &mut guard;
        if commit {
            if let Err(e) =
                <DbConn as diesel::Connection>::TransactionManager::commit_transaction(conn)
            {
                let _ =
                    <DbConn as diesel::Connection>::TransactionManager::rollback_transaction(conn);
                return Err(e.into());
            }
            Ok(())
        } else {
            Ok(<DbConn as diesel::Connection>::TransactionManager::rollback_transaction(conn)?)
        }
    }
}

impl Drop for Open {
    fn drop(&mut self) {
        let _ = self.end(false);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn db() -> (tempfile::TempDir, Db) {
        let dir = tempfile::tempdir().expect("tempdir");
        let url = format!("sqlite://{}", dir.path().join("t.db").display());
        (dir, Db::connect(&url).expect("db"))
    }

    #[test]
    fn all_or_nothing() {
        let (_dir, db) = db();
        let failed: DbResult<()> = db.transaction(|tx| {
            tx.add_block("one.example", "")?;
            tx.add_block("two.example", "")?;
            Err(DbError::Conflict("stop".into()))
        });
        assert!(failed.is_err());
        assert!(db.list_blocks().expect("list").is_empty());
        db.transaction(|tx| {
            tx.add_block("one.example", "")?;
            tx.transaction(|inner| inner.add_block("two.example", ""))
        })
        .expect("commit");
        assert_eq!(db.list_blocks().expect("list").len(), 2);
    }

    #[test]
    fn nested_connection_use_is_an_error_not_a_hang() {
        let (_dir, db) = db();
        let result: DbResult<()> = db.transaction(|tx| {
            let _held = tx.conn()?;
            tx.add_block("x.example", "").map(drop)
        });
        assert!(matches!(result, Err(DbError::Task(_))), "{result:?}");
    }
}
