//! Follow requests, approval from the CLI, and membership changes, as a
//! remote server lives them: real signed requests in, real signed
//! deliveries out, checked by a fake server that verifies our signatures.
#![allow(clippy::unwrap_used)]

mod common;

use common::club::{alice_posts, club};
use common::fake_remote::FakeRemote;
use common::{count_rows, Backend, TestDb, TestServer};
use serde_json::Value;
use std::time::Duration;

struct World {
    _db: TestDb,
    s: TestServer,
    remote: FakeRemote,
    club: String,
}

async fn world(backend: Backend) -> World {
    let db = TestDb::new(backend);
    let s = TestServer::start(&db).await;
    s.cli(&["group", "create", "club"]).ok();
    let remote = FakeRemote::start();
    let club = s.url("/groups/club");
    World {
        _db: db,
        s,
        remote,
        club,
    }
}

impl World {
    /// alice follows the club and the request is processed.
    async fn request(&self, name: &str, n: u32) -> Value {
        self.remote.account(name);
        let follow = self.remote.follow(name, &self.club, n);
        let status = self
            .remote
            .post(name, &self.s.url("/groups/club/inbox"), &follow)
            .await;
        assert_eq!(status, 202);
        self.processed(follow["id"].as_str().unwrap()).await;
        follow
    }

    /// Waits until the inbox worker has processed `activity_id`; returns the outcome.
    async fn processed(&self, activity_id: &str) -> String {
        for _ in 0..200 {
            let id = activity_id.to_string();
            let row = self
                .s
                .db
                .call(move |db| db.incoming_by_activity_id(&id))
                .await
                .unwrap();
            if let Some(outcome) = row.and_then(|r| r.outcome) {
                return outcome;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("{activity_id} was not processed");
    }

    fn handle(&self, name: &str) -> String {
        format!("@{name}@{}", self.remote.domain())
    }

    fn pending(&self) -> Vec<Value> {
        self.s
            .cli(&["request", "list", "--json"])
            .json()
            .as_array()
            .unwrap()
            .clone()
    }

    fn members(&self) -> Vec<Value> {
        self.s
            .cli(&["member", "list", "club", "--json"])
            .json()
            .as_array()
            .unwrap()
            .clone()
    }
}

async fn follow_is_pending_then_approved(backend: Backend) {
    let w = world(backend).await;
    let follow = w.request("alice", 1).await;
    let pending = w.pending();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0]["account"], w.handle("alice"));
    assert_eq!(pending[0]["actor"], w.remote.actor_id("alice"));
    assert_eq!(pending[0]["group"], "club");
    assert_eq!(
        pending[0]["software"], "fakeverse 1.0",
        "learnt from NodeInfo"
    );
    assert!(pending[0]["since"].as_str().unwrap().ends_with('Z'));
    let text =
        w.s.cli(&["request", "list", "--group", "club"])
            .ok()
            .to_string();
    assert!(text.contains(&w.handle("alice")), "{text}");
    assert!(
        w.remote.received().is_empty(),
        "nothing sent before approval"
    );
    assert!(w.members().is_empty());

    // ACCOUNT as user@host (with port), without the leading @.
    let who = w.handle("alice")[1..].to_string();
    w.s.cli(&["member", "approve", "club", &who]).ok();
    let accept = w.remote.wait_for("Accept").await;
    assert!(accept.verified, "signature must verify: {accept:?}");
    assert_eq!(accept.key_id, format!("{}#main-key", w.club));
    assert_eq!(accept.path, "/inbox", "shared inbox preferred");
    assert_eq!(accept.activity["actor"], w.club);
    assert_eq!(accept.activity["object"], follow, "the Follow as received");
    assert!(accept.activity["id"]
        .as_str()
        .unwrap()
        .starts_with(&w.s.base));

    assert!(w.pending().is_empty());
    let members = w.members();
    assert_eq!(members.len(), 1);
    assert_eq!(members[0]["account"], w.handle("alice"));
    let followers: Value = common::get_activity_json(&format!("{}/followers", w.club)).await;
    assert_eq!(followers["totalItems"], 1);
    assert!(
        followers.get("orderedItems").is_none(),
        "members never listed publicly"
    );

    // Following again while a member: Accepted again, still one row.
    let again = w.remote.follow("alice", &w.club, 2);
    assert_eq!(
        w.remote.post("alice", &w.s.url("/inbox"), &again).await,
        202
    );
    assert!(w
        .processed(again["id"].as_str().unwrap())
        .await
        .starts_with("accepted again"));
    for _ in 0..100 {
        if w.remote.of_kind("Accept").len() == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let accepts = w.remote.of_kind("Accept");
    assert_eq!(accepts.len(), 2);
    assert_eq!(
        accepts[1].activity["object"]["id"], again["id"],
        "answers the new Follow"
    );
    assert_eq!(w.members().len(), 1);
    w.s.stop().await;
}

async fn reject_and_remove_send_reject(backend: Backend) {
    let w = world(backend).await;
    let follow = w.request("bob", 1).await;
    let err =
        w.s.cli(&["member", "remove", "club", &w.handle("bob")])
            .failed()
            .to_string();
    assert!(err.contains("not a member"), "{err}");
    w.s.cli(&["member", "reject", "club", &w.handle("bob")])
        .ok();
    let reject = w.remote.wait_for("Reject").await;
    assert!(reject.verified);
    assert_eq!(reject.activity["object"], follow);
    assert!(w.pending().is_empty() && w.members().is_empty());

    // carol becomes a member (by actor URL), then is removed.
    let follow = w.request("carol", 1).await;
    w.s.cli(&["member", "approve", "club", &w.remote.actor_id("carol")])
        .ok();
    w.remote.wait_for("Accept").await;
    let err =
        w.s.cli(&["member", "reject", "club", &w.handle("carol")])
            .failed()
            .to_string();
    assert!(err.contains("use `member remove`"), "{err}");
    w.s.cli(&["member", "remove", "club", &w.handle("carol")])
        .ok();
    for _ in 0..200 {
        if w.remote.of_kind("Reject").len() == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let rejects = w.remote.of_kind("Reject");
    assert_eq!(rejects.len(), 2);
    assert_eq!(
        rejects[1].activity["object"], follow,
        "Reject{{Follow}} ends the follow"
    );
    assert!(w.members().is_empty());

    let err =
        w.s.cli(&["member", "approve", "club", "@nobody@nowhere.example"])
            .failed()
            .to_string();
    assert!(err.contains("has contacted this server"), "{err}");
    let err =
        w.s.cli(&["member", "approve", "nogroup", &w.handle("carol")])
            .failed()
            .to_string();
    assert!(err.contains("no group named"), "{err}");
    w.s.stop().await;
}

async fn preapproved_accounts_and_domains_join_at_once(backend: Backend) {
    let w = world(backend).await;
    w.s.cli(&["member", "allow", "club", &w.handle("dave")])
        .ok();
    w.request("dave", 1).await;
    assert!(w.remote.wait_for("Accept").await.verified);
    assert!(w.pending().is_empty());
    assert_eq!(w.members().len(), 1);

    let other = FakeRemote::start();
    w.s.cli(&["member", "allow", "club", &format!("*@{}", other.domain())])
        .ok();
    other.account("erin");
    let follow = other.follow("erin", &w.club, 1);
    assert_eq!(other.post("erin", &w.s.url("/inbox"), &follow).await, 202);
    assert!(other.wait_for("Accept").await.verified);
    assert_eq!(w.members().len(), 2);
    w.s.stop().await;
}

async fn undo_and_delete_end_requests_and_memberships(backend: Backend) {
    let w = world(backend).await;
    let follow = w.request("fay", 1).await;
    let undo = serde_json::json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{}#follows/1/undo", w.remote.actor_id("fay")),
        "type": "Undo", "actor": w.remote.actor_id("fay"), "object": follow,
    });
    assert_eq!(w.remote.post("fay", &w.s.url("/inbox"), &undo).await, 202);
    assert!(w
        .processed(undo["id"].as_str().unwrap())
        .await
        .starts_with("done"));
    assert!(w.pending().is_empty(), "request cancelled");

    w.request("gus", 1).await;
    w.s.cli(&["member", "approve", "club", &w.handle("gus")])
        .ok();
    w.remote.wait_for("Accept").await;
    assert_eq!(w.members().len(), 1);
    let delete = serde_json::json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{}#delete", w.remote.actor_id("gus")),
        "type": "Delete", "actor": w.remote.actor_id("gus"), "object": w.remote.actor_id("gus"),
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
    });
    assert_eq!(w.remote.post("gus", &w.s.url("/inbox"), &delete).await, 202);
    assert!(w
        .processed(delete["id"].as_str().unwrap())
        .await
        .starts_with("done"));
    assert!(w.members().is_empty(), "deleted account is no member");
    w.s.stop().await;
}

async fn gone_inbox_ends_membership(backend: Backend) {
    let db = TestDb::new(backend);
    let s = TestServer::start(&db).await;
    s.cli(&["group", "create", "club"]).ok();
    let remote = FakeRemote::start_with(false);
    remote.account("hal");
    let follow = remote.follow("hal", &s.url("/groups/club"), 1);
    assert_eq!(
        remote
            .post("hal", &s.url("/groups/club/inbox"), &follow)
            .await,
        202
    );
    common::wait::settled(&s).await;
    remote.answer("/users/hal/inbox", &[410]);
    s.cli(&[
        "member",
        "approve",
        "club",
        &format!("@hal@{}", remote.domain()),
    ])
    .ok();
    let got = remote.wait_for("Accept").await;
    assert_eq!(
        got.path, "/users/hal/inbox",
        "personal inbox without a shared one"
    );
    for _ in 0..100 {
        let list = s.cli(&["member", "list", "club", "--json"]).json();
        if list.as_array().unwrap().is_empty() {
            let queue = s.cli(&["queue", "--json"]).json();
            assert_eq!(queue[0]["failed"], 1, "{queue}");
            return s.stop().await;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("a 410 from the member's inbox must end the membership");
}

/// DESIGN §5: after a member moves (Mastodon's account migration), the
/// new account's Follow is accepted at once and the old membership ends
/// with a Reject. An alias that the old account does not confirm with
/// `movedTo` proves nothing: that Follow stays a request.
async fn moved_members_rejoin_at_once(backend: Backend) {
    let w = world(backend).await;
    w.s.cli(&["member", "allow", "club", &w.handle("old")]).ok();
    w.request("old", 1).await;
    w.remote.wait_for("Accept").await;
    let old = w.remote.actor_id("old");
    let elsewhere = FakeRemote::start();

    elsewhere.account("mallory");
    elsewhere.set_also_known_as("mallory", &old);
    let follow = elsewhere.follow("mallory", &w.club, 1);
    assert_eq!(
        elsewhere.post("mallory", &w.s.url("/inbox"), &follow).await,
        202
    );
    let outcome = w.processed(follow["id"].as_str().unwrap()).await;
    assert!(outcome.starts_with("pending"), "{outcome}");

    elsewhere.account("new");
    elsewhere.set_also_known_as("new", &old);
    w.remote.set_moved_to("old", &elsewhere.actor_id("new"));
    let follow = elsewhere.follow("new", &w.club, 1);
    assert_eq!(
        elsewhere.post("new", &w.s.url("/inbox"), &follow).await,
        202
    );
    let outcome = w.processed(follow["id"].as_str().unwrap()).await;
    assert_eq!(outcome, format!("accepted: moved from {old}"));
    let accept = elsewhere.wait_for("Accept").await;
    assert!(accept.verified);
    assert_eq!(
        accept.activity["object"]["actor"],
        elsewhere.actor_id("new")
    );
    let reject = w.remote.wait_for("Reject").await;
    assert_eq!(reject.activity["object"]["actor"], old);
    let members: Vec<Value> = w.members().iter().map(|m| m["actor"].clone()).collect();
    assert_eq!(members, [Value::from(elsewhere.actor_id("new"))]);
    assert_eq!(w.pending().len(), 1, "mallory still only asks");
    w.s.stop().await;
}

/// Deleting a group tells its members' servers with a Delete of the group
/// actor, signed by the group; the actor then answers 410, the name stays
/// reserved, and what the group held is gone.
async fn deleting_a_group_tells_member_servers(backend: Backend) {
    let c = club(backend).await;
    let (_, note) = alice_posts(&c, "50").await;
    let out =
        c.s.cli(&["group", "delete", "club", "--yes"])
            .ok()
            .to_string();
    assert!(out.contains("2 member servers will be told"), "{out}");
    for server in [&c.a, &c.b] {
        let delete = server.wait_for("Delete").await;
        assert!(delete.verified, "signed by the group: {delete:?}");
        assert_eq!(delete.activity["actor"], c.group);
        assert_eq!(delete.activity["object"], c.group);
    }
    let res = common::http()
        .get(&c.group)
        .header("accept", "application/activity+json")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 410);
    assert_eq!(res.json::<Value>().await.unwrap()["type"], "Tombstone");
    let webfinger = c.s.url(&format!(
        "/.well-known/webfinger?resource=acct:club@{}",
        c.s.domain()
    ));
    let res = common::http().get(&webfinger).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 404);
    assert_eq!(c.b.signed_get("bob", &note).await.0, 404, "posts are gone");
    for table in ["memberships", "posts"] {
        assert_eq!(count_rows(&c.db.url, table), 0, "{table}");
    }
    assert!(c
        .s
        .cli(&["group", "list", "--json"])
        .json()
        .as_array()
        .unwrap()
        .is_empty());
    let err = c.s.cli(&["group", "create", "club"]).failed().to_string();
    assert!(err.contains("belonged to a deleted group"), "{err}");

    // A follow of the deleted group changes nothing.
    c.b.account("dan");
    let follow = c.b.follow("dan", &c.group, 9);
    c.b.post("dan", &c.s.url("/inbox"), &follow).await;
    common::wait::settled(&c.s).await;
    assert_eq!(count_rows(&c.db.url, "memberships"), 0);
    c.s.stop().await;
}

/// A profile change (name, summary, icon) reaches the members' servers as
/// Update{Group}, so they show the new profile at once.
async fn profile_changes_reach_member_servers(backend: Backend) {
    let c = club(backend).await;
    let out =
        c.s.cli(&["group", "set", "club", "display-name", "Readers"])
            .ok()
            .to_string();
    assert!(out.contains("2 member server(s)"), "{out}");
    for server in [&c.a, &c.b] {
        let update = server.wait_for("Update").await;
        assert!(update.verified, "signed by the group");
        assert_eq!(update.activity["actor"], c.group);
        assert_eq!(update.activity["object"]["type"], "Group");
        assert_eq!(update.activity["object"]["id"], c.group);
        assert_eq!(update.activity["object"]["name"], "Readers");
    }
    c.s.cli(&[
        "group",
        "set",
        "club",
        "icon",
        "https://img.example/club.png",
    ])
    .ok();
    let actor: Value = common::get_activity_json(&c.group).await;
    assert_eq!(
        actor["icon"],
        serde_json::json!({"type": "Image", "url": "https://img.example/club.png", "mediaType": "image/png"})
    );
    c.s.stop().await;
}

backend_tests!(
    profile_changes_reach_member_servers,
    deleting_a_group_tells_member_servers,
    moved_members_rejoin_at_once,
    follow_is_pending_then_approved,
    reject_and_remove_send_reject,
    preapproved_accounts_and_domains_join_at_once,
    undo_and_delete_end_requests_and_memberships,
    gone_inbox_ends_membership,
);
