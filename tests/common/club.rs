//! A group with three members on two fake servers, and helpers to watch
//! what the group sends them.
#![allow(dead_code, clippy::unwrap_used)]

use super::fake_remote::{FakeRemote, Received};
use super::{Backend, TestDb, TestServer};
use serde_json::json;
use std::time::Duration;

pub const PUBLIC: &str = "https://www.w3.org/ns/activitystreams#Public";

pub struct Club {
    pub db: TestDb,
    pub s: TestServer,
    /// alice and carol (members) live here
    pub a: FakeRemote,
    /// bob (member) lives here
    pub b: FakeRemote,
    pub group: String,
}

pub async fn club(backend: Backend) -> Club {
    club_configured(backend, |_| {}).await
}

/// The club, on a server whose test configuration `adjust` changed.
pub async fn club_configured(
    backend: Backend,
    adjust: impl FnOnce(&mut demesh::config::Config),
) -> Club {
    let db = TestDb::new(backend);
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let s = TestServer::start_configured(&db, listener, adjust).await;
    s.cli(&["group", "create", "club"]).ok();
    // The welcome message (issue #13, on by default) is tested in
    // tests/rules.rs; here it would add a direct message to every count.
    s.cli(&["group", "set", "club", "welcome", "off"]).ok();
    let group = s.url("/groups/club");
    let (a, b) = (FakeRemote::start(), FakeRemote::start());
    for (server, name) in [(&a, "alice"), (&a, "carol"), (&b, "bob")] {
        server.account(name);
        s.cli(&[
            "member",
            "allow",
            "club",
            &format!("{name}@{}", server.domain()),
        ])
        .ok();
        let follow = server.follow(name, &group, 1);
        assert_eq!(server.post(name, &s.url("/inbox"), &follow).await, 202);
    }
    for _ in 0..200 {
        if a.of_kind("Accept").len() == 2 && b.of_kind("Accept").len() == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(
        s.cli(&["member", "list", "club", "--json"])
            .json()
            .as_array()
            .unwrap()
            .len(),
        3
    );
    Club { db, s, a, b, group }
}

impl Club {
    /// Makes `name` on `server` a moderator of the club (`demesh member
    /// promote`), as an admin would.
    pub fn promote(&self, server: &FakeRemote, name: &str) {
        let who = format!("{name}@{}", server.domain());
        self.s.cli(&["member", "promote", "club", &who]).ok();
    }
}

/// The group's note id for a member's original object, once republished.
pub async fn copy_of(c: &Club, original: &str) -> String {
    for _ in 0..200 {
        let o = original.to_string();
        let posts =
            c.s.db
                .call(move |db| db.posts_of_original(&o))
                .await
                .unwrap();
        if let Some(p) = posts.into_iter().next() {
            return p.note_id;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("{original} was not republished");
}

/// Waits for an activity of `kind` about group object `note_id` at `server`.
pub async fn arrived(server: &FakeRemote, kind: &str, note_id: &str) -> Received {
    for _ in 0..200 {
        let hit = server
            .of_kind(kind)
            .into_iter()
            .find(|r| r.activity["object"]["id"] == note_id || r.activity["object"] == note_id);
        if let Some(r) = hit {
            return r;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("no {kind} of {note_id}; got {:?}", server.received());
}

pub fn creates(server: &FakeRemote) -> Vec<Received> {
    server.of_kind("Create")
}

/// How many `Create`s of the group note `note_id` reached `server`.
pub fn creates_of(server: &FakeRemote, note_id: &str) -> usize {
    creates(server)
        .iter()
        .filter(|r| r.activity["object"]["id"] == note_id)
        .count()
}

/// Waits until the server has processed what it was sent and recorded
/// every due delivery (see `wait::settled`), then asserts nothing new
/// arrived at `server`.
pub async fn nothing_more(s: &TestServer, server: &FakeRemote, before: usize) {
    super::wait::settled(s).await;
    assert_eq!(
        server.received().len(),
        before,
        "unexpected: {:?}",
        &server.received()[before..]
    );
}

pub fn assert_group_post(c: &Club, r: &Received) {
    assert!(r.verified, "signed by the group: {r:?}");
    let (act, note) = (&r.activity, &r.activity["object"]);
    let followers = format!("{}/followers", c.group);
    assert_eq!(act["actor"], c.group);
    assert_eq!(note["attributedTo"], c.group);
    assert_eq!(act["to"], json!([followers]));
    assert_eq!(note["to"], json!([followers]));
    assert!(!act.to_string().contains(PUBLIC), "no Public anywhere");
    assert!(
        note["id"].as_str().unwrap().starts_with(&c.s.base),
        "id on the relay host"
    );
    assert!(act["id"].as_str().unwrap().starts_with(&c.s.base));
    // No Mention tags, except (issue #13) a reply's one Mention of the
    // member it answers.
    let mentions = note["tag"]
        .as_array()
        .map_or(0, |t| t.iter().filter(|t| t["type"] == "Mention").count());
    let allowed = usize::from(note.get("inReplyTo").is_some());
    assert!(mentions <= allowed, "no Mention tags: {note}");
}

/// Posts alice's direct post number `n` and returns (original id, group note id).
pub async fn alice_posts(c: &Club, n: &str) -> (String, String) {
    let post =
        c.a.fixture("mastodon_direct.json", "alice", &c.group, n, "");
    assert_eq!(c.a.post("alice", &c.s.url("/inbox"), &post).await, 202);
    let original = post["object"]["id"].as_str().unwrap().to_string();
    let note = copy_of(c, &original).await;
    arrived(&c.b, "Create", &note).await;
    (original, note)
}
