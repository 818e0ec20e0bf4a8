//! Opening the right backend from `DATABASE_URL`, per-connection settings,
//! and the embedded migrations of each backend.

use anyhow::{bail, Context};
use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::r2d2::{ConnectionManager, CustomizeConnection, Pool};
use diesel::sqlite::SqliteConnection;
use diesel::Connection;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};
use std::time::Duration;

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const PG_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Sqlite(SqliteConnection),
    Pg(PgConnection),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// Splits `DATABASE_URL` into the backend and the string diesel wants.
/// A URL without a known scheme is refused rather than guessed at: a typo
/// must not silently create an empty SQLite file somewhere.
pub fn parse_url(url: &str) -> anyhow::Result<(Backend, String)> {
    if let Some(path) = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
    {
        if path.is_empty() {
            bail!("DATABASE_URL {url:?} names no file: use sqlite://PATH, e.g. sqlite://demesh.db");
        }
        return Ok((Backend::Sqlite, path.to_string()));
    }
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return Ok((Backend::Postgres, url.to_string()));
    }
    let scheme = url.split(':').next().unwrap_or_default();
    bail!(
        "DATABASE_URL has unsupported scheme {scheme:?}: use sqlite://PATH or postgres://USER@HOST/DB"
    )
}

/// SQLite settings that must hold on every connection, not only the first:
/// the CLI and the server open the same file at the same time.
#[derive(Debug)]
struct SqlitePragmas;

/// SQLite's page cache per connection, in KiB (8 connections: 8 MiB).
pub const SQLITE_CACHE_KIB: u32 = 1024;

impl CustomizeConnection<DbConn, diesel::r2d2::Error> for SqlitePragmas {
    fn on_acquire(&self, conn: &mut DbConn) -> Result<(), diesel::r2d2::Error> {
        if let DbConn::Sqlite(c) = conn {
            // busy_timeout first: every later statement may meet a writer.
            // journal_mode=WAL is a property of the file, set once at open.
            // synchronous=FULL: a 202 promises the activity is stored, so
            // each commit reaches the disk (NORMAL may lose the last
            // commits on power loss; the inbox bench measured 4000/s with
            // NORMAL against 3000/s with FULL).
            // cache_size: at most SQLITE_CACHE_KIB of pages per
            // connection (SQLite's default is 2 MiB; 8 connections filled
            // 12.6 MB after 1,000 joins). The kernel's page cache still
            // holds the file, so a miss costs a read call, not the disk.
            c.batch_execute(&format!(
                "PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = ON; \
                 PRAGMA synchronous = FULL; PRAGMA cache_size = -{SQLITE_CACHE_KIB};"
            ))
            .map_err(diesel::r2d2::Error::QueryError)?;
        }
        Ok(())
    }
}

/// Initialises OpenSSL without its exit-time cleanup, before libpq can
/// initialise it with that cleanup. Otherwise a process can crash at exit
/// (SIGSEGV) when the cleanup runs while another thread still uses a TLS
/// connection to PostgreSQL. Only the first initialisation counts, so call
/// this before the first database connection; it is idempotent.
pub fn init_tls() {
    openssl::init();
}

pub fn open_pool(url: &str) -> anyhow::Result<(Backend, Pool<ConnectionManager<DbConn>>)> {
    init_tls();
    let (backend, target) = parse_url(url)?;
    // One direct connection first: r2d2 would retry for its whole timeout
    // and then report only "timed out", hiding the real cause.
    match backend {
        Backend::Sqlite => {
            let mut c = SqliteConnection::establish(&target)
                .with_context(|| format!("cannot open SQLite database {target:?}"))?;
            c.batch_execute("PRAGMA busy_timeout = 10000; PRAGMA journal_mode = WAL;")
                .with_context(|| format!("cannot use SQLite database {target:?}"))?;
        }
        Backend::Postgres => {
            PgConnection::establish(&target)
                .map_err(|e| refused(url, &e.to_string()))
                .context("cannot connect to PostgreSQL")?;
        }
    }
    let manager = ConnectionManager::<DbConn>::new(match backend {
        Backend::Sqlite => target,
        Backend::Postgres => url.to_string(),
    });
    let pool = Pool::builder()
        .max_size(match backend {
            // SQLite serialises writers anyway; a few readers are plenty.
            Backend::Sqlite => 8,
            Backend::Postgres => 16,
        })
        // No idle connections opened in the background: r2d2 would open
        // them on its own thread, and a short-lived CLI process could then
        // exit while libpq is mid-TLS-handshake there, which crashes
        // inside OpenSSL's exit handlers. Connections open on demand.
        .min_idle(Some(0))
        .connection_timeout(Duration::from_secs(10))
        .connection_customizer(Box::new(SqlitePragmas))
        .build(manager)
        .context("cannot open the database connection pool")?;
    Ok((backend, pool))
}

/// libpq's complaint about `url`, on one line, without the password
/// pieces it may quote, with a hint when the password is not encoded.
fn refused(url: &str, message: &str) -> anyhow::Error {
    let mut text = super::redact::scrub_password(&one_line(message), url);
    if super::redact::password_needs_encoding(url) {
        text.push_str(
            " (hint: the password in DATABASE_URL has characters a URL reserves; \
             percent-encode them, e.g. / as %2F, @ as %40, : as %3A, # as %23, ? as %3F)",
        );
    }
    anyhow::anyhow!(text)
}

/// libpq reports errors over several lines; operators want one.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Key of the PostgreSQL advisory lock held while migrating ("demesh" in
/// ASCII): any fixed number other programs on the database do not use.
const MIGRATION_LOCK: i64 = 0x6465_6d65_7368;

pub fn run_migrations(conn: &mut DbConn) -> anyhow::Result<usize> {
    let failed = |e| anyhow::anyhow!("migrating the database failed: {e}");
    match conn {
        // Processes starting together (the CLI and a server on a fresh
        // file) would each see the same pending migrations and run them
        // twice: the second fails on "already exists". BEGIN IMMEDIATE
        // takes the write lock first, so the others wait (busy_timeout),
        // then find nothing pending. diesel runs each migration in a
        // savepoint inside it.
        DbConn::Sqlite(c) => c.immediate_transaction(|c| {
            c.run_pending_migrations(SQLITE_MIGRATIONS)
                .map(|v| v.len())
                .map_err(failed)
        }),
        DbConn::Pg(c) => {
            // The same race between `serve` processes on one PostgreSQL,
            // with an advisory lock. It is a session lock, so a process
            // killed mid-migration releases it.
            c.batch_execute(&format!("SELECT pg_advisory_lock({MIGRATION_LOCK})"))
                .context("waiting for the migration lock")?;
            let applied = c.run_pending_migrations(PG_MIGRATIONS).map(|v| v.len());
            c.batch_execute(&format!("SELECT pg_advisory_unlock({MIGRATION_LOCK})"))
                .context("releasing the migration lock")?;
            applied.map_err(failed)
        }
    }
}

/// Whether diesel's record of migrations exists (the schema was made).
pub fn has_migrations_table(conn: &mut DbConn) -> super::DbResult<bool> {
    use diesel::sql_types::BigInt;
    use diesel::RunQueryDsl;
    let query = match conn {
        DbConn::Sqlite(_) => {
            "SELECT count(*) FROM sqlite_master \
             WHERE type = 'table' AND name = '__diesel_schema_migrations'"
        }
        DbConn::Pg(_) => {
            "SELECT count(*) FROM information_schema.tables \
             WHERE table_schema = current_schema() \
             AND table_name = '__diesel_schema_migrations'"
        }
    };
    let n: i64 =
        diesel::select(diesel::dsl::sql::<BigInt>(&format!("({query})"))).get_result(conn)?;
    Ok(n > 0)
}

/// Applied migrations that this binary does not embed, oldest first.
pub fn unknown_migrations(conn: &mut DbConn) -> anyhow::Result<Vec<String>> {
    use diesel::migration::MigrationSource;
    let failed = |e| anyhow::anyhow!("reading the applied migrations failed: {e}");
    let (applied, known): (Vec<String>, Vec<String>) = match conn {
        DbConn::Sqlite(c) => (
            c.applied_migrations()
                .map_err(failed)?
                .iter()
                .map(|v| v.to_string())
                .collect(),
            MigrationSource::<diesel::sqlite::Sqlite>::migrations(&SQLITE_MIGRATIONS)
                .map_err(failed)?
                .iter()
                .map(|m| m.name().version().to_string())
                .collect(),
        ),
        DbConn::Pg(c) => (
            c.applied_migrations()
                .map_err(failed)?
                .iter()
                .map(|v| v.to_string())
                .collect(),
            MigrationSource::<diesel::pg::Pg>::migrations(&PG_MIGRATIONS)
                .map_err(failed)?
                .iter()
                .map(|m| m.name().version().to_string())
                .collect(),
        ),
    };
    let mut unknown: Vec<String> = applied.into_iter().filter(|v| !known.contains(v)).collect();
    unknown.sort();
    Ok(unknown)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_pick_their_backend() {
        let (b, p) = parse_url("sqlite://demesh.db").expect("sqlite url");
        assert_eq!((b, p.as_str()), (Backend::Sqlite, "demesh.db"));
        let (b, p) = parse_url("sqlite:///var/lib/demesh.db").expect("absolute path");
        assert_eq!((b, p.as_str()), (Backend::Sqlite, "/var/lib/demesh.db"));
        let (b, _) = parse_url("postgres://u@localhost/demesh").expect("pg url");
        assert_eq!(b, Backend::Postgres);
        assert_eq!(
            parse_url("postgresql://x/y").expect("alias").0,
            Backend::Postgres
        );
    }

    #[test]
    fn unknown_or_empty_urls_are_refused() {
        let err = parse_url("mysql://root@localhost/x").expect_err("mysql");
        assert!(
            err.to_string().contains("unsupported scheme \"mysql\""),
            "{err}"
        );
        assert!(parse_url("demesh.db").is_err());
        assert!(parse_url("sqlite://").is_err());
    }
}
