//! Health that tells the truth fast (issue #24). With PostgreSQL not
//! answering, `/healthz` said 503 only after the pool's 10 s; with writes
//! failing (a full disk) it said 200. Now it answers within `PING_WITHIN`
//! whatever the database does, reports "not ready" for `NOT_READY_FOR`
//! after a failed storage call, and `/metrics` counts those failures.
#![allow(clippy::unwrap_used)]

mod common;

use common::club::club_configured;
use common::faults::inject;
use common::{Backend, TestDb};
use demesh::routes::health::PING_WITHIN;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

async fn healthz(base: &str) -> (u16, String, Duration) {
    let t = Instant::now();
    let res = reqwest::Client::new()
        .get(format!("{base}/healthz"))
        .timeout(Duration::from_secs(30))
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, res.text().await.unwrap(), t.elapsed())
}

async fn storage_errors(base: &str) -> u64 {
    let text = reqwest::Client::new()
        .get(format!("{base}/metrics"))
        .bearer_auth("scrape")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    text.lines()
        .find_map(|l| l.strip_prefix("demesh_storage_errors_total "))
        .unwrap_or_else(|| panic!("no storage error counter in {text}"))
        .parse()
        .unwrap()
}

/// Writes fail (as on a full disk) while the database still answers its
/// ping: the server says it is not ready, and counts the failures.
async fn failing_writes_make_the_server_not_ready(backend: Backend) {
    let c = club_configured(backend, |config| {
        config.metrics_token = Some("scrape".into());
    })
    .await;
    let (status, _, _) = healthz(&c.s.base).await;
    assert_eq!(status, 200);
    let before = storage_errors(&c.s.base).await;

    let fault = inject(&c.db.url, "inbox_activities", "1 = 1");
    let post =
        c.a.fixture("mastodon_direct.json", "alice", &c.group, "1", "");
    assert_eq!(c.a.post("alice", &c.s.url("/inbox"), &post).await, 500);

    let (status, body, took) = healthz(&c.s.base).await;
    assert_eq!(status, 503, "{body}");
    assert!(body.contains("storage failing"), "{body}");
    assert!(took < Duration::from_secs(2), "{took:?}");
    assert!(storage_errors(&c.s.base).await > before);

    // Still not ready right after the fault is gone: a load balancer
    // hears of it for `NOT_READY_FOR`, even between failing writes.
    fault.clear();
    let (status, _, _) = healthz(&c.s.base).await;
    assert_eq!(status, 503);
    assert_eq!(c.a.post("alice", &c.s.url("/inbox"), &post).await, 202);
    c.s.stop().await;
}

/// A TCP relay to PostgreSQL that can be made to stop answering (as a
/// server that hangs, or a network that drops everything): it keeps
/// accepting and holding connections but passes nothing on. It runs on a
/// thread of its own: the database calls made while the server starts
/// block the test's thread.
fn relay_to(target: &str) -> (String, Arc<AtomicBool>) {
    let std_listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    std_listener.set_nonblocking(true).unwrap();
    let addr = std_listener.local_addr().unwrap().to_string();
    let frozen = Arc::new(AtomicBool::new(false));
    let (target, stop) = (target.to_string(), frozen.clone());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    std::thread::spawn(move || {
        runtime.block_on(async move {
            let listener = TcpListener::from_std(std_listener).unwrap();
            let mut held = Vec::new();
            while let Ok((client, _)) = listener.accept().await {
                if stop.load(Ordering::SeqCst) {
                    held.push(client);
                    continue;
                }
                let server = TcpStream::connect(&target).await.unwrap();
                let (cr, cw) = client.into_split();
                let (sr, sw) = server.into_split();
                tokio::spawn(pass(cr, sw, stop.clone()));
                tokio::spawn(pass(sr, cw, stop.clone()));
            }
        })
    });
    (addr, frozen)
}

async fn pass(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    frozen: Arc<AtomicBool>,
) {
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let n = match from.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        while frozen.load(Ordering::SeqCst) {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        if to.write_all(&buf[..n]).await.is_err() {
            return;
        }
    }
}

/// PostgreSQL stops answering: `/healthz` says so within 2 s, every time,
/// and tells the truth again once it is back.
async fn healthz_answers_fast_when_postgres_hangs(backend: Backend) {
    assert_eq!(backend, Backend::Postgres);
    let db = TestDb::new(backend);
    let (relay, frozen) = relay_to("127.0.0.1:5432");
    let url = db.url.replace("127.0.0.1:5432", &relay);
    assert_ne!(url, db.url, "the test database is on 127.0.0.1:5432");
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let database = demesh::db::Db::connect(&url).unwrap();
    let state = demesh::context::Context::new(common::test_config(&base, &url), database).unwrap();
    let running = demesh::server::start(state, listener).unwrap();
    assert_eq!(healthz(&base).await.0, 200);

    frozen.store(true, Ordering::SeqCst);
    for _ in 0..3 {
        let (status, body, took) = healthz(&base).await;
        assert_eq!(status, 503, "{body}");
        assert!(body.contains("database unavailable"), "{body}");
        assert!(
            took < PING_WITHIN + Duration::from_millis(500),
            "answered in {took:?}"
        );
    }
    frozen.store(false, Ordering::SeqCst);
    running.stop().await;
}

backend_tests!(failing_writes_make_the_server_not_ready);

mod postgres_only {
    #[actix_web::test]
    async fn healthz_answers_fast_when_postgres_hangs() {
        if !crate::common::postgres_or_skip() {
            return;
        }
        super::healthz_answers_fast_when_postgres_hangs(crate::common::Backend::Postgres).await
    }
}
