//! Discovery as a remote server sees it: WebFinger, host-meta, NodeInfo and
//! the actor documents, on both backends, against the real server.
#![allow(clippy::unwrap_used)]

mod common;

use common::{Backend, TestDb, TestServer};
use serde_json::Value;

const AP: &str = "application/activity+json";

async fn get(url: &str, accept: &str) -> (u16, String, String) {
    common::request(url, reqwest::Method::GET, accept).await
}

async fn started_with_club(backend: Backend) -> (TestDb, TestServer) {
    let db = TestDb::new(backend);
    let server = TestServer::start(&db).await;
    // Created through the CLI while the server runs, as an admin would.
    server
        .cli(&[
            "group",
            "create",
            "club",
            "--display-name",
            "Book club",
            "--summary",
            "We read <books> & talk.",
        ])
        .ok();
    (db, server)
}

async fn webfinger_resolves_groups(backend: Backend) {
    let (_db, s) = started_with_club(backend).await;
    let actor = s.url("/groups/club");
    for resource in [
        format!("acct:club@{}", s.domain()),
        "acct:club@127.0.0.1".to_string(),
        format!("club@{}", s.domain()),
        format!("acct:CLUB@{}", s.domain()),
        actor.clone(),
    ] {
        let url = format!(
            "{}?resource={}",
            s.url("/.well-known/webfinger"),
            urlencode(&resource)
        );
        let (status, ctype, body) = get(&url, "application/jrd+json").await;
        assert_eq!(status, 200, "{resource}: {body}");
        assert!(ctype.starts_with("application/jrd+json"), "{ctype}");
        let jrd: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(jrd["subject"], format!("acct:club@{}", s.domain()));
        assert_eq!(jrd["aliases"][0], actor);
        let selfs: Vec<&Value> = jrd["links"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|l| l["rel"] == "self")
            .collect();
        assert_eq!(selfs.len(), 1);
        assert_eq!(selfs[0]["type"], AP);
        assert_eq!(
            selfs[0]["href"], actor,
            "self link must equal the actor id exactly"
        );
    }

    let cases = [
        (format!("acct:nobody@{}", s.domain()), 404),
        ("acct:club@elsewhere.example".to_string(), 404),
        ("acct:club".to_string(), 400),
        ("acct:@".to_string(), 400),
        ("mailto:x".to_string(), 400),
        (String::new(), 400),
    ];
    for (resource, want) in cases {
        let url = format!(
            "{}?resource={}",
            s.url("/.well-known/webfinger"),
            urlencode(&resource)
        );
        let (status, _, body) = get(&url, "application/jrd+json").await;
        assert_eq!(status, want, "{resource:?}: {body}");
    }
    let (status, _, _) = get(&s.url("/.well-known/webfinger"), "*/*").await;
    assert_eq!(status, 400, "missing resource");
    s.stop().await;
}

async fn group_actor_document_is_complete(backend: Backend) {
    let (_db, s) = started_with_club(backend).await;
    let id = s.url("/groups/club");
    for accept in [
        AP,
        "application/ld+json; profile=\"https://www.w3.org/ns/activitystreams\"",
    ] {
        let (status, ctype, body) = get(&id, accept).await;
        assert_eq!(status, 200);
        assert!(ctype.starts_with(AP), "{ctype}");
        let doc: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(doc["id"], id);
        assert_eq!(doc["type"], "Group");
        assert_eq!(doc["preferredUsername"], "club");
        assert_eq!(doc["name"], "Book club");
        assert_eq!(doc["summary"], "<p>We read &lt;books&gt; &amp; talk.</p>");
        assert_eq!(doc["inbox"], format!("{id}/inbox"));
        assert_eq!(doc["outbox"], format!("{id}/outbox"));
        assert_eq!(doc["followers"], format!("{id}/followers"));
        assert_eq!(doc["following"], format!("{id}/following"));
        assert_eq!(doc["endpoints"]["sharedInbox"], s.url("/inbox"));
        assert_eq!(doc["publicKey"]["id"], format!("{id}#main-key"));
        assert_eq!(doc["publicKey"]["owner"], id);
        let pem = doc["publicKey"]["publicKeyPem"].as_str().unwrap();
        let key = openssl::pkey::PKey::public_key_from_pem(pem.as_bytes()).unwrap();
        assert_eq!(key.bits(), 2048);
        assert_eq!(doc["manuallyApprovesFollowers"], true);
        assert_eq!(doc["discoverable"], false);
        assert_eq!(doc["indexable"], false);
        assert!(doc["@context"]
            .to_string()
            .contains("https://www.w3.org/ns/activitystreams"));
    }

    let (status, ctype, body) = get(&id, "text/html,application/xhtml+xml").await;
    assert_eq!(status, 200);
    assert!(ctype.starts_with("text/html"));
    assert!(body.contains("Book club"));
    assert!(body.contains(&format!("@club@{}", s.domain())));
    assert!(body.contains("Follow"), "explains how to ask to join");
    assert!(!body.contains("<books>"), "summary is escaped");

    let (status, _, _) = get(&s.url("/groups/nobody"), AP).await;
    assert_eq!(status, 404);
    for coll in ["outbox", "followers", "following"] {
        let (status, _, body) = get(&format!("{id}/{coll}"), AP).await;
        assert_eq!(status, 200, "{coll}");
        let doc: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(doc["type"], "OrderedCollection");
        assert_eq!(doc["totalItems"], 0);
        assert!(doc.get("orderedItems").is_none() && doc.get("first").is_none());
    }
    s.stop().await;
}

async fn instance_actor_and_server_documents(backend: Backend) {
    let (_db, s) = started_with_club(backend).await;
    let (status, _, body) = get(&s.url("/actor"), AP).await;
    assert_eq!(status, 200);
    let actor: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(actor["type"], "Application");
    assert_eq!(actor["id"], s.url("/actor"));
    assert_eq!(actor["publicKey"]["id"], s.url("/actor#main-key"));
    let instance_pem = actor["publicKey"]["publicKeyPem"]
        .as_str()
        .unwrap()
        .to_string();
    let (_, _, group) = get(&s.url("/groups/club"), AP).await;
    let group: Value = serde_json::from_str(&group).unwrap();
    assert_ne!(group["publicKey"]["publicKeyPem"], instance_pem, "own keys");

    let (status, ctype, body) = get(&s.url("/.well-known/host-meta"), "*/*").await;
    assert_eq!(status, 200);
    assert!(ctype.contains("xrd+xml"));
    assert!(body.contains(&format!(
        "template=\"{}/.well-known/webfinger?resource={{uri}}\"",
        s.base
    )));

    let (status, _, body) = get(&s.url("/.well-known/nodeinfo"), "application/json").await;
    assert_eq!(status, 200);
    let links: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        links["links"][0]["rel"],
        "http://nodeinfo.diaspora.software/ns/schema/2.1"
    );
    assert_eq!(links["links"][0]["href"], s.url("/nodeinfo/2.1"));
    let (status, _, body) = get(&s.url("/nodeinfo/2.1"), "application/json").await;
    assert_eq!(status, 200);
    let info: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(info["version"], "2.1");
    assert_eq!(info["software"]["name"], "demesh");
    assert_eq!(info["protocols"][0], "activitypub");
    assert_eq!(info["openRegistrations"], false);
    assert_eq!(info["usage"]["users"]["total"], 1);
    assert!(!body.contains("club"), "NodeInfo does not name groups");

    let (status, ctype, body) = get(&s.url("/"), "text/html").await;
    assert_eq!(status, 200);
    assert!(ctype.starts_with("text/html"));
    assert!(!body.contains("club"), "the front page lists no group");
    s.stop().await;
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

backend_tests!(
    webfinger_resolves_groups,
    group_actor_document_is_complete,
    instance_actor_and_server_documents,
);
