//! Server-wide blocks as an admin uses them: a domain block covers its
//! subdomains and every port of its hosts, through the real inbox; a
//! reason is kept; Mastodon's domain-block CSV is imported (all or
//! nothing) and exported.
#![allow(clippy::unwrap_used)]

mod common;

use common::club::club;
use common::fake_remote::FakeRemote;
use common::{Backend, TestDb, TestServer};
use serde_json::Value;

fn blocks(s: &TestServer) -> Vec<(String, String)> {
    s.cli(&["block", "list", "--json"])
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            let text = |k: &str| b[k].as_str().unwrap().to_string();
            (text("target"), text("reason"))
        })
        .collect()
}

fn pending(s: &TestServer) -> Vec<Value> {
    s.cli(&["request", "list", "--json"])
        .json()
        .as_array()
        .unwrap()
        .clone()
}

/// `block add 127.0.0.1` stops `127.0.0.1:PORT`; `block add spam.localhost`
/// stops an actor on `bot.spam.localhost`, before any of its keys is fetched.
async fn a_domain_block_covers_ports_and_subdomains(backend: Backend) {
    let db = TestDb::new(backend);
    let s = TestServer::start(&db).await;
    s.cli(&["group", "create", "club"]).ok();
    let club = s.url("/groups/club");
    let inbox = s.url("/inbox");
    let spam = FakeRemote::start();
    spam.account("bot");
    assert!(spam.domain().starts_with("127.0.0.1:"));

    let out = s.cli(&["block", "add", "127.0.0.1", "--reason", "loopback spam"]);
    assert_eq!(out.ok().trim(), "blocked 127.0.0.1");
    assert_eq!(
        blocks(&s),
        [("127.0.0.1".to_string(), "loopback spam".to_string())]
    );
    // Refused as Mitra and Misskey understand it (issue #25): 202, then
    // the group's Reject{Follow}; never a request.
    let follow = spam.follow("bot", &club, 1);
    assert_eq!(spam.post("bot", &inbox, &follow).await, 202);
    let reject = spam.wait_for("Reject").await;
    assert_eq!(reject.activity["object"]["id"], follow["id"]);
    assert!(pending(&s).is_empty());
    // A block on another port of the host does not cover this one.
    s.cli(&["block", "remove", "127.0.0.1"]).ok();
    s.cli(&["block", "add", "127.0.0.1:1"]).ok();
    let again = spam.follow("bot", &club, 2);
    assert_eq!(spam.post("bot", &inbox, &again).await, 202);
    common::wait::eventually("the follow on another port becoming a request", || {
        let asked = !pending(&s).is_empty();
        async move { asked.then_some(()) }
    })
    .await;

    // An actor on a subdomain, signing with a key there, whose key cannot
    // be fetched (refused while not blocked): once the parent domain is
    // blocked its post is answered 202 and dropped unstored, before demesh
    // tries to fetch the key.
    let port = spam.domain().rsplit(':').next().unwrap().to_string();
    let actor = format!("http://bot.spam.localhost:{port}/users/bot");
    let post = serde_json::json!({
        "id": format!("{actor}#posts/1"), "type": "Create", "actor": actor, "to": [club],
        "object": {"id": format!("{actor}/posts/1"), "type": "Note", "attributedTo": actor,
                   "to": [club], "content": "spam"}});
    let body = post.to_string();
    let headers: Vec<(String, String)> = spam
        .signed_headers("bot", &inbox, body.as_bytes(), None)
        .into_iter()
        .map(|(k, v)| (k, v.replace(&spam.actor_id("bot"), &actor)))
        .collect();
    let before = spam.send(&inbox, body.clone(), headers.clone()).await;
    // Not blocked yet: its key cannot be fetched (503: the fetch failed).
    assert!(matches!(before, 401 | 503), "{before}");
    s.cli(&["block", "add", "SPAM.localhost"]).ok();
    assert_eq!(spam.send(&inbox, body, headers).await, 202);
    assert!(!s.stored(&format!("{actor}#posts/1")).await);
    s.stop().await;
}

/// A member's server blocked by its bare host: the member is removed
/// (Reject{Follow}), whatever port the server listens on.
async fn a_host_block_ends_the_memberships_on_every_port(backend: Backend) {
    let c = club(backend).await;
    let out = c.s.cli(&["block", "add", "127.0.0.1"]).ok().to_string();
    assert!(out.contains("3 membership(s)"), "{out}");
    assert!(c
        .s
        .cli(&["member", "list", "club", "--json"])
        .json()
        .as_array()
        .unwrap()
        .is_empty());
    for server in [&c.a, &c.b] {
        let reject = server.wait_for("Reject").await;
        assert!(reject.verified);
        assert_eq!(reject.activity["actor"], c.group);
    }
    c.s.stop().await;
}

const HEADER: &str = "#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate";

/// Mastodon's CSV in, the same out: suspend and silence become blocks,
/// noop is skipped, what is already blocked is counted and kept.
async fn import_then_export_round_trips(backend: Backend) {
    let db = TestDb::new(backend);
    let s = TestServer::start(&db).await;
    s.cli(&["block", "add", "old.example", "--reason", "kept"])
        .ok();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("domain_blocks.csv");
    std::fs::write(
        &file,
        format!(
            "{HEADER}\n\
             spam.example,suspend,true,true,\"Spam, and lots of it\",false\n\
             loud.example,silence,false,false,,false\n\
             fine.example,noop,false,false,just watching,false\n\
             old.example,suspend,false,false,new reason,false\n\
             Spam.Example,suspend,false,false,twice,false\n"
        ),
    )
    .unwrap();
    let path = file.to_str().unwrap();
    let out = s.cli(&["block", "import", path]).ok().trim().to_string();
    assert_eq!(out, "imported 2, skipped 1 (noop), already blocked 2");
    let want = [
        ("loud.example".to_string(), String::new()),
        ("old.example".to_string(), "kept".to_string()),
        (
            "spam.example".to_string(),
            "Spam, and lots of it".to_string(),
        ),
    ];
    assert_eq!(blocks(&s), want);
    let audit = s.cli(&["audit", "--json"]).json();
    assert!(audit.to_string().contains("block import"), "{audit}");

    s.cli(&["block", "add", "@troll@other.example"]).ok();
    let export = s.cli(&["block", "export"]);
    let csv = export.ok().to_string();
    assert!(
        export.stderr.contains("1 account block(s) left out"),
        "{}",
        export.stderr
    );
    assert_eq!(csv.lines().next(), Some(HEADER));
    assert!(
        csv.contains("spam.example,suspend,false,false,\"Spam, and lots of it\",false"),
        "{csv}"
    );
    assert!(!csv.contains("troll"), "{csv}");

    // The export, imported on another server, gives the same blocks.
    let other_db = TestDb::new(backend);
    let other = TestServer::start(&other_db).await;
    let exported = dir.path().join("export.csv");
    std::fs::write(&exported, &csv).unwrap();
    let out = other
        .cli(&["block", "import", exported.to_str().unwrap()])
        .ok()
        .to_string();
    assert_eq!(
        out.trim(),
        "imported 3, skipped 0 (noop), already blocked 0"
    );
    assert_eq!(blocks(&other), want);
    other.stop().await;
    s.stop().await;
}

/// A broken list changes nothing and says where it broke, in one line.
async fn a_bad_list_is_refused_whole_with_its_line(backend: Backend) {
    let db = TestDb::new(backend);
    let s = TestServer::start(&db).await;
    let dir = tempfile::tempdir().unwrap();
    for (text, want) in [
        (
            format!("{HEADER}\ngood.example,suspend,,,,\nbad domain,suspend,,,,\n"),
            "line 3: \"bad domain\" is not a domain",
        ),
        (
            format!("{HEADER}\ngood.example,obliterate,,,,\n"),
            "line 2: severity \"obliterate\"",
        ),
        (
            format!("{HEADER}\ngood.example,suspend,,,\"never closed\n"),
            "line 2: a quoted field is never closed",
        ),
    ] {
        let file = dir.path().join("list.csv");
        std::fs::write(&file, &text).unwrap();
        let out = s.cli(&["block", "import", file.to_str().unwrap()]);
        let err = out.failed().trim().to_string();
        assert!(err.contains(want), "{err}");
        assert!(err.contains("list.csv"), "names the file: {err}");
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(blocks(&s).is_empty(), "nothing imported from a bad list");
    }
    let missing = s.cli(&["block", "import", "/nonexistent/list.csv"]);
    assert!(missing
        .failed()
        .contains("cannot read /nonexistent/list.csv"));
    s.stop().await;
}

backend_tests!(
    a_domain_block_covers_ports_and_subdomains,
    a_host_block_ends_the_memberships_on_every_port,
    import_then_export_round_trips,
    a_bad_list_is_refused_whole_with_its_line,
);
