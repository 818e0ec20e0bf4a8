//! The SQLite file: created private, and locked by the serving process.

use anyhow::{bail, Context};
use std::fs::{File, OpenOptions};
use std::os::unix::fs::OpenOptionsExt;
use std::os::unix::io::AsRawFd;
use std::path::{Path, PathBuf};

/// Owner read and write only: the file holds every group's private key.
/// SQLite gives its -wal and -shm files the database file's mode.
const PRIVATE: u32 = 0o600;

/// Creates an empty database file, mode 0600, unless one exists.
pub fn create_private(path: &Path) -> anyhow::Result<()> {
    match OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(PRIVATE)
        .open(path)
    {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e).with_context(|| format!("cannot open SQLite database {}", path.display())),
    }
}

/// An advisory lock on `DB.lock`, held while the process lives: a second
/// `serve` on the same file would run a second set of workers on it.
pub struct ServeLock {
    _file: File,
    path: PathBuf,
}

impl ServeLock {
    pub fn take(database: &Path) -> anyhow::Result<ServeLock> {
        let mut name = database.as_os_str().to_owned();
        name.push(".lock");
        let path = PathBuf::from(name);
        let file = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(false)
            .mode(PRIVATE)
            .open(&path)
            .with_context(|| format!("cannot open the lock file {}", path.display()))?;
        // SAFETY: flock only reads the descriptor, which `file` keeps open.
        let locked = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
        if locked != 0 {
            let err = std::io::Error::last_os_error();
            if err.raw_os_error() == Some(libc::EWOULDBLOCK) {
                bail!(
                    "another demesh serve is running on {}: it holds the lock {} \
                     (SQLite runs one serving process; stop the other first)",
                    database.display(),
                    path.display()
                );
            }
            return Err(err).with_context(|| format!("cannot lock {}", path.display()));
        }
        Ok(ServeLock { _file: file, path })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}
