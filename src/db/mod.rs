//! Storage. Every SQL statement demesh runs lives below this module, behind
//! methods of [`Db`] named for what they do (`db.create_group(…)`), so that
//! handlers, the CLI and the delivery worker never see diesel.
//!
//! One binary serves both backends: the scheme of `DATABASE_URL` picks
//! SQLite or PostgreSQL at run time through diesel's `MultiConnection`.

mod actors;
mod answers;
mod audit;
mod blocks;
mod claim;
mod connection;
mod direct_messages;
mod edit_marks;
mod group_deletion;
mod groups;
mod health;
mod hosts;
mod identity;
mod inbox;
mod inbox_retries;
mod instance;
mod invites;
pub mod memberships;
mod notices;
mod posts;
mod publishing;
pub mod queue;
mod queue_retention;
mod queue_status;
mod redact;
mod reports;
mod roles;
pub mod schema;
mod settings;
mod stale_actors;
mod states;
mod superseded;
mod transaction;
mod undone_follows;

pub use actors::RemoteActor;
pub use answers::{GroupBlock, Outgoing, Removal};
pub use audit::{AuditEntry, AuditOutcome, NewAudit};
pub use blocks::{covering_domains, domain_covers, Block};
pub(crate) use claim::claim_token;
pub use connection::{init_tls, parse_url, Backend, DbConn};
pub use direct_messages::{DirectMessage, NewDirect};
pub use groups::{Group, NewGroup};
pub use health::is_storage_failure;
pub use hosts::ProbeDue;
pub use inbox::IncomingActivity;
pub use inbox_retries::StoredActivity;
pub use invites::{Invite, InviteUse};
pub use memberships::{Membership, MembershipView};
pub use notices::REPLY_NOTICE_GAP_MS;
pub use posts::{MemberInbox, NewPost, Post};
pub use queue::{DueDelivery, Target};
pub use queue_status::HostStatus;
pub use redact::redact_database_url;
pub use reports::{NewReport, Report};
pub use roles::MemberRole;
pub use settings::{Posting, Setting};
pub use states::{DeliveryState, LeakGuard, MembershipState, UnknownWord};
pub use transaction::Conn;

use diesel::r2d2::{ConnectionManager, Pool};
use thiserror::Error;

/// Errors from the storage layer, kept apart from diesel's so callers can
/// tell "not there" and "already there" from a broken database.
#[derive(Debug, Error)]
pub enum DbError {
    #[error("not found")]
    NotFound,
    #[error("{0}")]
    Conflict(String),
    #[error("database error: {0}")]
    Query(#[from] diesel::result::Error),
    #[error("database connection pool: {0}")]
    Pool(#[from] diesel::r2d2::PoolError),
    #[error("database task failed: {0}")]
    Task(String),
}

pub type DbResult<T> = Result<T, DbError>;

/// A handle on the database: cheap to clone (the pool is shared).
#[derive(Clone)]
pub struct Db {
    pool: Pool<ConnectionManager<DbConn>>,
    backend: Backend,
    /// Set inside `Db::transaction`: the one connection every method uses.
    pinned: Option<transaction::Pinned>,
    /// Storage failures seen (see `health`).
    health: std::sync::Arc<health::StorageHealth>,
}

impl Db {
    /// Connects, checks that the database answers, and applies pending
    /// migrations. Errors are one line a person can act on.
    pub fn connect(database_url: &str) -> anyhow::Result<Db> {
        let db = Db::open(database_url)?;
        db.migrate()?;
        Ok(db)
    }

    /// Connects without touching the schema (for `demesh migrate`).
    pub fn open(database_url: &str) -> anyhow::Result<Db> {
        let (backend, pool) = connection::open_pool(database_url)?;
        Ok(Db {
            pool,
            backend,
            pinned: None,
            health: Default::default(),
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Applies the embedded migrations of this backend; returns how many ran.
    pub fn migrate(&self) -> anyhow::Result<usize> {
        let mut conn = self.conn().map_err(|e| anyhow::anyhow!("{e}"))?;
        connection::run_migrations(&mut conn)
    }

    /// Runs blocking database work off the async executor.
    pub async fn call<T, F>(&self, f: F) -> DbResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Db) -> DbResult<T> + Send + 'static,
    {
        let db = self.clone();
        let result = tokio::task::spawn_blocking(move || f(&db))
            .await
            .map_err(|e| DbError::Task(e.to_string()))
            .and_then(|r| r);
        if let Err(e) = &result {
            self.note_failure(e);
        }
        result
    }

    /// Opens up to `n` connections now, which the pool then keeps idle: the
    /// server's first requests and first fan-out need not wait for
    /// PostgreSQL connections to be set up (TLS, authentication).
    pub fn warm_up(&self, n: usize) {
        let held: Vec<_> = (0..n).map_while(|_| self.pool.get().ok()).collect();
        drop(held);
    }

    /// A cheap liveness query for health checks and start-up.
    pub fn ping(&self) -> DbResult<()> {
        use diesel::RunQueryDsl;
        let mut conn = self.conn()?;
        diesel::sql_query("SELECT 1").execute(&mut *conn)?;
        Ok(())
    }
}

/// Milliseconds since the Unix epoch: the one time format stored.
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// Runs the same diesel expression on whichever backend the connection is,
/// so that each arm compiles with that backend's full feature set
/// (`ON CONFLICT`, `RETURNING`), which the derived `MultiBackend` lacks.
macro_rules! per_backend {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::db::DbConn::Sqlite($c) => $body,
            $crate::db::DbConn::Pg($c) => $body,
        }
    };
}
pub(crate) use per_backend;
