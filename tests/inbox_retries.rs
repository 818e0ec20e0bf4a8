//! Stored activities whose processing fails are retried with backoff, a
//! bounded number of times, then marked failed with their error: listed
//! by `demesh inbox --failed`, counted in `/metrics`, never retried again.
#![allow(clippy::unwrap_used)]

mod common;

use common::club::{arrived, club, club_configured, copy_of, Club};
use common::wait::{count_where, eventually};
use common::{exec_sql, Backend};
use serde_json::{json, Value};

/// Makes the database refuse every new group copy of a post, as a full
/// disk or a broken constraint would.
fn refuse_posts(c: &Club) {
    if c.s.db_url.starts_with("sqlite://") {
        exec_sql(
            &c.s.db_url,
            "CREATE TRIGGER refuse_posts BEFORE INSERT ON posts \
             BEGIN SELECT RAISE(ABORT, 'refused by the test'); END",
        );
    } else {
        exec_sql(
            &c.s.db_url,
            "CREATE FUNCTION refuse_posts() RETURNS trigger AS $$ \
             BEGIN RAISE EXCEPTION 'refused by the test'; END $$ LANGUAGE plpgsql",
        );
        exec_sql(
            &c.s.db_url,
            "CREATE TRIGGER refuse_posts BEFORE INSERT ON posts \
             FOR EACH ROW EXECUTE FUNCTION refuse_posts()",
        );
    }
}

fn accept_posts(c: &Club) {
    let on = if c.s.db_url.starts_with("sqlite://") {
        ""
    } else {
        " ON posts"
    };
    exec_sql(&c.s.db_url, &format!("DROP TRIGGER refuse_posts{on}"));
}

/// The stored activity `id` once it has failed `attempts` times.
async fn failed_times(c: &Club, failed: bool, id: &str, attempts: i64) -> Value {
    eventually(&format!("{id} to fail {attempts} time(s)"), || async {
        let args = if failed {
            vec!["inbox", "--failed", "--json"]
        } else {
            vec!["inbox", "--json"]
        };
        let rows = c.s.cli(&args).json();
        rows.as_array()
            .unwrap()
            .iter()
            .find(|r| r["activity_id"] == id && r["attempts"] == attempts)
            .cloned()
    })
    .await
}

async fn alice_sends(c: &Club, n: &str) -> (String, String) {
    let post =
        c.a.fixture("mastodon_direct.json", "alice", &c.group, n, "");
    assert_eq!(c.a.post("alice", &c.s.url("/inbox"), &post).await, 202);
    (
        post["id"].as_str().unwrap().to_string(),
        post["object"]["id"].as_str().unwrap().to_string(),
    )
}

async fn a_failure_is_retried_later_and_then_succeeds(backend: Backend) {
    let c = club(backend).await;
    refuse_posts(&c);
    let (id, original) = alice_sends(&c, "1").await;
    let row = failed_times(&c, false, &id, 1).await;
    assert!(
        row["last_error"]
            .as_str()
            .unwrap()
            .contains("refused by the test"),
        "{row}"
    );
    // Not retried at once: the next attempt waits out the backoff.
    let wait = row["next_attempt_at"].as_i64().unwrap() - demesh::db::now_ms();
    assert!(
        (1_000..=10_000).contains(&wait),
        "next attempt in {wait} ms"
    );
    assert!(row["failed_at"].is_null());
    assert!(c.s.cli(&["inbox", "--failed", "--json"]).json() == json!([]));

    // The database heals; the retry falls due (as if 10 s had passed).
    accept_posts(&c);
    exec_sql(
        &c.s.db_url,
        "UPDATE inbox_activities SET locked_until = 0 WHERE attempts > 0",
    );
    let note = copy_of(&c, &original).await;
    arrived(&c.b, "Create", &note).await;
    assert_eq!(c.s.cli(&["inbox", "--json"]).json(), json!([]), "processed");
    common::wait::settled(&c.s).await;
    let creates = c.b.of_kind("Create");
    assert_eq!(
        creates
            .iter()
            .filter(|r| r.activity["object"]["id"] == note)
            .count(),
        1
    );
}

async fn retries_run_out_and_the_activity_is_marked_failed(backend: Backend) {
    let c = club_configured(backend, |cfg| cfg.metrics_token = Some("m".into())).await;
    refuse_posts(&c);
    let (id, _) = alice_sends(&c, "2").await;
    failed_times(&c, false, &id, 1).await;
    // The last attempt falls due.
    exec_sql(
        &c.s.db_url,
        "UPDATE inbox_activities SET attempts = 14, locked_until = 0 WHERE attempts > 0",
    );
    let row = failed_times(&c, true, &id, 15).await;
    assert!(row["failed_at"].is_i64(), "{row}");
    assert!(row["last_error"]
        .as_str()
        .unwrap()
        .contains("refused by the test"));
    assert_eq!(c.s.cli(&["inbox", "--json"]).json(), json!([]));
    let text = c.s.cli(&["inbox", "--failed"]).ok().to_string();
    assert!(
        text.contains(&id) && text.contains("refused by the test"),
        "{text}"
    );

    let metrics = common::http()
        .get(c.s.url("/metrics"))
        .bearer_auth("m")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(metrics.contains("demesh_inbox_failed 1\n"), "{metrics}");
    assert!(metrics.contains("demesh_inbox_backlog 0\n"), "{metrics}");

    // Failed for good: even with the database healed and time passing,
    // it is never claimed again.
    accept_posts(&c);
    exec_sql(&c.s.db_url, "UPDATE inbox_activities SET locked_until = 0");
    let (later, original) = alice_sends(&c, "3").await;
    common::wait::processed(&c.s, &later).await;
    copy_of(&c, &original).await;
    assert_eq!(
        count_where(
            &c.s.db_url,
            "inbox_activities",
            "failed_at IS NOT NULL AND attempts = 15"
        ),
        1
    );
}

/// An object id holding a NUL: PostgreSQL refuses the text, so processing
/// fails; it must wait out its backoff, not loop. (SQLite stores it.)
async fn an_activity_the_database_refuses_does_not_loop(backend: Backend) {
    let c = club(backend).await;
    let mut post =
        c.a.fixture("mastodon_direct.json", "alice", &c.group, "4", "");
    let nul_id = format!("{}/statuses/4\u{0}x", c.a.actor_id("alice"));
    post["object"]["id"] = json!(nul_id);
    assert_eq!(c.a.post("alice", &c.s.url("/inbox"), &post).await, 202);
    let id = post["id"].as_str().unwrap().to_string();
    let db = c.s.db.clone();
    let row = eventually("the activity to be tried", || {
        let (db, id) = (db.clone(), id.clone());
        async move {
            let row = db
                .call(move |db| db.incoming_by_activity_id(&id))
                .await
                .unwrap()?;
            (row.processed_at.is_some() || row.attempts > 0).then_some(row)
        }
    })
    .await;
    if backend == Backend::Postgres {
        assert_eq!(row.processed_at, None);
        assert_eq!(row.attempts, 1);
        assert!(row.locked_until > demesh::db::now_ms() + 5_000, "backoff");
        let error = row.last_error.unwrap();
        assert!(!error.contains('\0'), "{error}");
    }
    // Other activities still go through meanwhile.
    let (later, original) = alice_sends(&c, "5").await;
    common::wait::processed(&c.s, &later).await;
    copy_of(&c, &original).await;
    let id2 = id.clone();
    let again =
        c.s.db
            .call(move |db| db.incoming_by_activity_id(&id2))
            .await
            .unwrap()
            .unwrap();
    assert!(again.attempts <= 1, "tried {} times", again.attempts);
}

backend_tests!(
    a_failure_is_retried_later_and_then_succeeds,
    retries_run_out_and_the_activity_is_marked_failed,
    an_activity_the_database_refuses_does_not_loop,
);
