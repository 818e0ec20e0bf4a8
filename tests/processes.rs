//! Several `demesh serve` processes on one PostgreSQL database (the
//! scale-out setup): one `--role web` process answers HTTP, `--role worker`
//! processes share the inbox and delivery queue. No delivery goes out twice
//! from two workers, and none is lost when a worker is killed mid-fan-out.
//! PostgreSQL only: SQLite runs one process.
#![allow(clippy::unwrap_used)]

mod common;

use common::fake_remote::FakeRemote;
use common::{demesh_cli, Backend, TestDb};
use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const MEMBERS: usize = 40;

struct Proc(Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `demesh serve --role ROLE`; waits until it runs.
fn serve(db: &str, base: &str, listen: &str, role: &str) -> Proc {
    let mut child = Command::new(env!("CARGO_BIN_EXE_demesh"))
        .args(["serve", "--role", role])
        .env("DATABASE_URL", db)
        .env("DEMESH_BASE_URL", base)
        .env("DEMESH_LISTEN", listen)
        .env("DEMESH_ALLOW_PRIVATE_NETWORKS", "true")
        // A killed worker's claims pass to others after 3 s.
        .env("DEMESH_DELIVERY_LEASE_SECS", "3")
        .env("RUST_LOG", "info")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if line.contains("listening on") || line.contains("worker running") {
                let _ = tx.send(());
            }
        }
    });
    rx.recv_timeout(Duration::from_secs(30))
        .expect("demesh started");
    Proc(child)
}

/// How many group Creates each member inbox of `fake` got.
fn creates_per_inbox(fake: &FakeRemote, marker: &str) -> HashMap<String, usize> {
    let mut counts = HashMap::new();
    for r in fake.of_kind("Create") {
        if r.activity.to_string().contains(marker) {
            assert!(r.verified, "unverified delivery {r:?}");
            *counts.entry(r.path.clone()).or_default() += 1;
        }
    }
    counts
}

async fn wait_for_all(fake: &FakeRemote, marker: &str, within: Duration) -> HashMap<String, usize> {
    let start = Instant::now();
    loop {
        let counts = creates_per_inbox(fake, marker);
        if counts.len() == MEMBERS || start.elapsed() > within {
            return counts;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[actix_web::test]
async fn workers_share_the_queue_and_survive_a_kill() {
    if !common::postgres_or_skip() {
        return;
    }
    let db = TestDb::new(Backend::Postgres);
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let base = format!("http://127.0.0.1:{port}");
    let listen = format!("127.0.0.1:{port}");
    demesh_cli(&db.url, &base, &["migrate"]).ok();
    demesh_cli(&db.url, &base, &["group", "create", "club"]).ok();
    let group = format!("{base}/groups/club");

    // Members: 40 accounts with personal inboxes only (40 deliveries per
    // post), and alice, who posts.
    let many = FakeRemote::start_with(false);
    let poster = FakeRemote::start();
    poster.account("alice");
    demesh_cli(
        &db.url,
        &base,
        &["member", "allow", "club", &format!("*@{}", many.domain())],
    )
    .ok();
    demesh_cli(
        &db.url,
        &base,
        &[
            "member",
            "allow",
            "club",
            &format!("alice@{}", poster.domain()),
        ],
    )
    .ok();

    let _web = serve(&db.url, &base, &listen, "web");
    let worker1 = serve(&db.url, &base, "127.0.0.1:0", "worker");
    let mut worker2 = Some(serve(&db.url, &base, "127.0.0.1:0", "worker"));
    for i in 0..MEMBERS {
        let name = format!("m{i}");
        many.account(&name);
        let follow = many.follow(&name, &group, 1);
        assert_eq!(
            many.post(&name, &format!("{base}/inbox"), &follow).await,
            202
        );
    }
    let follow = poster.follow("alice", &group, 1);
    assert_eq!(
        poster
            .post("alice", &format!("{base}/inbox"), &follow)
            .await,
        202
    );
    for _ in 0..300 {
        if many.of_kind("Accept").len() == MEMBERS && !poster.of_kind("Accept").is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        many.of_kind("Accept").len(),
        MEMBERS,
        "every follow accepted exactly once"
    );

    // Two workers, one post: every member inbox gets it exactly once.
    let post = poster.fixture("mastodon_direct.json", "alice", &group, "1", "");
    assert_eq!(
        poster.post("alice", &format!("{base}/inbox"), &post).await,
        202
    );
    let counts = wait_for_all(&many, "last volume", Duration::from_secs(20)).await;
    assert_eq!(counts.len(), MEMBERS, "every member got the post");
    assert!(counts.values().all(|n| *n == 1), "sent twice: {counts:?}");

    // Only worker1 runs; it is killed in the middle of a slow fan-out.
    drop(worker2.take());
    many.set_delay(400);
    let mut post = poster.fixture("mastodon_direct.json", "alice", &group, "2", "");
    post["object"]["content"] = serde_json::json!("<p>second post</p>");
    assert_eq!(
        poster.post("alice", &format!("{base}/inbox"), &post).await,
        202
    );
    let start = Instant::now();
    while creates_per_inbox(&many, "second post").is_empty() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "fan-out never started"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    drop(worker1); // SIGKILL: no chance to release its claims
    let before_kill = creates_per_inbox(&many, "second post").len();
    assert!(
        before_kill < MEMBERS,
        "killed mid-fan-out ({before_kill} delivered)"
    );

    // A new worker takes over once the dead one's claims expire.
    many.set_delay(0);
    let _worker3 = serve(&db.url, &base, "127.0.0.1:0", "worker");
    let counts = wait_for_all(&many, "second post", Duration::from_secs(30)).await;
    assert_eq!(
        counts.len(),
        MEMBERS,
        "none lost: {} of {MEMBERS}",
        counts.len()
    );
    // Only requests in flight at the kill (at most 8 per server) can repeat.
    let repeats: usize = counts.values().map(|n| n - 1).sum();
    assert!(repeats <= 8, "{repeats} repeats: {counts:?}");
}

#[test]
fn split_roles_are_refused_on_sqlite() {
    let db = TestDb::new(Backend::Sqlite);
    let out = Command::new(env!("CARGO_BIN_EXE_demesh"))
        .args(["serve", "--role", "worker"])
        .env("DATABASE_URL", &db.url)
        .output()
        .unwrap();
    assert_ne!(out.status.code(), Some(0));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("needs PostgreSQL"), "{err}");
}
