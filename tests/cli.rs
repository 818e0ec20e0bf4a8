//! The admin CLI as an operator uses it: the real binary on a real
//! database, with the exit codes and messages a script depends on.
#![allow(clippy::unwrap_used)]

mod common;

use common::{demesh_cli, Backend, TestDb};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

const BASE: &str = "https://relay.example";

async fn group_lifecycle(backend: Backend) {
    let db = TestDb::new(backend);
    let cli = |args: &[&str]| demesh_cli(&db.url, BASE, args);

    cli(&["migrate"]).ok();
    let out = cli(&["group", "list"]);
    assert!(out.ok().contains("no groups yet"));

    let created = cli(&[
        "group",
        "create",
        "club",
        "--display-name",
        "Book club",
        "--json",
    ])
    .json();
    assert_eq!(created["name"], "club");
    assert_eq!(created["handle"], "@club@relay.example");
    assert_eq!(created["actor"], "https://relay.example/groups/club");
    assert_eq!(created["display_name"], "Book club");
    assert!(
        created.get("private_key_pem").is_none(),
        "keys never printed"
    );

    let out = cli(&["group", "create", "team"]);
    assert!(out.ok().contains("created group @team@relay.example"));

    let err = cli(&["group", "create", "club"]).failed().to_string();
    assert!(err.contains("already exists"), "{err}");
    let err = cli(&["group", "create", "Club"]).failed().to_string();
    assert!(err.contains("lowercase"), "{err}");
    for (bad, why) in [
        ("", "empty"),
        ("book club", "spaces"),
        ("admin", "reserved"),
    ] {
        let err = cli(&["group", "create", bad]).failed().to_string();
        assert!(err.contains(why), "{bad:?}: {err}");
    }

    let list = cli(&["group", "list", "--json"]).json();
    let names: Vec<_> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["name"].clone())
        .collect();
    assert_eq!(names, ["club", "team"]);
    let text = cli(&["group", "list"]).ok().to_string();
    assert!(text.contains("@club@relay.example") && text.contains("Book club"));

    cli(&["group", "set", "club", "summary", "We read."]).ok();
    cli(&["group", "set", "club", "display-name", "Readers"]).ok();
    let shown = cli(&["group", "show", "club", "--json"]).json();
    assert_eq!(shown["summary"], "We read.");
    assert_eq!(shown["display_name"], "Readers");
    assert!(cli(&["group", "show", "club"])
        .ok()
        .contains("@club@relay.example"));
    let err = cli(&["group", "set", "club", "icon", "ftp://img.example/a.png"])
        .failed()
        .to_string();
    assert!(err.contains("https://"), "{err}");
    cli(&[
        "group",
        "set",
        "club",
        "icon",
        "https://img.example/club.png",
    ])
    .ok();
    let shown = cli(&["group", "show", "club", "--json"]).json();
    assert_eq!(shown["icon"], "https://img.example/club.png");
    cli(&["group", "set", "club", "icon", "none"]).ok();
    assert!(cli(&["group", "show", "club", "--json"]).json()["icon"].is_null());
    let err = cli(&["group", "set", "club", "colour", "red"])
        .failed()
        .to_string();
    assert!(err.contains("unknown setting"), "{err}");

    // No terminal to ask on: deleting needs --yes, and nothing is lost.
    let err = cli(&["group", "delete", "club"]).failed().to_string();
    assert!(err.contains("--yes"), "{err}");
    cli(&["group", "show", "club"]).ok();
    cli(&["group", "delete", "club", "--yes"]).ok();
    let err = cli(&["group", "show", "club"]).failed().to_string();
    assert!(err.contains("no group named \"club\""), "{err}");
    let err = cli(&["group", "delete", "club", "--yes"])
        .failed()
        .to_string();
    assert!(err.contains("no group named"), "{err}");
    let err = cli(&["group", "create", "club"]).failed().to_string();
    assert!(err.contains("belonged to a deleted group"), "{err}");
}

async fn migrate_reports_state(backend: Backend) {
    let db = TestDb::new(backend);
    let first = demesh_cli(&db.url, BASE, &["migrate"]).ok().to_string();
    assert!(
        first.contains("up to date") && !first.contains("(0 migrations"),
        "{first}"
    );
    let again = demesh_cli(&db.url, BASE, &["migrate"]).ok().to_string();
    assert!(again.contains("(0 migrations applied)"), "{again}");
}

backend_tests!(group_lifecycle, migrate_reports_state);

#[test]
fn bad_databases_give_one_line_errors() {
    let dir = tempfile::tempdir().unwrap();
    let readonly = dir.path().join("ro.db");
    std::fs::write(&readonly, b"").unwrap();
    let mut perms = std::fs::metadata(&readonly).unwrap().permissions();
    perms.set_readonly(true);
    std::fs::set_permissions(&readonly, perms).unwrap();
    let cases = [
        ("mysql://root@localhost/x".to_string(), "unsupported scheme"),
        ("demesh.db".to_string(), "unsupported scheme"),
        (
            "postgres://nobody@127.0.0.1:1/none".to_string(),
            "cannot connect to PostgreSQL",
        ),
        (
            "sqlite:///nonexistent-dir/x/demesh.db".to_string(),
            "cannot open SQLite database",
        ),
    ];
    for (url, why) in cases {
        // migrate, which may create a database, meets each problem.
        let out = demesh_cli(&url, BASE, &["migrate"]);
        let err = out.failed();
        assert!(err.contains(why), "{url}: {err}");
        assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
    }
    // Root can write anything, so only check read-only files as a user.
    if !is_root() {
        let url = format!("sqlite://{}", readonly.display());
        let err = demesh_cli(&url, BASE, &["migrate"]).failed().to_string();
        assert!(
            err.contains("readonly") || err.contains("read-only"),
            "{err}"
        );
    }
    let err = demesh_cli("sqlite://x.db", "ftp://nope", &["group", "list"])
        .failed()
        .to_string();
    assert!(err.contains("DEMESH_BASE_URL"), "{err}");
}

fn is_root() -> bool {
    std::env::var("USER").map(|u| u == "root").unwrap_or(false)
        || std::process::Command::new("id")
            .arg("-u")
            .output()
            .map(|o| o.stdout.starts_with(b"0"))
            .unwrap_or(false)
}

#[test]
fn help_explains_every_command() {
    let top = demesh_cli("sqlite://x.db", BASE, &["--help"])
        .ok()
        .to_string();
    for word in [
        "serve",
        "migrate",
        "group",
        "DATABASE_URL",
        "DEMESH_BASE_URL",
        "demesh.toml",
    ] {
        assert!(top.contains(word), "--help lacks {word}: {top}");
    }
    let group = demesh_cli("sqlite://x.db", BASE, &["group", "--help"])
        .ok()
        .to_string();
    for word in ["create", "list", "show", "set", "delete"] {
        assert!(group.contains(word), "group --help lacks {word}");
    }
    let create = demesh_cli("sqlite://x.db", BASE, &["group", "create", "--help"])
        .ok()
        .to_string();
    assert!(create.contains("--display-name") && create.contains("--summary"));
}

/// `demesh serve` as a newcomer runs it: creates and migrates the database,
/// logs where it listens, and serves. A config file sets the database and
/// base URL; the DEMESH_LISTEN variable (port 0) wins over the file.
#[test]
fn serve_binary_starts_on_a_fresh_database() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("demesh.toml"),
        "base_url = \"http://relay.test\"\ndatabase_url = \"sqlite://fresh.db\"\nlisten = \"127.0.0.1:1\"\n",
    )
    .unwrap();
    let mut child = KillOnDrop(
        Command::new(env!("CARGO_BIN_EXE_demesh"))
            .arg("serve")
            .current_dir(dir.path())
            .env_remove("DATABASE_URL")
            .env_remove("DEMESH_BASE_URL")
            .env_remove("RUST_LOG")
            .env("DEMESH_LISTEN", "127.0.0.1:0")
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    // Keep draining the log: a server must not be left writing to a closed pipe.
    let stderr = child.0.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(rest) = line.split("listening on http://").nth(1) {
                let _ = tx.send(rest.split_whitespace().next().map(str::to_string));
            }
        }
    });
    let addr = rx
        .recv_timeout(std::time::Duration::from_secs(30))
        .unwrap()
        .expect("a 'listening on' log line");
    let body = reqwest::blocking_get(&format!("http://{addr}/.well-known/nodeinfo"));
    assert!(body.contains("http://relay.test/nodeinfo/2.1"), "{body}");
    assert!(dir.path().join("fresh.db").exists(), "database created");
}

struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

mod reqwest {
    /// A tiny blocking GET without pulling in reqwest's blocking feature.
    pub fn blocking_get(url: &str) -> String {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async { ::reqwest::get(url).await.unwrap().text().await.unwrap() })
    }
}
