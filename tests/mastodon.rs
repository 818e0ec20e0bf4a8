//! Issue #23: Mastodon fidelity. Replies told by direct message instead
//! of a Mention in the copy; answers that reply to the message they
//! answer (so Mastodon does not filter them); Mastodon's FeatureRequest
//! without `actor`; late deliveries re-dated and listed; pages for
//! browsers at every group address, and HEAD.
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

async fn page(url: &str, method: reqwest::Method, accept: &str) -> (u16, String, String) {
    let res = common::http()
        .request(method, url)
        .header("accept", accept)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let ctype = res
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (status, ctype, res.text().await.unwrap())
}

async fn browsers_get_pages_and_head_works(backend: Backend) {
    let c = club(backend).await;
    let html = "text/html,application/xhtml+xml";
    c.s.cli(&[
        "group",
        "set",
        "club",
        "question",
        "Which book did you last read?",
    ])
    .ok();
    let (_, copy) = alice_posts(&c, "1").await;
    let got = arrived(&c.b, "Create", &copy).await;
    let said = text(&got.activity["object"]);
    let create = got.activity["id"].as_str().unwrap().to_string();

    // A copy's address, as Mastodon's "Open original page" opens it.
    let (status, ctype, body) = page(&copy, reqwest::Method::GET, html).await;
    assert_eq!(status, 404);
    assert!(ctype.starts_with("text/html"), "{ctype}");
    assert!(
        body.contains("private group") && body.contains(&format!("href=\"{}\"", c.group)),
        "{body}"
    );
    assert!(
        !body.contains("alice") && !body.contains(said.trim_start_matches("@")),
        "{body}"
    );
    let (status, ctype, body) = page(&create, reqwest::Method::GET, html).await;
    assert_eq!(
        (status, ctype.starts_with("text/html")),
        (404, true),
        "{body}"
    );
    // Servers still get JSON.
    let (status, ctype, _) = page(&copy, reqwest::Method::GET, "application/activity+json").await;
    assert_eq!((status, ctype.starts_with("application/json")), (404, true));

    // The group's page and its collections' show how to join, and the question.
    for path in ["", "/followers", "/outbox", "/following"] {
        let (status, ctype, body) =
            page(&format!("{}{path}", c.group), reqwest::Method::GET, html).await;
        assert_eq!(
            (status, ctype.starts_with("text/html")),
            (200, true),
            "{path}"
        );
        assert!(
            body.contains("Which book did you last read?"),
            "{path}: {body}"
        );
    }
    let (status, ctype, _) =
        page(&c.group, reqwest::Method::GET, "application/activity+json").await;
    assert_eq!(
        (status, ctype.starts_with("application/activity+json")),
        (200, true)
    );

    // Unknown and deleted groups.
    let (status, ctype, body) = page(&c.s.url("/groups/nobody"), reqwest::Method::GET, html).await;
    assert_eq!((status, ctype.starts_with("text/html")), (404, true));
    assert!(body.contains("No such group"), "{body}");
    let (status, _, _) = page(
        &c.s.url("/groups/nobody/posts/1"),
        reqwest::Method::GET,
        html,
    )
    .await;
    assert_eq!(status, 404);
    c.s.cli(&["group", "create", "gone"]).ok();
    c.s.cli(&["group", "delete", "gone", "--yes"]).ok();
    let (status, ctype, body) = page(&c.s.url("/groups/gone"), reqwest::Method::GET, html).await;
    assert_eq!((status, ctype.starts_with("text/html")), (410, true));
    assert!(body.contains("deleted"), "{body}");
    let (status, _, _) = page(
        &c.s.url("/groups/gone"),
        reqwest::Method::GET,
        "application/activity+json",
    )
    .await;
    assert_eq!(status, 410, "servers still get the Tombstone");

    // Invitations: working, unknown, revoked, used up.
    let inv =
        c.s.cli(&["invite", "create", "club", "--json", "--uses", "1"])
            .json();
    let link = inv["link"].as_str().unwrap().to_string();
    let (status, _, body) = page(&link, reqwest::Method::GET, html).await;
    assert_eq!(status, 200);
    assert!(body.contains("Which book did you last read?"), "{body}");
    let (status, ctype, body) = page(
        &format!("{}/invite/AAAAAAAAAAAAAAAAAAAAAA", c.group),
        reqwest::Method::GET,
        "*/*",
    )
    .await;
    assert_eq!((status, ctype.starts_with("text/html")), (404, true));
    assert!(body.contains("No such invitation"), "{body}");
    c.s.cli(&["invite", "revoke", "club", inv["code"].as_str().unwrap()])
        .ok();
    let (status, ctype, body) = page(&link, reqwest::Method::GET, html).await;
    assert_eq!((status, ctype.starts_with("text/html")), (410, true));
    assert!(
        body.contains("no longer works") && body.contains(&format!("href=\"{}\"", c.group)),
        "{body}"
    );
    let (status, _, _) = page(
        &c.s.url("/groups/nobody/invite/x"),
        reqwest::Method::GET,
        html,
    )
    .await;
    assert_eq!(status, 404);

    // HEAD wherever GET works, with no body.
    for (url, accept, want) in [
        (copy.as_str(), html, 404),
        (c.group.as_str(), html, 200),
        (c.group.as_str(), "application/activity+json", 200),
        (link.as_str(), html, 410),
    ] {
        let (status, _, body) = page(url, reqwest::Method::HEAD, accept).await;
        assert_eq!((status, body.as_str()), (want, ""), "HEAD {url} ({accept})");
    }
    for path in ["/", "/healthz", "/.well-known/nodeinfo"] {
        let (status, _, _) = page(&c.s.url(path), reqwest::Method::HEAD, "*/*").await;
        assert_eq!(status, 200, "HEAD {path}");
    }
}

const HOURS_6: i64 = 6 * 3600 * 1000;

async fn late_posts_are_redated_and_listed_once(backend: Backend) {
    let c = club(backend).await;
    let (bob, b_host) = (c.b.actor_id("bob"), c.b.domain());
    // bob's server is down for alice's two posts.
    c.b.answer("/inbox", &[503, 503]);
    c.b.answer(&format!("/users/bob/inbox"), &[503, 503]);
    let (_, first) = alice_posts(&c, "1").await;
    let (_, second) = alice_posts(&c, "2").await;
    eventually("both deliveries to bob's server to fail", || async {
        let n = count_where(
            &c.s.db_url,
            "deliveries",
            &format!("host = '{b_host}' AND state = 'pending' AND attempts >= 1"),
        );
        (n == 2).then_some(())
    })
    .await;
    // Six hours pass (the members joined before).
    exec_sql(
        &c.s.db_url,
        &format!("UPDATE memberships SET created_at = created_at - 2 * {HOURS_6}"),
    );
    exec_sql(
        &c.s.db_url,
        &format!("UPDATE outgoing_activities SET created_at = created_at - {HOURS_6}"),
    );
    exec_sql(
        &c.s.db_url,
        &format!("UPDATE posts SET published_at = published_at - {HOURS_6}"),
    );
    exec_sql(
        &c.s.db_url,
        "UPDATE deliveries SET next_attempt_at = 0 WHERE state = 'pending'",
    );

    // Both arrive dated now, inside Mastodon's 6-hour window.
    for copy in [&first, &second] {
        let got = arrived(&c.b, "Create", copy).await;
        for published in [
            &got.activity["published"],
            &got.activity["object"]["published"],
        ] {
            let at = chrono::DateTime::parse_from_rfc3339(published.as_str().unwrap()).unwrap();
            let age = chrono::Utc::now().signed_duration_since(at);
            assert!(age.num_minutes() < 5, "{published} for {copy}");
        }
    }
    // bob gets one message listing both.
    let notice = common::dm::dm_containing(&c.b, &bob, "reached you late").await;
    let said = text(&notice);
    assert!(
        said.contains("2 posts") && said.contains(&first) && said.contains(&second),
        "{said}"
    );
    settled(&c.s).await;
    let late_notices = |server: &common::fake_remote::FakeRemote, actor: &str| {
        dms_to(server, actor)
            .into_iter()
            .filter(|n| text(n).contains("reached you late"))
            .count()
    };
    assert_eq!(late_notices(&c.b, &bob), 1);
    assert_eq!(
        late_notices(&c.a, &c.a.actor_id("alice")),
        0,
        "alice's server was up"
    );
    // A post in time afterwards is dated as it was written, and not listed.
    let (_, third) = alice_posts(&c, "3").await;
    arrived(&c.b, "Create", &third).await;
    settled(&c.s).await;
    assert_eq!(late_notices(&c.b, &bob), 1);
}

backend_tests!(
    replies_are_told_by_direct_message_not_mention,
    answers_reply_to_the_message_they_answer,
    feature_request_without_actor_is_rejected,
    browsers_get_pages_and_head_works,
    late_posts_are_redated_and_listed_once
);
