//! Issue #23: a delivery more than 5 hours late (a server that was down)
//! goes out re-dated as now, inside Mastodon's 6-hour window, and each
//! member on that server gets one message listing what they missed.
//! Tested by back-dating rows.
#![allow(clippy::unwrap_used)]

mod common;

use common::club::{alice_posts, arrived, club};
use common::dm::{dms_to, text};
use common::wait::{count_where, eventually, settled};
use common::{exec_sql, Backend};

const HOURS_6: i64 = 6 * 3600 * 1000;

async fn late_posts_are_redated_and_listed_once(backend: Backend) {
    let c = club(backend).await;
    let (bob, b_host) = (c.b.actor_id("bob"), c.b.domain());
    // bob's server is down for alice's two posts.
    c.b.answer("/inbox", &[503, 503]);
    c.b.answer("/users/bob/inbox", &[503, 503]);
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

backend_tests!(late_posts_are_redated_and_listed_once);
