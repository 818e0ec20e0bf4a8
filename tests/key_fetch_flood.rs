//! Key fetches cannot be turned into a flood (issue #24). 400 POSTs whose
//! `keyId` points at a server that accepts connections and never answers
//! used to open 400 fetches to it. Now: at most `PER_HOST` at a time, the
//! host is not asked again for a minute once they fail, a client address
//! gets `KEY_FETCHES_PER_MINUTE` such requests, and refusals say when to
//! come back. A member whose key is cached is not slowed down.
#![allow(clippy::unwrap_used)]

mod common;

use base64::Engine as _;
use common::club::{alice_posts, club};
use common::Backend;
use demesh::federation::key_gate::{FETCH_WITHIN, PER_HOST, QUEUE_WAIT};
use serde_json::json;
use sha2::Digest as _;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A server that accepts connections, keeps them and never answers.
/// Returns its base URL and how many connections it got.
async fn silent_server() -> (String, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let accepted = Arc::new(AtomicUsize::new(0));
    let (count, kept) = (accepted.clone(), Arc::new(Mutex::new(Vec::new())));
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            count.fetch_add(1, Ordering::SeqCst);
            kept.lock().unwrap().push(stream);
        }
    });
    (base, accepted)
}

/// A POST signed (badly: nobody can check it) by a key on `key_host`.
async fn unverifiable_post(
    http: &reqwest::Client,
    inbox: &str,
    key_host: &str,
    n: usize,
) -> (u16, Option<String>, Duration) {
    let actor = format!("{key_host}/users/mallory{n}");
    let body = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{actor}/follows/{n}"), "type": "Follow",
        "actor": actor, "object": inbox.replace("/inbox", "/groups/club"),
    })
    .to_string();
    let b64 = base64::engine::general_purpose::STANDARD;
    let digest = format!(
        "SHA-256={}",
        b64.encode(sha2::Sha256::digest(body.as_bytes()))
    );
    let url = url::Url::parse(inbox).unwrap();
    let signature = format!(
        "keyId=\"{actor}#main-key\",algorithm=\"rsa-sha256\",\
         headers=\"(request-target) host date digest\",signature=\"{}\"",
        b64.encode([7u8; 256])
    );
    let started = Instant::now();
    let res = http
        .post(url)
        .header("content-type", "application/activity+json")
        .header(
            "date",
            httpdate::fmt_http_date(std::time::SystemTime::now()),
        )
        .header("digest", digest)
        .header("signature", signature)
        .body(body)
        .send()
        .await
        .unwrap();
    let retry_after = res
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_string());
    (res.status().as_u16(), retry_after, started.elapsed())
}

async fn a_flood_of_unverifiable_posts_reaches_the_key_host_at_most_twice(backend: Backend) {
    let c = club(backend).await;
    let (key_host, accepted) = silent_server().await;
    let inbox = c.s.url("/inbox");
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap();

    let flood = {
        let (http, inbox, key_host) = (http.clone(), inbox.clone(), key_host.clone());
        tokio::spawn(async move {
            let mut answers = Vec::new();
            // 50 at a time: the per-address connection cap is not the
            // limit under test.
            for wave in 0..8 {
                let mut set = tokio::task::JoinSet::new();
                for i in 0..50 {
                    let (http, inbox, key_host) = (http.clone(), inbox.clone(), key_host.clone());
                    set.spawn(async move {
                        unverifiable_post(&http, &inbox, &key_host, wave * 50 + i).await
                    });
                }
                answers.extend(set.join_all().await);
            }
            answers
        })
    };

    // A member whose key is cached gets through at once, meanwhile.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let t = Instant::now();
    alice_posts(&c, "1").await;
    assert!(
        t.elapsed() < Duration::from_secs(3),
        "a member is not slowed: {:?}",
        t.elapsed()
    );

    let answers = flood.await.unwrap();
    assert_eq!(answers.len(), 400);
    let got = accepted.load(Ordering::SeqCst);
    assert!(
        got <= PER_HOST,
        "the key host got {got} connections for 400 requests"
    );
    let count = |status: u16| answers.iter().filter(|a| a.0 == status).count();
    assert_eq!(count(429) + count(503), 400, "{answers:?}");
    assert!(count(429) > 0 && count(503) > 0, "{answers:?}");
    for (status, retry_after, took) in &answers {
        let secs: u64 = retry_after
            .as_deref()
            .unwrap_or_else(|| panic!("{status} without Retry-After"))
            .parse()
            .unwrap();
        assert!((1..=60).contains(&secs), "Retry-After {secs}");
        assert!(
            *took < QUEUE_WAIT + FETCH_WITHIN + Duration::from_secs(5),
            "answered in {took:?}"
        );
    }

    // Once its fetches failed, the host is not asked again: an answer
    // comes at once (from another client address, which has its budget).
    let other = reqwest::Client::builder()
        .local_address(Some("127.0.0.2".parse().unwrap()))
        .build()
        .unwrap();
    let (status, retry_after, took) = unverifiable_post(&other, &inbox, &key_host, 1000).await;
    assert_eq!(status, 503);
    assert!(retry_after.is_some());
    assert!(took < Duration::from_secs(1), "{took:?}");
    assert!(accepted.load(Ordering::SeqCst) <= PER_HOST);

    let metrics = c.s.state.metrics.render((0, 0.0, 0), 0, (0, 0, 0), 0);
    assert!(
        metrics.contains("demesh_key_fetch_refusals_total{reason=\"client\"}"),
        "{metrics}"
    );
    c.s.stop().await;
}

backend_tests!(a_flood_of_unverifiable_posts_reaches_the_key_host_at_most_twice);
