//! Every way an inbox POST can be refused, with the status a peer gets and
//! proof that nothing was stored; plus blocks (202, dropped; a Follow
//! refused), reactions, deduplication, unknown types and key rotation.
#![allow(clippy::unwrap_used)]

mod common;

use common::fake_remote::FakeRemote;
use common::{Backend, TestDb, TestServer};
use serde_json::{json, Value};
use std::time::{Duration, SystemTime};

async fn refused_requests_get_their_status_and_store_nothing(backend: Backend) {
    let db = TestDb::new(backend);
    let s = TestServer::start(&db).await;
    s.cli(&["group", "create", "club"]).ok();
    let remote = FakeRemote::start();
    remote.account("mallory");
    remote.account("alice");
    let inbox = s.url("/inbox");
    let club = s.url("/groups/club");
    let follow = remote.follow("mallory", &club, 1);
    let body = follow.to_string();
    let id = follow["id"].as_str().unwrap().to_string();
    let http = common::http();

    // No signature at all.
    let res = http
        .post(&inbox)
        .header("content-type", "application/activity+json")
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 401, "unsigned");

    // Digest of another body.
    let headers = remote.signed_headers("mallory", &inbox, b"{\"other\":1}", None);
    assert_eq!(
        remote.send(&inbox, body.clone(), headers).await,
        401,
        "bad digest"
    );

    // Date two hours old, and two hours ahead.
    for offset in [-7200i64, 7200] {
        let t = if offset < 0 {
            SystemTime::now() - Duration::from_secs(7200)
        } else {
            SystemTime::now() + Duration::from_secs(7200)
        };
        let headers = remote.signed_headers(
            "mallory",
            &inbox,
            body.as_bytes(),
            Some(httpdate::fmt_http_date(t)),
        );
        assert_eq!(
            remote.send(&inbox, body.clone(), headers).await,
            401,
            "date {offset}s"
        );
    }

    // Signed by alice's key but claiming to be mallory's activity.
    let headers = remote.signed_headers("alice", &inbox, body.as_bytes(), None);
    assert_eq!(
        remote.send(&inbox, body.clone(), headers).await,
        401,
        "key of another actor"
    );

    // Signature over a different path (replayed from another inbox).
    let headers = remote.signed_headers(
        "mallory",
        &s.url("/groups/club/inbox"),
        body.as_bytes(),
        None,
    );
    assert_eq!(
        remote.send(&inbox, body.clone(), headers).await,
        401,
        "other request target"
    );

    // Malformed JSON, not an object, missing fields, foreign id.
    for (bad, what) in [
        ("{not json".to_string(), "malformed"),
        ("[1,2]".to_string(), "array"),
        (
            json!({"type": "Follow", "actor": remote.actor_id("mallory")}).to_string(),
            "no id",
        ),
        (
            json!({"id": format!("{}/x", remote.base), "actor": remote.actor_id("mallory")})
                .to_string(),
            "no type",
        ),
        (
            json!({"id": "https://elsewhere.example/1", "type": "Follow",
                "actor": remote.actor_id("mallory"), "object": club})
            .to_string(),
            "foreign id",
        ),
    ] {
        let headers = remote.signed_headers("mallory", &inbox, bad.as_bytes(), None);
        assert_eq!(remote.send(&inbox, bad, headers).await, 400, "{what}");
    }

    // Over 1 MiB.
    let huge = json!({"id": format!("{}#big", remote.actor_id("mallory")), "type": "Note",
                      "actor": remote.actor_id("mallory"), "content": "x".repeat(1_100_000)})
    .to_string();
    let headers = remote.signed_headers("mallory", &inbox, huge.as_bytes(), None);
    assert_eq!(remote.send(&inbox, huge, headers).await, 413, "oversized");

    // A group inbox that does not exist.
    let headers = remote.signed_headers(
        "mallory",
        &s.url("/groups/nope/inbox"),
        body.as_bytes(),
        None,
    );
    assert_eq!(
        remote
            .send(&s.url("/groups/nope/inbox"), body.clone(), headers)
            .await,
        404
    );

    // An embedded object attributed to another server.
    let forged = json!({"id": format!("{}#c1", remote.actor_id("mallory")), "type": "Create",
        "actor": remote.actor_id("mallory"),
        "object": {"id": "https://victim.example/n/1", "type": "Note",
                   "attributedTo": "https://victim.example/users/v", "content": "hi"}});
    assert_eq!(
        remote.post("mallory", &inbox, &forged).await,
        403,
        "forged attribution"
    );

    assert!(!s.stored(&id).await, "nothing refused is stored");
    assert!(!s.stored(forged["id"].as_str().unwrap()).await);
    assert!(s
        .cli(&["request", "list", "--json"])
        .json()
        .as_array()
        .unwrap()
        .is_empty());

    // The same Follow, properly signed, is accepted.
    assert_eq!(remote.post("mallory", &inbox, &follow).await, 202);
    assert!(s.stored(&id).await);
    s.stop().await;
}

/// A blocked sender's answer is 202 whatever it sends, so its server stops
/// retrying (Mitra retries a 403 for hours) and learns nothing. Its Follow
/// is answered with a Reject (Misskey otherwise shows the request pending
/// for ever); anything else is dropped, unstored, and counted.
async fn blocked_senders_get_202_and_their_follows_a_reject(backend: Backend) {
    let db = TestDb::new(backend);
    let s = TestServer::start_with_metrics(&db).await;
    s.cli(&["group", "create", "club"]).ok();
    let club = s.url("/groups/club");
    let spam = FakeRemote::start();
    spam.account("bot");
    let host = spam.domain();
    s.cli(&["block", "add", &host]).ok();
    let list = s.cli(&["block", "list", "--json"]).json();
    assert_eq!(list[0]["target"], host);
    let follow = spam.follow("bot", &club, 1);
    assert_eq!(spam.post("bot", &s.url("/inbox"), &follow).await, 202);
    let reject = spam.wait_for("Reject").await;
    assert!(reject.verified);
    assert_eq!(reject.activity["actor"], club);
    assert_eq!(reject.activity["object"]["id"], follow["id"]);
    assert!(s
        .cli(&["request", "list", "--json"])
        .json()
        .as_array()
        .unwrap()
        .is_empty());
    let post = json!({"id": format!("{}#posts/1", spam.actor_id("bot")), "type": "Create",
                      "actor": spam.actor_id("bot"), "to": [club],
                      "object": {"id": format!("{}/posts/1", spam.actor_id("bot")), "type": "Note",
                                 "attributedTo": spam.actor_id("bot"), "to": [club], "content": "spam"}});
    assert_eq!(spam.post("bot", &s.url("/inbox"), &post).await, 202);
    assert!(
        !s.stored(post["id"].as_str().unwrap()).await,
        "dropped unstored"
    );
    let text = s.metrics().await;
    assert!(
        text.contains("demesh_inbox_dropped_total{reason=\"blocked\"} 1"),
        "{text}"
    );
    assert!(
        !text.contains(&host),
        "no label names the blocked server: {text}"
    );

    s.cli(&["block", "remove", &host]).ok();
    assert!(s.cli(&["block", "list"]).ok().contains("no blocks"));
    let err = s.cli(&["block", "remove", &host]).failed().to_string();
    assert!(err.contains("not blocked"), "{err}");

    // An account block, added while the account is a member: it is removed
    // (Reject{Follow}); its later posts are dropped and a new Follow is
    // refused with a Reject again, not listed as a request.
    let remote = FakeRemote::start();
    remote.account("troll");
    let follow = remote.follow("troll", &club, 1);
    assert_eq!(remote.post("troll", &s.url("/inbox"), &follow).await, 202);
    let handle = format!("@troll@{}", remote.domain());
    for _ in 0..100 {
        if s.cli(&["request", "list", "--json"])
            .json()
            .as_array()
            .unwrap()
            .len()
            == 1
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    s.cli(&["member", "approve", "club", &handle]).ok();
    remote.wait_for("Accept").await;
    let out = s.cli(&["block", "add", &handle]).ok().to_string();
    assert!(out.contains("1 membership"), "{out}");
    assert!(remote.wait_for("Reject").await.verified);
    assert!(s
        .cli(&["member", "list", "club", "--json"])
        .json()
        .as_array()
        .unwrap()
        .is_empty());
    let rejects = remote.of_kind("Reject").len();
    let again = remote.follow("troll", &club, 2);
    assert_eq!(remote.post("troll", &s.url("/inbox"), &again).await, 202);
    let outcome = common::wait::processed(&s, again["id"].as_str().unwrap()).await;
    assert!(outcome.starts_with("refused: blocked"), "{outcome}");
    for _ in 0..200 {
        if remote.of_kind("Reject").len() > rejects {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let last = remote.of_kind("Reject").pop().unwrap();
    assert_eq!(
        last.activity["object"]["id"], again["id"],
        "the new Follow is refused"
    );
    assert!(s
        .cli(&["request", "list", "--json"])
        .json()
        .as_array()
        .unwrap()
        .is_empty());
    assert!(s
        .cli(&["member", "list", "club", "--json"])
        .json()
        .as_array()
        .unwrap()
        .is_empty());
    let undo = json!({"id": format!("{}#undo/9", remote.actor_id("troll")), "type": "Undo",
                      "actor": remote.actor_id("troll"), "object": again});
    assert_eq!(remote.post("troll", &s.url("/inbox"), &undo).await, 202);
    assert!(!s.stored(undo["id"].as_str().unwrap()).await);
    let text = s.metrics().await;
    assert!(
        text.contains("demesh_inbox_dropped_total{reason=\"blocked\"} 2"),
        "{text}"
    );
    s.stop().await;
}

/// Reactions (Misskey sends a `Like`, some servers `EmojiReact`) are not
/// forwarded to anyone: answered 202, not stored, counted.
async fn reactions_are_dropped_and_counted(backend: Backend) {
    let db = TestDb::new(backend);
    let s = TestServer::start_with_metrics(&db).await;
    s.cli(&["group", "create", "club"]).ok();
    let club = s.url("/groups/club");
    let remote = FakeRemote::start();
    remote.account("ann");
    let a0 = remote.received().len();
    for (n, kind) in ["Like", "EmojiReact"].iter().enumerate() {
        let like = json!({"id": format!("{}/likes/{n}", remote.actor_id("ann")), "type": kind,
                          "actor": remote.actor_id("ann"), "object": format!("{club}/posts/x"),
                          "content": "👍"});
        assert_eq!(
            remote
                .post("ann", &s.url("/groups/club/inbox"), &like)
                .await,
            202
        );
        assert!(
            !s.stored(like["id"].as_str().unwrap()).await,
            "{kind} not stored"
        );
    }
    let text = s.metrics().await;
    assert!(
        text.contains("demesh_inbox_dropped_total{reason=\"reaction\"} 2"),
        "{text}"
    );
    // Unsigned, it is refused like anything else: only verified reactions count.
    let unsigned = common::http()
        .post(s.url("/inbox"))
        .header("content-type", "application/activity+json")
        .body(
            json!({"id": format!("{}/likes/9", remote.actor_id("ann")), "type": "Like",
                     "actor": remote.actor_id("ann"), "object": club})
            .to_string(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(unsigned.status().as_u16(), 401);
    common::wait::settled(&s).await;
    assert_eq!(remote.received().len(), a0, "nobody is told");
    s.stop().await;
}

async fn duplicates_unknown_types_and_rotated_keys(backend: Backend) {
    let db = TestDb::new(backend);
    let s = TestServer::start(&db).await;
    s.cli(&["group", "create", "club"]).ok();
    let remote = FakeRemote::start();
    remote.account("ann");
    let club = s.url("/groups/club");
    let follow = remote.follow("ann", &club, 1);
    // Same activity to the shared and the personal inbox: stored once.
    assert_eq!(remote.post("ann", &s.url("/inbox"), &follow).await, 202);
    assert_eq!(
        remote
            .post("ann", &s.url("/groups/club/inbox"), &follow)
            .await,
        202
    );
    for _ in 0..100 {
        if s.cli(&["request", "list", "--json"])
            .json()
            .as_array()
            .unwrap()
            .len()
            == 1
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        s.cli(&["request", "list", "--json"])
            .json()
            .as_array()
            .unwrap()
            .len(),
        1
    );

    let like: Value = json!({"id": format!("{}#announces/1", remote.actor_id("ann")), "type": "Announce",
                             "actor": remote.actor_id("ann"), "object": club});
    assert_eq!(
        remote.post("ann", &s.url("/inbox"), &like).await,
        202,
        "unknown types are accepted"
    );
    let id = like["id"].as_str().unwrap().to_string();
    let mut outcome = None;
    for _ in 0..100 {
        let i = id.clone();
        outcome =
            s.db.call(move |db| db.incoming_by_activity_id(&i))
                .await
                .unwrap()
                .and_then(|r| r.outcome);
        if outcome.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(outcome.unwrap().starts_with("ignored"));

    // The account rotates its key: demesh refetches once and accepts.
    // (Wait out the refetch guard so the cached key counts as old.)
    remote.rotate_key("ann");
    common::exec_sql(&s.db_url, "UPDATE remote_actors SET fetched_at = 0");
    let undo = json!({"id": format!("{}#undo/1", remote.actor_id("ann")), "type": "Undo",
                      "actor": remote.actor_id("ann"), "object": follow});
    assert_eq!(
        remote.post("ann", &s.url("/inbox"), &undo).await,
        202,
        "rotated key is refetched"
    );
    s.stop().await;
}

backend_tests!(
    refused_requests_get_their_status_and_store_nothing,
    blocked_senders_get_202_and_their_follows_a_reject,
    reactions_are_dropped_and_counted,
    duplicates_unknown_types_and_rotated_keys,
);
