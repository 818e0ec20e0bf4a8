//! How commands open the store (issue #26): only `serve`, `migrate` and
//! `demo` create a database; the public URL is pinned; a newer schema is
//! refused; one `serve` per SQLite file; no password is ever printed.
#![allow(clippy::unwrap_used)]

mod common;

use common::{demesh_cli, exec_sql, run_in, Backend, TestDb};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

const BASE: &str = "https://relay.example";

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
    assert!(
        listen.failed().contains("DEMESH_LISTEN"),
        "{}",
        listen.stderr
    );
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
