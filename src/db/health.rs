//! Whether storage works (issue #24): failed calls are counted, and the
//! time of the last one kept, so `/healthz` can report a database that
//! answers its ping but cannot write (a full disk) and `/metrics` can
//! count the failures.

use super::{Db, DbError, DbResult};
use diesel::result::{DatabaseErrorKind, Error as Diesel};
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::Duration;

/// Failed storage calls of one `Db` (shared by its clones).
#[derive(Debug, Default)]
pub struct StorageHealth {
    errors: AtomicU64,
    /// ms since the epoch of the last failure; 0: none yet.
    last_error_ms: AtomicI64,
}

/// A failure of the storage itself: not "not found", "already there" or a
/// constraint a caller relies on, but a lost connection, a pool that
/// timed out, a full or read-only disk, or a failed statement.
pub fn is_storage_failure(e: &DbError) -> bool {
    match e {
        DbError::NotFound | DbError::Conflict(_) => false,
        DbError::Pool(_) | DbError::Task(_) => true,
        DbError::Query(q) => match q {
            Diesel::NotFound | Diesel::RollbackTransaction => false,
            Diesel::DatabaseError(kind, _) => !matches!(
                kind,
                DatabaseErrorKind::UniqueViolation
                    | DatabaseErrorKind::ForeignKeyViolation
                    | DatabaseErrorKind::CheckViolation
                    | DatabaseErrorKind::NotNullViolation
                    | DatabaseErrorKind::SerializationFailure
            ),
            _ => true,
        },
    }
}

impl Db {
    /// Counts `e` when it is a storage failure (see `is_storage_failure`).
    pub fn note_failure(&self, e: &DbError) {
        if is_storage_failure(e) {
            self.health.errors.fetch_add(1, Ordering::Relaxed);
            self.health
                .last_error_ms
                .store(super::now_ms(), Ordering::Relaxed);
        }
    }

    /// Storage failures since this process opened the database.
    pub fn storage_errors(&self) -> u64 {
        self.health.errors.load(Ordering::Relaxed)
    }

    /// When the last storage failure happened (ms since the epoch).
    pub fn last_storage_failure(&self) -> Option<i64> {
        Some(self.health.last_error_ms.load(Ordering::Relaxed)).filter(|&ms| ms > 0)
    }

    /// `ping`, waiting at most `wait` for a pooled connection (the pool's
    /// own timeout is 10 s, longer than a health check may take).
    pub fn ping_within(&self, wait: Duration) -> DbResult<()> {
        use diesel::RunQueryDsl;
        let mut conn = self.pool.get_timeout(wait)?;
        diesel::sql_query("SELECT 1").execute(&mut *conn)?;
        Ok(())
    }
}
