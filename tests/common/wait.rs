//! Waiting for things to happen instead of sleeping a fixed time: a test
//! that asserts "nothing happened" first waits until the server has
//! finished with what it was given (stored activities processed, due
//! deliveries recorded), so it fails when something does happen, and
//! does not pass merely because the machine was slow.
#![allow(dead_code, clippy::unwrap_used)]

use super::TestServer;
use diesel::{Connection, RunQueryDsl};
use std::future::Future;
use std::time::{Duration, Instant};

/// Longest wait for anything; far above what a loaded machine needs.
const PATIENCE: Duration = Duration::from_secs(20);

/// Polls `check` until it gives `Some`, and returns that; panics naming
/// `what` if it never does.
pub async fn eventually<T, F, Fut>(what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let start = Instant::now();
    loop {
        if let Some(v) = check().await {
            return v;
        }
        assert!(start.elapsed() < PATIENCE, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

/// Rows of `table` matching the SQL condition `condition`.
pub fn count_where(database_url: &str, table: &str, condition: &str) -> i64 {
    let query = format!("SELECT COUNT(*) AS n FROM \"{table}\" WHERE {condition}");
    if let Some(path) = database_url.strip_prefix("sqlite://") {
        let mut c = super::sqlite(path);
        diesel::sql_query(query)
            .get_result::<Count>(&mut c)
            .unwrap()
            .n
    } else {
        let mut c = diesel::PgConnection::establish(database_url).unwrap();
        diesel::sql_query(query)
            .get_result::<Count>(&mut c)
            .unwrap()
            .n
    }
}

/// Waits until the server is idle: every stored activity processed (or
/// given up on), and every delivery that was due sent and its result
/// recorded. Deliveries waiting for a later retry, or for an earlier
/// answer to the same account (`after_delivery`), do not count.
pub async fn settled(s: &TestServer) {
    let url = s.db_url.clone();
    eventually("the inbox and the delivery queue to settle", || {
        let url = url.clone();
        async move {
            let now = demesh::db::now_ms();
            let busy = count_where(
                &url,
                "inbox_activities",
                "processed_at IS NULL AND failed_at IS NULL AND attempts = 0",
            ) + count_where(
                &url,
                "deliveries",
                &format!(
                    "state = 'pending' AND next_attempt_at <= {now} AND after_delivery IS NULL"
                ),
            );
            (busy == 0).then_some(())
        }
    })
    .await;
}

/// Waits until the stored activity `activity_id` has been processed, and
/// returns its outcome.
pub async fn processed(s: &TestServer, activity_id: &str) -> String {
    let db = s.db.clone();
    let id = activity_id.to_string();
    eventually(&format!("{activity_id} to be processed"), || {
        let (db, id) = (db.clone(), id.clone());
        async move {
            let row = db
                .call(move |db| db.incoming_by_activity_id(&id))
                .await
                .unwrap()?;
            row.processed_at.and(row.outcome)
        }
    })
    .await
}
