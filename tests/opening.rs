//! How commands open the store (issue #26): only `serve`, `migrate` and
//! `demo` create a database; the public URL is pinned; a newer schema is
//! refused; one `serve` per SQLite file; no password is ever printed.
#![allow(clippy::unwrap_used)]

mod common;

use common::{demesh_cli, exec_sql, Backend, CliOutput, TestDb};
use std::io::{BufRead, BufReader};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};

const BASE: &str = "https://relay.example";

/// The binary run in `dir` with only the given variables of demesh's set.
fn run_in(dir: &Path, env: &[(&str, &str)], args: &[&str]) -> CliOutput {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_demesh"));
    cmd.args(args).current_dir(dir);
    for var in [
        "DATABASE_URL",
        "DEMESH_BASE_URL",
        "DEMESH_CONFIG",
        "DEMESH_LISTEN",
        "DEMESH_ALLOW_PRIVATE_NETWORKS",
        "RUST_LOG",
    ] {
        cmd.env_remove(var);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    CliOutput {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// The case: an admin command run from another directory (or on a
/// mistyped path) refuses, names the absolute path, and creates nothing.
#[test]
fn admin_commands_never_create_a_database() {
    let dir = tempfile::tempdir().unwrap();
    let abs = dir.path().canonicalize().unwrap();
    let expected = format!(
        "error: no database at {}/demesh.db (set DATABASE_URL or --config; demesh migrate creates one)\n",
        abs.display()
    );
    for args in [
        &["request", "list"][..],
        &["group", "list"],
        &["group", "create", "club"],
        &["member", "list", "club"],
        &["invite", "list", "club"],
        &["block", "list"],
        &["audit"],
        &["queue", "--json"],
        &["inbox"],
        &["report", "list"],
        &["post", "list", "club"],
    ] {
        let out = run_in(&abs, &[], args);
        assert_eq!(out.code, 1, "{args:?}: {}", out.stdout);
        assert_eq!(out.stderr, expected, "{args:?}");
    }
    let typo = run_in(
        &abs,
        &[("DATABASE_URL", "sqlite://demsh.db")],
        &["group", "list"],
    );
    assert!(
        typo.failed()
            .contains(&format!("no database at {}/demsh.db", abs.display())),
        "{}",
        typo.stderr
    );
    // A role SQLite cannot run is refused before anything is opened.
    let web = run_in(&abs, &[], &["serve", "--role", "web"]);
    assert!(web.failed().contains("needs PostgreSQL"), "{}", web.stderr);
    let listen = run_in(&abs, &[("DEMESH_LISTEN", "nowhere")], &["serve"]);
    assert!(listen.failed().contains("DEMESH_LISTEN"), "{}", listen.stderr);
    assert!(files_in(&abs).is_empty(), "created: {:?}", files_in(&abs));

    // migrate creates it, private to its owner; then the commands work.
    let made = run_in(&abs, &[("DEMESH_BASE_URL", BASE)], &["migrate"]);
    assert!(made.ok().contains("up to date"), "{}", made.stderr);
    let mode = std::fs::metadata(abs.join("demesh.db"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600, "{mode:o}");
    let listed = run_in(&abs, &[("DEMESH_BASE_URL", BASE)], &["request", "list"]);
    assert!(listed.ok().contains("no pending requests"));
}

/// A database that exists but was never migrated (an empty file, a fresh
/// PostgreSQL database) is refused the same way, and left as it was.
async fn an_unmigrated_database_is_refused(backend: Backend) {
    let db = TestDb::new(backend);
    if backend == Backend::Sqlite {
        std::fs::write(db.url.trim_start_matches("sqlite://"), b"").unwrap();
    }
    let err = demesh_cli(&db.url, BASE, &["request", "list"])
        .failed()
        .to_string();
    assert!(err.starts_with("error: no database at "), "{err}");
    assert!(err.contains("demesh migrate creates one"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    let first = demesh_cli(&db.url, BASE, &["migrate"]).ok().to_string();
    assert!(
        !first.contains("(0 migrations"),
        "nothing was made before: {first}"
    );
}

/// The public URL is stored at the first migration; every command and
/// `serve` refuse another, naming both.
async fn the_public_url_is_pinned(backend: Backend) {
    let db = TestDb::new(backend);
    demesh_cli(&db.url, BASE, &["migrate"]).ok();
    demesh_cli(&db.url, BASE, &["group", "create", "club"]).ok();
    for args in [
        &["group", "list"][..],
        &["migrate"],
        &["invite", "create", "club"],
    ] {
        let err = demesh_cli(&db.url, "https://other.example", args)
            .failed()
            .to_string();
        assert!(
            err.contains("https://relay.example") && err.contains("https://other.example"),
            "{args:?}: {err}"
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let serve = run_in(
        dir.path(),
        &[
            ("DATABASE_URL", &db.url),
            ("DEMESH_BASE_URL", "https://other.example"),
            ("DEMESH_LISTEN", "127.0.0.1:0"),
        ],
        &["serve"],
    );
    let err = serve.failed();
    assert!(err.contains("belongs to https://relay.example"), "{err}");

    // A database from before pinning adopts the URL its groups already
    // use (here, the one their first activity went out with).
    exec_sql(&db.url, "DELETE FROM instance_identity");
    exec_sql(
        &db.url,
        "INSERT INTO outgoing_activities (group_id, activity_id, body, created_at) \
         SELECT id, 'http://127.0.0.1:46353/groups/club#updates/1', '{}', 0 FROM groups",
    );
    let err = demesh_cli(&db.url, "http://localhost:8080", &["group", "list"])
        .failed()
        .to_string();
    assert!(
        err.contains("belongs to http://127.0.0.1:46353") && err.contains("http://localhost:8080"),
        "{err}"
    );
    let list = demesh_cli(
        &db.url,
        "http://127.0.0.1:46353",
        &["group", "list", "--json"],
    )
    .json();
    assert_eq!(list[0]["handle"], "@club@127.0.0.1:46353");
}

/// A database migrated by a newer demesh (a migration this one does not
/// know) is refused by every command, before anything is changed.
async fn a_newer_schema_is_refused(backend: Backend) {
    let db = TestDb::new(backend);
    demesh_cli(&db.url, BASE, &["migrate"]).ok();
    exec_sql(
        &db.url,
        "INSERT INTO __diesel_schema_migrations (version) VALUES ('29991231000000')",
    );
    for args in [&["group", "list"][..], &["migrate"]] {
        let err = demesh_cli(&db.url, BASE, args).failed().to_string();
        assert!(
            err.contains("newer demesh") && err.contains("29991231000000"),
            "{args:?}: {err}"
        );
    }
}

backend_tests!(
    an_unmigrated_database_is_refused,
    the_public_url_is_pinned,
    a_newer_schema_is_refused
);

/// `group create` warns (stderr) about a public URL other servers cannot
/// use, and only then.
#[test]
fn group_create_warns_about_unreachable_public_urls() {
    let cases: [(&[(&str, &str)], &[&str]); 5] = [
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
