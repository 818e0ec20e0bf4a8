//! Slow and greedy clients (issue #24): a request's body has a deadline
//! (408, connection closed), and one client address cannot hold more than
//! `PER_ADDRESS` connections open, so neither can take every file
//! descriptor while members and `/healthz` wait.
#![allow(clippy::unwrap_used)]

mod common;

use common::club::{alice_posts, club};
use common::Backend;
use demesh::routes::connections::PER_ADDRESS;
use demesh::routes::inbox::BODY_WITHIN;
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

fn addr_of(base: &str) -> SocketAddr {
    base.trim_start_matches("http://").parse().unwrap()
}

/// Connects from `from` (a loopback address) to `to`.
async fn connect_from(from: &str, to: SocketAddr) -> TcpStream {
    let socket = TcpSocket::new_v4().unwrap();
    socket.bind(format!("{from}:0").parse().unwrap()).unwrap();
    socket.connect(to).await.unwrap()
}

/// Everything the server sends until it closes, or None if it is still
/// open after `within`.
async fn until_closed(stream: &mut TcpStream, within: Duration) -> Option<String> {
    let mut got = Vec::new();
    let read = tokio::time::timeout(within, async {
        let mut buf = [0u8; 1024];
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => got.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await;
    read.ok()
        .map(|()| String::from_utf8_lossy(&got).into_owned())
}

/// A GET of /healthz on a connection of its own: the status line.
async fn healthz_from(from: &str, to: SocketAddr) -> String {
    let mut s = connect_from(from, to).await;
    s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let answer = until_closed(&mut s, Duration::from_secs(3))
        .await
        .expect("healthz answers");
    answer.lines().next().unwrap_or_default().to_string()
}

async fn idle_and_trickling_bodies_get_408_and_members_get_through(backend: Backend) {
    let c = club(backend).await;
    let to = addr_of(&c.s.base);
    let head = format!(
        "POST /inbox HTTP/1.1\r\nHost: {}\r\nContent-Type: application/activity+json\r\n\
         Content-Length: 1000\r\n\r\n",
        c.s.domain()
    );
    let opened = Instant::now();
    let mut idle = Vec::new();
    for _ in 0..100 {
        let mut s = TcpStream::connect(to).await.unwrap();
        s.write_all(head.as_bytes()).await.unwrap();
        idle.push(s);
    }
    // And a few that send their body at one byte a second.
    let mut trickling = Vec::new();
    for _ in 0..5 {
        let mut s = TcpStream::connect(to).await.unwrap();
        s.write_all(head.as_bytes()).await.unwrap();
        trickling.push(tokio::spawn(async move {
            let started = Instant::now();
            while s.write_all(b"{").await.is_ok() && started.elapsed() < Duration::from_secs(30) {
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
            let mut rest = Vec::new();
            let _ = tokio::time::timeout(Duration::from_secs(2), s.read_to_end(&mut rest)).await;
            (
                started.elapsed(),
                String::from_utf8_lossy(&rest).into_owned(),
            )
        }));
    }

    // Meanwhile the server serves everyone else.
    let t = Instant::now();
    assert_eq!(healthz_from("127.0.0.1", to).await, "HTTP/1.1 200 OK");
    alice_posts(&c, "1").await;
    assert!(t.elapsed() < Duration::from_secs(5), "{:?}", t.elapsed());

    for mut s in idle {
        let left = (BODY_WITHIN + Duration::from_secs(3)).saturating_sub(opened.elapsed());
        let answer = until_closed(&mut s, left)
            .await
            .expect("an idle body's connection is closed by the deadline");
        assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    }
    assert!(opened.elapsed() >= BODY_WITHIN - Duration::from_secs(1));
    for t in trickling {
        let (took, answer) = t.await.unwrap();
        assert!(
            took < BODY_WITHIN + Duration::from_secs(4),
            "a trickling body is cut off: {took:?}"
        );
        assert!(
            answer.is_empty() || answer.starts_with("HTTP/1.1 408"),
            "{answer}"
        );
    }
    assert_eq!(healthz_from("127.0.0.1", to).await, "HTTP/1.1 200 OK");
    c.s.stop().await;
}

async fn one_address_cannot_hold_every_connection(backend: Backend) {
    let c = club(backend).await;
    let to = addr_of(&c.s.base);
    let mut held = Vec::new();
    for _ in 0..PER_ADDRESS {
        held.push(connect_from("127.0.0.1", to).await);
    }
    // Counted when the server takes them up: let it.
    tokio::time::sleep(Duration::from_millis(300)).await;
    for _ in 0..8 {
        let mut extra = connect_from("127.0.0.1", to).await;
        let answer = until_closed(&mut extra, Duration::from_secs(1))
            .await
            .expect("a connection past the cap is closed at once");
        assert!(
            answer.is_empty() || answer.starts_with("HTTP/1.1 503"),
            "{answer}"
        );
    }
    // Another address is served meanwhile.
    assert_eq!(healthz_from("127.0.0.2", to).await, "HTTP/1.1 200 OK");
    // Closed connections are counted out: the address is served again.
    drop(held);
    common::wait::eventually("127.0.0.1 to be served again", || async {
        let mut s = connect_from("127.0.0.1", to).await;
        s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .await
            .ok()?;
        until_closed(&mut s, Duration::from_secs(2))
            .await
            .filter(|a| a.starts_with("HTTP/1.1 200"))
    })
    .await;
    c.s.stop().await;
}

backend_tests!(
    idle_and_trickling_bodies_get_408_and_members_get_through,
    one_address_cannot_hold_every_connection,
);
