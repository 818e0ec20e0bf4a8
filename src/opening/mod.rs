//! How the CLI and the server open the store (issue #26): only `serve`,
//! `migrate` and `demo` may create a database; every other command
//! refuses a missing one instead of answering from a fresh, empty file.
//! Every opening also refuses a database migrated by a newer demesh, and
//! one whose identities live at another public URL.

mod sqlite_file;

use crate::config::{Config, DEFAULT_BASE_URL};
use crate::db::{parse_url, redact_database_url, Backend, Db};
use anyhow::bail;
use std::path::{Path, PathBuf};

pub use sqlite_file::ServeLock;

/// Whether opening may create the database.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// `serve`, `migrate`: create and migrate as needed.
    Create,
    /// Every other command: the database must exist already.
    Existing,
}

/// An admin command's store: it must exist; pending migrations are
/// applied; the public URL must be the pinned one.
pub fn existing(config: &Config) -> anyhow::Result<Db> {
    let db = open(config, Access::Existing)?;
    migrate_and_pin(&db, config)?;
    Ok(db)
}

/// `demesh migrate`: creates the database if needed (SQLite files mode
/// 0600), migrates, pins the public URL. Returns how many migrations ran.
pub fn migrate(config: &Config) -> anyhow::Result<(Db, usize)> {
    let db = open(config, Access::Create)?;
    let applied = migrate_and_pin(&db, config)?;
    Ok((db, applied))
}

/// `demesh serve`: as `migrate`, holding the SQLite file's lock (one
/// serving process per file) for as long as the returned lock lives.
pub fn for_serving(config: &Config) -> anyhow::Result<(Db, Option<ServeLock>)> {
    let lock = match parse_url(&config.database_url)? {
        (Backend::Sqlite, target) => Some(ServeLock::take(&absolute(&target))?),
        (Backend::Postgres, _) => None,
    };
    let (db, _) = migrate(config)?;
    Ok((db, lock))
}

fn open(config: &Config, access: Access) -> anyhow::Result<Db> {
    let url = &config.database_url;
    let (backend, target) = parse_url(url)?;
    let missing = || match backend {
        Backend::Sqlite => no_database(&absolute(&target).display().to_string(), ""),
        Backend::Postgres => no_database(&redact_database_url(url), "it has no demesh tables; "),
    };
    if backend == Backend::Sqlite {
        let path = absolute(&target);
        match access {
            Access::Existing if !path.exists() => return Err(missing()),
            Access::Create => sqlite_file::create_private(&path)?,
            Access::Existing => {}
        }
    }
    let db = Db::open(url)?;
    if access == Access::Existing && !db.has_schema()? {
        return Err(missing());
    }
    Ok(db)
}

fn no_database(place: &str, why: &str) -> anyhow::Error {
    anyhow::anyhow!(
        "no database at {place} ({why}set DATABASE_URL or --config; demesh migrate creates one)"
    )
}

/// Refuses a newer schema, applies pending migrations, and checks the
/// public URL against the pinned one (pinning it on first use).
fn migrate_and_pin(db: &Db, config: &Config) -> anyhow::Result<usize> {
    if db.has_schema()? {
        let unknown = db.unknown_migrations()?;
        if let Some(last) = unknown.last() {
            bail!(
                "the database was migrated by a newer demesh (migration {last} is unknown to \
                 demesh {}): run the newer version, or restore the backup taken before upgrading",
                env!("CARGO_PKG_VERSION")
            );
        }
    }
    let applied = db.migrate()?;
    let pinned = db.pin_base_url(config.base())?;
    if pinned != config.base() {
        bail!(
            "the database belongs to {pinned}, but the public URL configured is {} \
             (DEMESH_BASE_URL or --base-url): identities cannot move to another URL; \
             set DEMESH_BASE_URL={pinned}",
            config.base()
        );
    }
    Ok(applied)
}

/// Warnings for `group create`: a group's address is built on the public
/// URL, which is pinned for good once used.
pub fn base_url_warnings(config: &Config) -> Vec<String> {
    let base = config.base();
    let host = config.base_url.host_str().unwrap_or_default();
    let local = host == "localhost"
        || host.ends_with(".localhost")
        || host
            .trim_matches(['[', ']'])
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback() || ip.is_unspecified());
    let mut warnings = Vec::new();
    if base == DEFAULT_BASE_URL {
        warnings.push(format!(
            "the public URL is the default {DEFAULT_BASE_URL}: set DEMESH_BASE_URL to this \
             server's https:// address; it is pinned in the database for good"
        ));
    } else if !config.allow_private_networks {
        if config.base_url.scheme() == "http" {
            warnings.push(format!(
                "the public URL {base} is http://: fediverse servers expect https://"
            ));
        }
        if local {
            warnings.push(format!(
                "the public URL {base} is a local address no other server can reach"
            ));
        }
    }
    warnings
}

/// `target` made absolute against the current directory, for messages
/// that must say which file was meant.
fn absolute(target: &str) -> PathBuf {
    std::path::absolute(Path::new(target)).unwrap_or_else(|_| PathBuf::from(target))
}
