//! Operations and first contact: the demo, completions and man page,
//! `demesh config`, JSON logs with the client address behind a trusted
//! proxy, and the AGPL source link.
#![allow(clippy::unwrap_used)]

mod common;

use common::{Backend, TestDb, TestServer};
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::process::{Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// The binary in an empty directory, without the caller's demesh settings.
fn demesh(dir: &std::path::Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_demesh"));
    cmd.args(args).current_dir(dir);
    for var in [
        "DATABASE_URL",
        "DEMESH_BASE_URL",
        "DEMESH_LISTEN",
        "DEMESH_CONFIG",
        "DEMESH_METRICS_TOKEN",
        "DEMESH_LOG_FORMAT",
        "DEMESH_TRUSTED_PROXIES",
        "DEMESH_SOURCE_URL",
        "DEMESH_CONTACT",
        "RUST_LOG",
    ] {
        cmd.env_remove(var);
    }
    cmd
}

fn text(out: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn demo_walks_the_whole_loop_and_exits_0() {
    let dir = tempfile::tempdir().unwrap();
    // The demo ignores the configuration: a broken file does not stop it.
    std::fs::write(dir.path().join("demesh.toml"), "colour = \"red\"\n").unwrap();
    let out = demesh(dir.path(), &["demo"]).output().unwrap();
    let (stdout, stderr) = text(&out);
    assert_eq!(
        out.status.code(),
        Some(0),
        "stdout:\n{stdout}\nstderr:\n{stderr}"
    );
    let steps = [
        "[1/12] start demesh on loopback",
        "[2/12] create the group",
        "[3/12] start three member servers",
        "[4/12] follow",
        "[5/12] pending request",
        "[6/12] approval",
        "[7/12] a \"mentioned people only\" post",
        "[8/12] delivery to the other members",
        "[9/12] a reply",
        "[10/12] an edit",
        "[11/12] a removal (moderator deletes the post)",
        "[12/12] a removal (admin removes carol)",
        "demo complete",
    ];
    let mut from = 0;
    for step in steps {
        let at = stdout[from..]
            .find(step)
            .unwrap_or_else(|| panic!("{step:?} missing or out of order in:\n{stdout}"));
        from += at + step.len();
    }
    assert_eq!(stdout.matches("\n      ok\n").count(), 12, "{stdout}");
    assert!(
        stdout.contains("bob's server got the group's Create{Note}"),
        "{stdout}"
    );
    // The temporary database is gone.
    let db = stdout
        .split("database ")
        .nth(1)
        .and_then(|rest| rest.lines().next())
        .unwrap();
    assert!(!std::path::Path::new(db).exists(), "{db} left behind");
}

#[test]
fn completions_and_man_page_come_from_the_command_definitions() {
    let dir = tempfile::tempdir().unwrap();
    for (shell, marker) in [
        ("bash", "complete -F _demesh"),
        ("zsh", "#compdef demesh"),
        ("fish", "complete -c demesh"),
    ] {
        let out = demesh(dir.path(), &["completions", shell])
            .output()
            .unwrap();
        let (stdout, stderr) = text(&out);
        assert!(out.status.success(), "{shell}: {stderr}");
        assert!(stdout.contains(marker), "{shell}: {stdout}");
        assert!(stdout.contains("approve"), "{shell} completes subcommands");
    }
    let out = demesh(dir.path(), &["completions", "tcsh"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(text(&out).1.contains("invalid value"), "{}", text(&out).1);

    let out = demesh(dir.path(), &["man"]).output().unwrap();
    let (page, _) = text(&out);
    assert!(out.status.success());
    assert!(page.contains(".TH demesh 1"), "{page}");
    assert!(
        page.contains("DEMESH_BASE_URL"),
        "options with their variables"
    );

    let pages = dir.path().join("man1");
    let out = demesh(dir.path(), &["man", "--dir", pages.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out).1);
    for page in ["demesh.1", "demesh-demo.1", "demesh-member-approve.1"] {
        assert!(pages.join(page).exists(), "{page} written");
    }
}

#[test]
fn config_shows_each_value_its_source_and_no_secret() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("demesh.toml"),
        "database_url = \"postgres://demesh:hunter2@db.example/demesh\"\n\
         metrics_token = \"tok-secret\"\nsource_url = \"https://code.example/demesh\"\n",
    )
    .unwrap();
    let out = demesh(
        dir.path(),
        &["config", "--json", "--base-url", "https://relay.example"],
    )
    .env("DEMESH_LISTEN", "0.0.0.0:9000")
    .output()
    .unwrap();
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(
        !stdout.contains("hunter2") && !stdout.contains("tok-secret"),
        "{stdout}"
    );
    let report: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["config_file"], "demesh.toml");
    let get = |key: &str| {
        let s = report["settings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["key"] == key)
            .unwrap_or_else(|| panic!("{key} in {report}"));
        (
            s["value"].as_str().unwrap().to_string(),
            s["source"].as_str().unwrap().to_string(),
        )
    };
    assert_eq!(
        get("base_url"),
        ("https://relay.example".into(), "flag (--base-url)".into())
    );
    assert_eq!(
        get("listen"),
        ("0.0.0.0:9000".into(), "environment (DEMESH_LISTEN)".into())
    );
    assert_eq!(
        get("database_url"),
        (
            "postgres://demesh:REDACTED@db.example/demesh".into(),
            "file (demesh.toml)".into()
        )
    );
    assert_eq!(get("metrics_token").0, "(set, redacted)");
    assert_eq!(get("source_url").0, "https://code.example/demesh");
    assert_eq!(get("log_format"), ("text".into(), "default".into()));

    // Nor does --help, which shows the variables it reads.
    let out = demesh(dir.path(), &["--help"])
        .env(
            "DATABASE_URL",
            "postgres://demesh:hunter2@db.example/demesh",
        )
        .output()
        .unwrap();
    let (help, _) = text(&out);
    assert!(
        help.contains("DATABASE_URL") && !help.contains("hunter2"),
        "{help}"
    );

    // The text form, as an operator reads it.
    let out = demesh(dir.path(), &["config"]).output().unwrap();
    let (stdout, _) = text(&out);
    assert!(
        stdout.contains("configuration file: demesh.toml"),
        "{stdout}"
    );
    assert!(
        stdout
            .lines()
            .any(|l| l.starts_with("listen") && l.ends_with("default")),
        "{stdout}"
    );
}

/// `demesh serve` with JSON logs; returns the child, its address, and the
/// log lines as they come.
fn serve_json(
    dir: &std::path::Path,
    proxies: Option<&str>,
) -> (KillOnDrop, String, mpsc::Receiver<String>) {
    let mut cmd = demesh(dir, &["serve", "--log-format", "json"]);
    cmd.env("DATABASE_URL", "sqlite://demesh.db")
        .env("DEMESH_LISTEN", "127.0.0.1:0")
        .stderr(Stdio::piped());
    if let Some(p) = proxies {
        cmd.env("DEMESH_TRUSTED_PROXIES", p);
    }
    let mut child = KillOnDrop(cmd.spawn().unwrap());
    let stderr = child.0.stderr.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    loop {
        let line = rx
            .recv_timeout(Duration::from_secs(30))
            .expect("a log line");
        let v: Value = serde_json::from_str(&line)
            .unwrap_or_else(|e| panic!("not one JSON object per line ({e}): {line}"));
        if let Some(addr) = v["listen"].as_str() {
            return (child, addr.to_string(), rx);
        }
    }
}

/// The access log line for `path`, as JSON.
fn access_line(rx: &mpsc::Receiver<String>, path: &str) -> Value {
    loop {
        let line = rx
            .recv_timeout(Duration::from_secs(10))
            .expect("an access log line");
        let v: Value = serde_json::from_str(&line)
            .unwrap_or_else(|e| panic!("not one JSON object per line ({e}): {line}"));
        if v["message"].as_str().is_some_and(|m| m.contains(path)) {
            return v;
        }
    }
}

#[test]
fn json_logs_show_the_forwarded_client_only_behind_a_trusted_proxy() {
    let get = |addr: &str, path: &str| {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let url = format!("http://{addr}{path}");
        rt.block_on(async {
            reqwest::Client::new()
                .get(url)
                .header("x-forwarded-for", "203.0.113.7")
                .send()
                .await
                .unwrap()
                .status()
        })
    };
    let dir = tempfile::tempdir().unwrap();
    let (_child, addr, rx) = serve_json(dir.path(), Some("127.0.0.1, ::1"));
    assert_eq!(get(&addr, "/healthz"), 200);
    let line = access_line(&rx, "/healthz");
    let message = line["message"].as_str().unwrap();
    assert!(message.starts_with("203.0.113.7 "), "{line}");
    assert!(
        line["level"].is_string() && line["timestamp"].is_string(),
        "{line}"
    );

    let dir = tempfile::tempdir().unwrap();
    let (_child, addr, rx) = serve_json(dir.path(), None);
    assert_eq!(get(&addr, "/healthz"), 200);
    let line = access_line(&rx, "/healthz");
    let message = line["message"].as_str().unwrap();
    assert!(message.starts_with("127.0.0.1 "), "untrusted peer: {line}");
    assert!(!message.contains("203.0.113.7"), "{line}");
}

#[actix_web::test]
async fn the_source_url_is_published_only_where_the_operator_set_it() {
    let db = TestDb::new(Backend::Sqlite);
    let s = TestServer::start(&db).await;
    s.cli(&["group", "create", "club"]).ok();
    let info = nodeinfo(&s).await;
    assert!(info["software"].get("repository").is_none(), "{info}");
    for path in ["/", "/groups/club"] {
        let page = html(&s.url(path)).await;
        assert!(
            page.contains("Affero General Public License"),
            "{path}: {page}"
        );
        assert!(
            page.contains("ask them for it") && !page.contains("DEMESH_SOURCE_URL"),
            "{path}: {page}"
        );
    }
    s.stop().await;

    let db = TestDb::new(Backend::Sqlite);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let source = "https://code.example/ops/demesh/tree/v0.1.0-local";
    let s = TestServer::start_configured(&db, listener, |c| {
        c.source_url = Some(source.parse().unwrap());
    })
    .await;
    s.cli(&["group", "create", "club"]).ok();
    let info = nodeinfo(&s).await;
    assert_eq!(info["software"]["repository"], source);
    for path in ["/", "/groups/club"] {
        let page = html(&s.url(path)).await;
        assert!(
            page.contains(&format!("<a href=\"{source}\">Source code</a>")),
            "{path}: {page}"
        );
    }
}

async fn nodeinfo(s: &TestServer) -> Value {
    common::http()
        .get(s.url("/nodeinfo/2.1"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

async fn html(url: &str) -> String {
    common::http()
        .get(url)
        .header("accept", "text/html")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
