//! Shared test harness: a fresh database per test on either backend, the
//! real server on port 0, and the real `demesh` binary for CLI checks.
#![allow(dead_code, clippy::unwrap_used)]

pub mod backends;
pub mod club;
pub mod dm;
pub mod fake_remote;
pub mod faults;
pub mod wait;

use demesh::config::{Config, FileConfig, Overrides};
use demesh::context::Context;
use demesh::db::Db;
use demesh::server;
use diesel::{Connection, RunQueryDsl};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The PostgreSQL server tests may create databases on (CI sets it).
pub fn postgres_admin_url() -> Option<String> {
    std::env::var("DEMESH_TEST_DATABASE_URL")
        .ok()
        .filter(|s| !s.is_empty())
}

/// Whether PostgreSQL tests run. Without `DEMESH_TEST_DATABASE_URL` they
/// are skipped, unless `DEMESH_TEST_REQUIRE_POSTGRES` is set (CI sets
/// it): then a skip would hide an untested backend, and fails instead.
pub fn postgres_or_skip() -> bool {
    if postgres_admin_url().is_some() {
        return true;
    }
    assert!(
        std::env::var_os("DEMESH_TEST_REQUIRE_POSTGRES").is_none(),
        "DEMESH_TEST_REQUIRE_POSTGRES is set but DEMESH_TEST_DATABASE_URL is not: \
         this PostgreSQL test would be skipped"
    );
    eprintln!("skipped: set DEMESH_TEST_DATABASE_URL to run on PostgreSQL");
    false
}

/// A database that exists for one test only.
pub struct TestDb {
    pub url: String,
    pub dir: tempfile::TempDir,
    pg: Option<(String, String)>,
}

impl TestDb {
    pub fn new(backend: Backend) -> TestDb {
        // Before this process's first PostgreSQL connection (see init_tls).
        demesh::db::init_tls();
        let dir = tempfile::tempdir().unwrap();
        match backend {
            Backend::Sqlite => TestDb {
                url: format!("sqlite://{}", dir.path().join("demesh.db").display()),
                dir,
                pg: None,
            },
            Backend::Postgres => {
                static COUNTER: AtomicUsize = AtomicUsize::new(0);
                let admin = postgres_admin_url().expect("DEMESH_TEST_DATABASE_URL");
                let name = format!(
                    "demesh_test_{}_{}_{}",
                    std::process::id(),
                    COUNTER.fetch_add(1, Ordering::SeqCst),
                    chrono::Utc::now().timestamp_micros() % 1_000_000
                );
                let mut conn = diesel::PgConnection::establish(&admin).unwrap();
                diesel::sql_query(format!("CREATE DATABASE {name}"))
                    .execute(&mut conn)
                    .unwrap();
                let mut url = url::Url::parse(&admin).unwrap();
                url.set_path(&name);
                TestDb {
                    url: url.to_string(),
                    dir,
                    pg: Some((admin, name)),
                }
            }
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((admin, name)) = &self.pg {
            if let Ok(mut conn) = diesel::PgConnection::establish(admin) {
                let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut conn);
            }
        }
    }
}

/// The real HTTP server, in-process, on a port of its own.
pub struct TestServer {
    pub base: String,
    pub db: Db,
    pub db_url: String,
    pub state: Context,
    running: server::Running,
}

impl TestServer {
    /// A server whose `/metrics` answers the token `s3cret` (`metrics`).
    pub async fn start_with_metrics(db: &TestDb) -> TestServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        TestServer::start_configured(db, listener, |c| {
            c.metrics_token = Some("s3cret".into());
        })
        .await
    }

    /// The `/metrics` text of a server from `start_with_metrics`.
    pub async fn metrics(&self) -> String {
        http()
            .get(self.url("/metrics"))
            .header("authorization", "Bearer s3cret")
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    /// Whether the inbox stored the activity `id` (to be processed).
    pub async fn stored(&self, id: &str) -> bool {
        let id = id.to_string();
        self.db
            .call(move |db| db.incoming_by_activity_id(&id))
            .await
            .unwrap()
            .is_some()
    }

    pub async fn start(db: &TestDb) -> TestServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        TestServer::start_at(db, listener).await
    }

    /// Starts on a given listener: a restart reuses the address (ids
    /// contain it), so the test binds the same port again.
    pub async fn start_at(db: &TestDb, listener: TcpListener) -> TestServer {
        TestServer::start_configured(db, listener, |_| {}).await
    }

    /// Starts with the test configuration changed by `adjust`.
    pub async fn start_configured(
        db: &TestDb,
        listener: TcpListener,
        adjust: impl FnOnce(&mut Config),
    ) -> TestServer {
        let base = format!("http://{}", listener.local_addr().unwrap());
        let mut config = test_config(&base, &db.url);
        adjust(&mut config);
        let database = Db::connect(&db.url).unwrap();
        let state = Context::new(config, database.clone()).unwrap();
        let running = server::start(state.clone(), listener).unwrap();
        TestServer {
            base,
            db: database,
            db_url: db.url.clone(),
            state,
            running,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// `host:port`, the domain part of this server's handles.
    pub fn domain(&self) -> String {
        self.base.trim_start_matches("http://").to_string()
    }

    /// Runs the real `demesh` binary against this server's database.
    pub fn cli(&self, args: &[&str]) -> CliOutput {
        demesh_cli(&self.db_url, &self.base, args)
    }

    /// Stops the server and its workers at once, like a crash.
    pub async fn stop(self) {
        self.running.stop().await;
    }

    /// Stops as on SIGTERM: HTTP first, then the workers once they have
    /// finished the batch in hand.
    pub async fn shutdown(self) {
        self.running.shutdown().await.unwrap();
    }
}

pub fn test_config(base: &str, database_url: &str) -> Config {
    Config::resolve(
        &Overrides {
            base_url: Some(base.to_string()),
            database_url: Some(database_url.to_string()),
            allow_private_networks: Some("true".into()),
            ..Overrides::default()
        },
        FileConfig::default(),
    )
    .unwrap()
}

pub struct CliOutput {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl CliOutput {
    fn from(out: Output) -> CliOutput {
        CliOutput {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Asserts success and returns stdout.
    pub fn ok(&self) -> &str {
        assert_eq!(
            self.code, 0,
            "stdout: {}\nstderr: {}",
            self.stdout, self.stderr
        );
        &self.stdout
    }

    /// Asserts a clean failure: non-zero exit, one `error:` line, no panic.
    pub fn failed(&self) -> &str {
        assert_ne!(self.code, 0, "expected failure, got: {}", self.stdout);
        assert!(!self.stderr.contains("panicked"), "panic: {}", self.stderr);
        assert!(
            self.stderr.starts_with("error: "),
            "stderr: {}",
            self.stderr
        );
        &self.stderr
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(self.ok()).unwrap()
    }
}

/// Runs the binary with a clean environment (no stray config file).
pub fn demesh_cli(database_url: &str, base: &str, args: &[&str]) -> CliOutput {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_demesh"))
        .args(args)
        .current_dir(dir.path())
        .env("DATABASE_URL", database_url)
        .env("DEMESH_BASE_URL", base)
        .env("DEMESH_ALLOW_PRIVATE_NETWORKS", "true")
        .env_remove("DEMESH_CONFIG")
        .env_remove("DEMESH_LISTEN")
        .env_remove("RUST_LOG")
        .output()
        .unwrap();
    CliOutput::from(out)
}

/// The binary run in `dir` with only the given variables of demesh's set.
pub fn run_in(dir: &Path, env: &[(&str, &str)], args: &[&str]) -> CliOutput {
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
    CliOutput::from(cmd.output().unwrap())
}

/// An unsigned GET asking for ActivityPub JSON; the parsed answer.
pub async fn get_activity_json(url: &str) -> serde_json::Value {
    http()
        .get(url)
        .header("accept", "application/activity+json")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// `method` on `url` with an `Accept` header: (status, content type, body).
pub async fn request(url: &str, method: reqwest::Method, accept: &str) -> (u16, String, String) {
    let res = http()
        .request(method, url)
        .header("accept", accept)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let ctype = res
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (status, ctype, res.text().await.unwrap())
}

pub fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// A test's own connection to the server's SQLite file. It waits for the
/// server's write lock (as the server's own connections do) instead of
/// failing at once with "database is locked" on a busy machine.
pub fn sqlite(path: &str) -> diesel::SqliteConnection {
    let mut c = diesel::SqliteConnection::establish(path).unwrap();
    diesel::sql_query("PRAGMA busy_timeout = 30000")
        .execute(&mut c)
        .unwrap();
    c
}

/// Runs one SQL statement on a test database: for tests that must make
/// time pass (a retry falls due, a cached key grows old).
pub fn exec_sql(database_url: &str, statement: &str) -> usize {
    if let Some(path) = database_url.strip_prefix("sqlite://") {
        let mut c = sqlite(path);
        diesel::sql_query(statement).execute(&mut c).unwrap()
    } else {
        let mut c = diesel::PgConnection::establish(database_url).unwrap();
        diesel::sql_query(statement).execute(&mut c).unwrap()
    }
}

/// Rows in `table` (for "nothing was stored or lost" checks).
pub fn count_rows(database_url: &str, table: &str) -> i64 {
    wait::count_where(database_url, table, "1 = 1")
}
