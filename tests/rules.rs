//! Issue #13: joining rules. The welcome, the join question and its
//! answer, invite codes (by direct message and as FEP-bebd instrument).
#![allow(clippy::unwrap_used)]

mod common;

use common::club::{club, Club};
use common::dm::{dm_containing, dms_to, send};
use common::wait::{count_where, processed};
use common::Backend;
use serde_json::json;

/// `name` on alice's server asks to join; returns their handle.
async fn asks(c: &Club, name: &str, follow: serde_json::Value) -> String {
    c.a.account(name);
    assert_eq!(c.a.post(name, &c.s.url("/inbox"), &follow).await, 202);
    processed(&c.s, follow["id"].as_str().unwrap()).await;
    format!("@{name}@{}", c.a.domain())
}

fn pending(c: &Club) -> Vec<serde_json::Value> {
    c.s.cli(&["request", "list", "--group", "club", "--json"])
        .json()
        .as_array()
        .unwrap()
        .clone()
}

async fn accepted(c: &Club, actor: &str) {
    common::wait::eventually("the Accept", || async {
        c.a.of_kind("Accept")
            .into_iter()
            .find(|r| r.activity["to"][0] == actor)
    })
    .await;
}

async fn welcome_rules_and_page(backend: Backend) {
    let c = club(backend).await;
    let rules = "Be kind.\n\nNo spoilers & no <script>.";
    c.s.cli(&["group", "set", "club", "rules", rules]).ok();
    let show = c.s.cli(&["group", "show", "club", "--json"]).json();
    assert_eq!(show["rules"], rules);
    // The club turns the welcome off for other tests; on is the default.
    assert_eq!(show["welcome"], false);
    c.s.cli(&["group", "set", "club", "welcome", "on"]).ok();
    let err =
        c.s.cli(&["group", "set", "club", "welcome", "maybe"])
            .failed()
            .to_string();
    assert!(err.contains("on or off"), "{err}");

    let page = common::http()
        .get(&c.group)
        .header("Accept", "text/html")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("<h2>Rules</h2><p>Be kind.</p>"), "{page}");
    assert!(
        page.contains("No spoilers &amp; no &lt;script&gt;."),
        "{page}"
    );

    let dave = asks(&c, "dave", c.a.follow("dave", &c.group, 1)).await;
    let dave_id = c.a.actor_id("dave");
    assert!(
        dms_to(&c.a, &dave_id).is_empty(),
        "no welcome before approval"
    );
    c.s.cli(&["member", "approve", "club", &dave]).ok();
    let welcome = dm_containing(&c.a, &dave_id, "Welcome to club").await;
    let text = common::dm::text(&welcome);
    assert!(text.contains("Be kind."), "{text}");
    assert!(text.contains("Mentioned people only"), "{text}");
    assert!(text.contains(&format!("@club@{}", c.s.domain())), "{text}");
    assert_eq!(welcome["to"], json!([dave_id]));
    // Approving a member again sends no second welcome.
    c.s.cli(&["member", "approve", "club", &dave]).ok();
    common::wait::settled(&c.s).await;
    assert_eq!(dms_to(&c.a, &dave_id).len(), 1);

    // Welcome off: erin is approved without one.
    c.s.cli(&["group", "set", "club", "welcome", "off"]).ok();
    let erin = asks(&c, "erin", c.a.follow("erin", &c.group, 1)).await;
    c.s.cli(&["member", "approve", "club", &erin]).ok();
    accepted(&c, &c.a.actor_id("erin")).await;
    common::wait::settled(&c.s).await;
    assert!(dms_to(&c.a, &c.a.actor_id("erin")).is_empty());
}

async fn join_question_and_answer(backend: Backend) {
    let c = club(backend).await;
    c.promote(&c.b, "bob");
    c.s.cli(&[
        "group",
        "set",
        "club",
        "question",
        "Which book did you read last?",
    ])
    .ok();
    asks(&c, "dave", c.a.follow("dave", &c.group, 1)).await;
    let dave_id = c.a.actor_id("dave");
    dm_containing(&c.a, &dave_id, "Which book did you read last?").await;
    assert_eq!(pending(&c)[0]["answer"], serde_json::Value::Null);

    let id = send(&c, &c.a, "dave", "1", "Dune, twice", &[]).await;
    let outcome = processed(&c.s, &id).await;
    assert!(outcome.contains("join answer stored"), "{outcome}");
    assert_eq!(pending(&c)[0]["answer"], "Dune, twice");
    let text = c.s.cli(&["request", "list"]).ok().to_string();
    assert!(text.contains("answer: Dune, twice"), "{text}");
    // The moderator is told; nothing is republished.
    let notice = dm_containing(&c.b, &c.b.actor_id("bob"), "answered the join question").await;
    assert!(common::dm::text(&notice).contains("Dune, twice"));
    assert_eq!(count_where(&c.s.db_url, "posts", "1=1"), 0);
    // Members have no "answer" field.
    let members = c.s.cli(&["member", "list", "club", "--json"]).json();
    assert!(members[0].get("answer").is_none(), "{members}");

    // No question: no message to the requester.
    c.s.cli(&["group", "set", "club", "question", ""]).ok();
    asks(&c, "erin", c.a.follow("erin", &c.group, 1)).await;
    common::wait::settled(&c.s).await;
    assert!(dms_to(&c.a, &c.a.actor_id("erin")).is_empty());
}

fn invite(c: &Club, args: &[&str]) -> serde_json::Value {
    let mut all = vec!["invite", "create", "club", "--json"];
    all.extend_from_slice(args);
    c.s.cli(&all).json()
}

async fn invite_codes_by_direct_message(backend: Backend) {
    let c = club(backend).await;
    let once = invite(&c, &["--uses", "1"]);
    let code = once["code"].as_str().unwrap().to_string();
    assert!(code.len() >= 22, "at least 128 bits: {code}");
    assert_eq!(once["link"], format!("{}/invite/{code}", c.group));
    assert_eq!(once["uses_left"], 1);

    // The invite page explains; a wrong code is a 404.
    let res = common::http()
        .get(once["link"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let page = res.text().await.unwrap();
    assert!(
        page.contains(&code) && page.contains("Mentioned people only"),
        "{page}"
    );
    let wrong = format!("{}/invite/AAAAAAAAAAAAAAAAAAAAAA", c.group);
    assert_eq!(
        common::http()
            .get(&wrong)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        404
    );

    asks(&c, "dave", c.a.follow("dave", &c.group, 1)).await;
    let id = send(&c, &c.a, "dave", "1", &code, &[]).await;
    assert!(processed(&c.s, &id)
        .await
        .contains("joined with an invite code"));
    accepted(&c, &c.a.actor_id("dave")).await;
    assert_eq!(
        c.s.cli(&["invite", "list", "club", "--json"]).json()[0]["uses_left"],
        0
    );
    assert_eq!(
        count_where(&c.s.db_url, "posts", "1=1"),
        0,
        "never republished"
    );

    // Used up: its page says so (410), and erin is told and stays pending.
    let used_up = common::http()
        .get(once["link"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(used_up.status().as_u16(), 410);
    asks(&c, "erin", c.a.follow("erin", &c.group, 1)).await;
    let id = send(&c, &c.a, "erin", "1", &code, &[]).await;
    assert!(processed(&c.s, &id).await.contains("not accepted"));
    dm_containing(&c.a, &c.a.actor_id("erin"), "used as many times").await;
    assert_eq!(pending(&c).len(), 1);
    // Expired and revoked codes are refused too.
    let later = invite(&c, &["--expires", "1h"]);
    let later_code = later["code"].as_str().unwrap();
    common::exec_sql(
        &c.s.db_url,
        &format!("UPDATE invites SET expires_at = 1 WHERE code = '{later_code}'"),
    );
    let id = send(&c, &c.a, "erin", "2", later_code, &[]).await;
    processed(&c.s, &id).await;
    dm_containing(&c.a, &c.a.actor_id("erin"), "expired").await;
    let open = invite(&c, &[]);
    let open_code = open["code"].as_str().unwrap();
    c.s.cli(&["invite", "revoke", "club", open_code]).ok();
    let id = send(&c, &c.a, "erin", "3", open_code, &[]).await;
    processed(&c.s, &id).await;
    dm_containing(&c.a, &c.a.actor_id("erin"), "withdrawn").await;
    assert_eq!(pending(&c).len(), 1);
    let err =
        c.s.cli(&["invite", "revoke", "club", open_code])
            .failed()
            .to_string();
    assert!(err.contains("no invite code"), "{err}");
    let err =
        c.s.cli(&["invite", "create", "club", "--expires", "7y"])
            .failed()
            .to_string();
    assert!(err.contains("unit"), "{err}");
}

async fn invite_code_as_follow_instrument(backend: Backend) {
    let c = club(backend).await;
    let inv = invite(&c, &["--uses", "2"]);
    let mut follow = c.a.follow("dave", &c.group, 1);
    follow["instrument"] = json!({"type": "InviteCode", "id": inv["link"]});
    let outcome = {
        c.a.account("dave");
        assert_eq!(c.a.post("dave", &c.s.url("/inbox"), &follow).await, 202);
        processed(&c.s, follow["id"].as_str().unwrap()).await
    };
    assert_eq!(outcome, "accepted: invite code");
    accepted(&c, &c.a.actor_id("dave")).await;
    // A wrong code in the instrument leaves a pending request.
    let mut follow = c.a.follow("erin", &c.group, 1);
    follow["instrument"] = json!([{"type": "InviteCode", "name": "BBBBBBBBBBBBBBBBBBBBBB"}]);
    asks(&c, "erin", follow).await;
    assert_eq!(pending(&c).len(), 1);
    dm_containing(&c.a, &c.a.actor_id("erin"), "not one of this group's codes").await;
    assert_eq!(
        c.s.cli(&["invite", "list", "club", "--json"]).json()[0]["uses_left"],
        1
    );
}

backend_tests!(
    welcome_rules_and_page,
    join_question_and_answer,
    invite_codes_by_direct_message,
    invite_code_as_follow_instrument
);
