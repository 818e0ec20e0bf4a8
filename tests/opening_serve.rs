//! Opening the store, continued (issue #26): warnings about the public
//! URL, passwords never printed, one `serve` per SQLite file.
#![allow(clippy::unwrap_used)]

mod common;

use common::run_in;
use std::io::{BufRead, BufReader};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};

const BASE: &str = "https://relay.example";

type Env<'a> = &'a [(&'a str, &'a str)];

/// `group create` warns (stderr) about a public URL other servers cannot
/// use, and only then.
#[test]
fn group_create_warns_about_unreachable_public_urls() {
    let cases: [(Env, &[&str]); 5] = [
        (&[], &["the default http://localhost:8080"]),
        (&[("DEMESH_BASE_URL", "https://relay.example")], &[]),
        (
            &[("DEMESH_BASE_URL", "http://127.0.0.1:9")],
            &["is http://", "local address"],
        ),
        (
            &[("DEMESH_BASE_URL", "http://relay.example")],
            &["is http://"],
        ),
        (
            &[
                ("DEMESH_BASE_URL", "http://127.0.0.1:9"),
                ("DEMESH_ALLOW_PRIVATE_NETWORKS", "true"),
            ],
            &[],
        ),
    ];
    for (env, warnings) in cases {
        let dir = tempfile::tempdir().unwrap();
        run_in(dir.path(), env, &["migrate"]).ok();
        let out = run_in(dir.path(), env, &["group", "create", "club"]);
        out.ok();
        let lines: Vec<&str> = out.stderr.lines().collect();
        assert_eq!(lines.len(), warnings.len(), "{env:?}: {}", out.stderr);
        for (line, want) in lines.iter().zip(warnings) {
            assert!(
                line.starts_with("warning: ") && line.contains(want),
                "{line}"
            );
        }
    }
}

/// A password pasted unencoded (not a valid URL) is never printed: not by
/// `config`, not in the driver's complaint, which hints at encoding.
#[test]
fn database_passwords_are_never_printed() {
    let dir = tempfile::tempdir().unwrap();
    let url = "postgres://demesh:Xy7/abc+Q==@127.0.0.1:1/demesh";
    for args in [&["config"][..], &["config", "--json"]] {
        let shown = run_in(dir.path(), &[("DATABASE_URL", url)], args);
        let shown = shown.ok();
        assert!(
            shown.contains("postgres://demesh:REDACTED@127.0.0.1:1/demesh"),
            "{shown}"
        );
        assert!(
            !shown.contains("Xy7") && !shown.contains("abc+Q"),
            "{shown}"
        );
    }
    let out = run_in(dir.path(), &[("DATABASE_URL", url)], &["group", "list"]);
    let err = out.failed();
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("percent-encode"), "{err}");
    assert!(!err.contains("Xy7") && !err.contains("abc+Q"), "{err}");
}

/// Runs `demesh serve` in `dir` and returns it once it listens, with the
/// start-up line.
fn serve_in(dir: &Path) -> (KillOnDrop, String) {
    let mut child = KillOnDrop(
        Command::new(env!("CARGO_BIN_EXE_demesh"))
            .arg("serve")
            .current_dir(dir)
            .env_remove("DATABASE_URL")
            .env_remove("DEMESH_CONFIG")
            .env_remove("RUST_LOG")
            .env("DEMESH_BASE_URL", BASE)
            .env("DEMESH_LISTEN", "127.0.0.1:0")
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let stderr = child.0.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if line.contains("listening on http://") {
                let _ = tx.send(line);
            }
        }
    });
    let line = rx
        .recv_timeout(std::time::Duration::from_secs(30))
        .expect("a 'listening on' log line");
    (child, line)
}

/// Two `serve` processes on one SQLite file: the second exits 1 naming
/// the lock. The database and its -wal/-shm files are the owner's only.
#[test]
fn one_serve_per_sqlite_file() {
    let dir = tempfile::tempdir().unwrap();
    let (_first, line) = serve_in(dir.path());
    assert!(
        line.contains(&format!("demesh {} listening", env!("CARGO_PKG_VERSION"))),
        "the start-up line carries the version: {line}"
    );
    let second = run_in(
        dir.path(),
        &[("DEMESH_BASE_URL", BASE), ("DEMESH_LISTEN", "127.0.0.1:0")],
        &["serve"],
    );
    assert_eq!(second.code, 1);
    let err = second.failed();
    assert!(
        err.contains("another demesh serve") && err.contains("demesh.db.lock"),
        "{err}"
    );
    for name in [
        "demesh.db",
        "demesh.db-wal",
        "demesh.db-shm",
        "demesh.db.lock",
    ] {
        let mode = std::fs::metadata(dir.path().join(name))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "{name}: {mode:o}");
    }
    // Admin commands still work beside the server.
    run_in(dir.path(), &[("DEMESH_BASE_URL", BASE)], &["group", "list"]).ok();
    let version = run_in(dir.path(), &[], &["--version"]);
    assert_eq!(
        version.ok().trim(),
        format!("demesh {}", env!("CARGO_PKG_VERSION"))
    );
}

struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
