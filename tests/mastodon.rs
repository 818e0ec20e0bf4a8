//! Issue #23: Mastodon fidelity. Replies told by direct message instead
//! of a Mention in the copy; answers that reply to the message they
//! answer (so Mastodon does not filter them); Mastodon's FeatureRequest
//! without `actor`. (Pages for browsers: tests/browser_pages.rs; late
//! deliveries: tests/late_posts.rs.)
#![allow(clippy::unwrap_used)]

mod common;

use common::club::{alice_posts, arrived, club, copy_of, Club};
use common::dm::{dms_to, send, text};
use common::wait::{count_where, eventually, processed, settled};
use common::{exec_sql, Backend};
use serde_json::{json, Value};

const NOTICE: &str = "replied to your post in";

/// `name` on `server` replies to `parent` as Mastodon's reply box does:
/// the parent's author (`mention`) is mentioned too. Returns the copy.
async fn reply(c: &Club, on_a: bool, name: &str, n: &str, parent: &str, mention: &str) -> String {
    let server = if on_a { &c.a } else { &c.b };
    let mut r = server.fixture("mastodon_reply.json", name, &c.group, n, parent);
    r["object"]["tag"]
        .as_array_mut()
        .unwrap()
        .push(json!({"type": "Mention", "href": mention, "name": "@parent"}));
    assert_eq!(server.post(name, &c.s.url("/inbox"), &r).await, 202);
    copy_of(c, r["object"]["id"].as_str().unwrap()).await
}

fn notices(c: &Club, on_a: bool, actor: &str) -> Vec<Value> {
    let server = if on_a { &c.a } else { &c.b };
    dms_to(server, actor)
        .into_iter()
        .filter(|n| text(n).contains(NOTICE))
        .collect()
}

async fn replies_are_told_by_direct_message_not_mention(backend: Backend) {
    let c = club(backend).await;
    let (alice, bob) = (c.a.actor_id("alice"), c.b.actor_id("bob"));
    let (original, root) = alice_posts(&c, "1").await;

    // bob answers; the copy mentions nobody, alice alone is told.
    let copy = reply(&c, false, "bob", "2", &root, &alice).await;
    let got = arrived(&c.a, "Create", &copy).await;
    assert!(
        !got.activity.to_string().contains("Mention"),
        "{}",
        got.activity
    );
    assert_eq!(
        got.activity["object"]["to"],
        json!([format!("{}/followers", c.group)])
    );
    let told = eventually("alice's notice", || async {
        notices(&c, true, &alice).into_iter().next()
    })
    .await;
    let said = text(&told);
    assert!(
        said.contains(&format!("bob@{} {NOTICE} @club@", c.b.domain())),
        "{said}"
    );
    assert!(said.contains(&copy), "links the reply's copy: {said}");
    assert_eq!(
        told["tag"],
        json!([{"type": "Mention", "href": alice, "name": format!("@alice@{}", c.a.domain())}])
    );
    assert_eq!(told["to"], json!([alice]));

    // More replies in the thread within 10 minutes: no second notice.
    let again = reply(&c, false, "bob", "3", &copy, &alice).await;
    arrived(&c.a, "Create", &again).await;
    settled(&c.s).await;
    assert_eq!(notices(&c, true, &alice).len(), 1);
    // Ten minutes later, one more.
    exec_sql(
        &c.s.db_url,
        "UPDATE reply_notices SET sent_at = sent_at - 600001",
    );
    let later = reply(&c, false, "bob", "4", &root, &alice).await;
    arrived(&c.a, "Create", &later).await;
    eventually("a second notice", || async {
        (notices(&c, true, &alice).len() == 2).then_some(())
    })
    .await;

    // Answering oneself tells nobody; the replier is never told.
    let own = reply(&c, true, "alice", "5", &original, &alice).await;
    arrived(&c.b, "Create", &own).await;
    settled(&c.s).await;
    assert_eq!(notices(&c, true, &alice).len(), 2);
    assert!(notices(&c, false, &bob).is_empty());
    // The notices are the group's direct messages, never group posts.
    assert_eq!(
        count_where(
            &c.s.db_url,
            "direct_messages",
            &format!("content LIKE '%{NOTICE}%'")
        ),
        2
    );
    let posts_before = count_where(&c.s.db_url, "posts", "1=1");

    // Once alice is removed, replies to her post tell her nothing, and
    // no copy names her.
    c.s.cli(&[
        "member",
        "remove",
        "club",
        &format!("alice@{}", c.a.domain()),
    ])
    .ok();
    exec_sql(&c.s.db_url, "UPDATE reply_notices SET sent_at = 0");
    let after = reply(&c, false, "bob", "6", &root, &alice).await;
    settled(&c.s).await;
    assert_eq!(notices(&c, true, &alice).len(), 2);
    assert_eq!(count_where(&c.s.db_url, "posts", "1=1"), posts_before + 1);
    assert_eq!(
        count_where(
            &c.s.db_url,
            "posts",
            &format!("note_id = '{after}' AND note_json LIKE '%{alice}%'")
        ),
        0
    );
}

/// The group's direct message to `actor` on `server` containing `needle`.
async fn dm(server: &common::fake_remote::FakeRemote, actor: &str, needle: &str) -> Value {
    common::dm::dm_containing(server, actor, needle).await
}

async fn answers_reply_to_the_message_they_answer(backend: Backend) {
    let c = club(backend).await;
    let (alice, bob) = (c.a.actor_id("alice"), c.b.actor_id("bob"));
    // A moderator's command.
    c.promote(&c.a, "alice");
    let id = send(&c, &c.a, "alice", "1", "help", &[]).await;
    processed(&c.s, &id).await;
    let answer = dm(&c.a, &alice, "approve").await;
    assert_eq!(answer["inReplyTo"], format!("{alice}/statuses/1"));
    // A refusal: a member post with an invite code in it.
    let code = c.s.cli(&["invite", "create", "club", "--json"]).json()["code"]
        .as_str()
        .unwrap()
        .to_string();
    let id = send(&c, &c.b, "bob", "2", &format!("join with {code}"), &[]).await;
    processed(&c.s, &id).await;
    let refusal = dm(&c.b, &bob, "invite codes").await;
    assert_eq!(refusal["inReplyTo"], format!("{bob}/statuses/2"));
    // Invite-code answers to a requester, and the welcome.
    c.s.cli(&["group", "set", "club", "welcome", "on"]).ok();
    c.s.cli(&["invite", "revoke", "club", &code]).ok();
    c.a.account("dave");
    let dave = c.a.actor_id("dave");
    let follow = c.a.follow("dave", &c.group, 1);
    assert_eq!(c.a.post("dave", &c.s.url("/inbox"), &follow).await, 202);
    processed(&c.s, follow["id"].as_str().unwrap()).await;
    let id = send(&c, &c.a, "dave", "3", &code, &[]).await;
    processed(&c.s, &id).await;
    let refused = dm(&c.a, &dave, "withdrawn").await;
    assert_eq!(refused["inReplyTo"], format!("{dave}/statuses/3"));
    let good = c.s.cli(&["invite", "create", "club", "--json"]).json()["code"]
        .as_str()
        .unwrap()
        .to_string();
    let id = send(&c, &c.a, "dave", "4", &good, &[]).await;
    assert!(processed(&c.s, &id).await.contains("joined"));
    let welcome = dm(&c.a, &dave, "Welcome").await;
    assert_eq!(welcome["inReplyTo"], format!("{dave}/statuses/4"));
    assert_eq!(welcome["tag"][0]["href"], dave.as_str(), "still mentioned");
}

async fn feature_request_without_actor_is_rejected(backend: Backend) {
    let c = club(backend).await;
    let bob = c.b.actor_id("bob");
    let request =
        c.b.fixture("mastodon_feature_request.json", "bob", &c.group, "1", "");
    assert!(request.get("actor").is_none(), "Mastodon's shape");
    let inbox = format!("{}/inbox", c.group);
    assert_eq!(c.b.post("bob", &inbox, &request).await, 202);
    let outcome = processed(&c.s, request["id"].as_str().unwrap()).await;
    assert!(
        outcome.contains("FeatureRequest") && outcome.contains("rejected"),
        "{outcome}"
    );
    let reject = eventually("the Reject", || async {
        c.b.of_kind("Reject")
            .into_iter()
            .find(|r| r.activity["object"]["id"] == request["id"])
    })
    .await;
    assert!(reject.verified);
    assert_eq!(reject.activity["to"], json!([bob]));
    assert_eq!(
        reject.activity["object"]["actor"],
        bob.as_str(),
        "the signer"
    );
    // Not signed: nobody to answer.
    let unsigned = common::http()
        .post(&inbox)
        .header("content-type", "application/activity+json")
        .body(request.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(unsigned.status().as_u16(), 401);
    // Signed by someone on another host than the request's id: refused.
    let mut forged = request.clone();
    forged["id"] = json!(format!("{}/feature_requests/9", c.a.actor_id("alice")));
    assert_eq!(c.b.post("bob", &inbox, &forged).await, 400);
}

backend_tests!(
    replies_are_told_by_direct_message_not_mention,
    answers_reply_to_the_message_they_answer,
    feature_request_without_actor_is_rejected
);
