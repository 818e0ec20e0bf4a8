//! Privacy audit: every route, asked unsigned or by a stranger's signed
//! request, reveals no member, no pending request and no post content.
//! Plus the production-mode address guard and the operator endpoints.
#![allow(clippy::unwrap_used)]

mod common;

use common::club::{alice_posts, arrived, club};
use common::fake_remote::FakeRemote;
use common::{Backend, TestDb, TestServer};
use std::net::TcpListener;

async fn strangers_learn_nothing_private(backend: Backend) {
    let c = club(backend).await;
    let (_, note) = alice_posts(&c, "1").await;
    let create = arrived(&c.b, "Create", &note).await.activity["id"]
        .as_str()
        .unwrap()
        .to_string();
    let outside = FakeRemote::start();
    outside.account("eve");
    outside.account("frank");
    let follow = outside.follow("frank", &c.group, 1);
    assert_eq!(
        outside.post("frank", &c.s.url("/inbox"), &follow).await,
        202
    );
    common::wait::settled(&c.s).await;

    let secrets = [
        c.a.actor_id("alice"),
        c.a.actor_id("carol"),
        c.b.actor_id("bob"),
        outside.actor_id("frank"),
        c.a.domain(),
        c.b.domain(),
        "the last volume".to_string(),
    ];
    let acct = format!("acct:club@{}", c.s.domain());
    let routes = [
        "/".to_string(),
        "/actor".into(),
        "/actor/outbox".into(),
        format!("/.well-known/webfinger?resource={acct}"),
        "/.well-known/host-meta".into(),
        "/.well-known/nodeinfo".into(),
        "/nodeinfo/2.1".into(),
        "/groups/club".into(),
        "/groups/club/outbox".into(),
        "/groups/club/followers".into(),
        "/groups/club/followers_synchronization".into(),
        "/groups/club/following".into(),
        "/groups/club/inbox".into(),
        "/inbox".into(),
        "/healthz".into(),
        "/metrics".into(),
        note.trim_start_matches(&c.s.base).to_string(),
        create.trim_start_matches(&c.s.base).to_string(),
    ];
    for route in &routes {
        let url = c.s.url(route);
        for accept in ["application/activity+json", "text/html"] {
            let res = common::http()
                .get(&url)
                .header("accept", accept)
                .send()
                .await
                .unwrap();
            let status = res.status().as_u16();
            let body = res.text().await.unwrap();
            for secret in &secrets {
                assert!(
                    !body.contains(secret.as_str()),
                    "unsigned GET {route} ({accept}, {status}) reveals {secret}: {body}"
                );
            }
        }
        let (status, body) = outside.signed_get("eve", &url).await;
        for secret in &secrets {
            assert!(
                !body.to_string().contains(secret.as_str()),
                "stranger GET {route} ({status}) reveals {secret}"
            );
        }
    }
    let nodeinfo = common::http()
        .get(c.s.url("/nodeinfo/2.1"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        !nodeinfo.contains("club"),
        "NodeInfo names no group: {nodeinfo}"
    );
    // The group stays discoverable: it must be, to be followed.
    let actor = common::http()
        .get(c.s.url("/groups/club"))
        .header("accept", "application/activity+json")
        .send()
        .await
        .unwrap();
    assert_eq!(actor.status().as_u16(), 200);
    c.s.stop().await;
}

/// Without DEMESH_ALLOW_PRIVATE_NETWORKS, a keyId on a loopback address is
/// never fetched: the request is refused without demesh contacting it.
async fn production_mode_refuses_private_addresses(backend: Backend) {
    let db = TestDb::new(backend);
    let s = TestServer::start_configured(&db, TcpListener::bind("127.0.0.1:0").unwrap(), |c| {
        c.allow_private_networks = false;
    })
    .await;
    s.cli(&["group", "create", "club"]).ok();
    let evil = FakeRemote::start();
    evil.account("probe");
    let follow = evil.follow("probe", &s.url("/groups/club"), 1);
    assert_eq!(evil.post("probe", &s.url("/inbox"), &follow).await, 401);
    assert_eq!(
        evil.actor_gets(),
        0,
        "demesh must not contact a loopback address"
    );
    s.stop().await;
}

async fn health_and_metrics(backend: Backend) {
    let db = TestDb::new(backend);
    let s = TestServer::start_with_metrics(&db).await;
    s.cli(&["group", "create", "club"]).ok();
    let http = common::http();
    let health = http.get(s.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status().as_u16(), 200);
    assert_eq!(
        health.json::<serde_json::Value>().await.unwrap()["status"],
        "ok"
    );

    let remote = FakeRemote::start();
    remote.account("alice");
    s.cli(&[
        "member",
        "allow",
        "club",
        &format!("alice@{}", remote.domain()),
    ])
    .ok();
    let follow = remote.follow("alice", &s.url("/groups/club"), 1);
    assert_eq!(remote.post("alice", &s.url("/inbox"), &follow).await, 202);
    remote.wait_for("Accept").await;
    let unsigned = http.post(s.url("/inbox")).body("{}").send().await.unwrap();
    assert_eq!(unsigned.status().as_u16(), 400);
    common::wait::settled(&s).await;

    for auth in [None, Some("Bearer wrong")] {
        let mut req = http.get(s.url("/metrics"));
        if let Some(a) = auth {
            req = req.header("authorization", a);
        }
        assert_eq!(req.send().await.unwrap().status().as_u16(), 404, "{auth:?}");
    }
    let text = s.metrics().await;
    for line in [
        "demesh_inbox_requests_total{status=\"202\"} 1",
        "demesh_inbox_requests_total{status=\"400\"} 1",
        "demesh_deliveries_total{outcome=\"delivered\"} 1",
        "demesh_queue_pending 0",
        "demesh_inbox_backlog 0",
        &format!(
            "demesh_build_info{{version=\"{}\"}} 1",
            env!("CARGO_PKG_VERSION")
        ),
        "demesh_groups 1",
        "demesh_members 1",
        "demesh_pending_requests 0",
    ] {
        assert!(text.contains(line), "missing {line:?} in:\n{text}");
    }
    s.stop().await;
}

backend_tests!(
    strangers_learn_nothing_private,
    production_mode_refuses_private_addresses,
    health_and_metrics,
);
