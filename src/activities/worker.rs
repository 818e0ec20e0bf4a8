//! The inbox worker: claims stored activities and processes them in order.

use crate::context::Context;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// How long a claimed activity stays ours before another worker may retry it.
const LEASE_MS: i64 = 60_000;
/// Idle poll interval; the inbox route also wakes the worker directly.
const IDLE: Duration = Duration::from_millis(500);

/// Runs until `stop` is cancelled; a batch in hand is finished first.
pub async fn run(state: Context, stop: CancellationToken) {
    while !stop.is_cancelled() {
        let batch = state.db.call(|db| db.claim_incoming(50, LEASE_MS)).await;
        let rows = match batch {
            Ok(rows) => rows,
            Err(e) => {
                tracing::error!(error = %e, "inbox worker cannot read the queue");
                let _ = stop
                    .run_until_cancelled(tokio::time::sleep(Duration::from_secs(5)))
                    .await;
                continue;
            }
        };
        if rows.is_empty() {
            let idle = tokio::time::timeout(IDLE, state.wake_inbox.notified());
            let _ = stop.run_until_cancelled(idle).await;
            continue;
        }
        for row in rows {
            let st = state.clone();
            let (id, activity_id, attempts) = (row.id, row.activity_id.clone(), row.attempts);
            let result = tokio::task::spawn_blocking(move || {
                // A server that talks to us is up: deliver to it again.
                let host = crate::federation::actor::authority(&row.actor_uri).unwrap_or_default();
                if st.db.unpark_host(&host)? {
                    tracing::info!(%host, "server is back; delivering to it again");
                }
                let outcome = super::process(&st, &row)?;
                tracing::info!(activity_id = %row.activity_id, kind = %row.kind, actor = %row.actor_uri, %outcome, "processed");
                st.db.finish_incoming(row.id, &outcome)?;
                Ok::<(), anyhow::Error>(())
            })
            .await;
            let error = match result {
                Ok(Ok(())) => continue,
                Ok(Err(e)) => {
                    // Processing runs on the blocking thread, outside
                    // `Db::call`: count a storage failure here.
                    if let Some(db_error) = e.downcast_ref::<crate::db::DbError>() {
                        state.db.note_failure(db_error);
                    }
                    format!("{e:#}")
                }
                Err(e) => format!("inbox task failed: {e}"),
            };
            failed(&state, id, &activity_id, attempts, error).await;
        }
        state.wake_delivery.notify_one();
    }
}

/// Schedules the next attempt of an activity whose processing failed, or
/// marks it failed once its retries ran out (see `super::retry`).
async fn failed(state: &Context, id: i64, activity_id: &str, attempts: i32, error: String) {
    let failures = u32::try_from(attempts).unwrap_or(0).saturating_add(1);
    let wait = super::retry::retry_delay(failures);
    match wait {
        Some(wait) => {
            tracing::warn!(%activity_id, %error, failures, retry_in = ?wait, "processing failed; will retry")
        }
        None => tracing::error!(%activity_id, %error, failures, "processing failed; giving up"),
    }
    let retry_at =
        wait.map(|w| crate::db::now_ms() + i64::try_from(w.as_millis()).unwrap_or(i64::MAX / 2));
    if let Err(e) = state
        .db
        .call(move |db| db.retry_incoming(id, &error, retry_at))
        .await
    {
        // The claim's lease brings the row back; the attempt is not counted.
        tracing::error!(%activity_id, error = %e, "cannot record the failed attempt");
    }
}
