//! The inbox worker: claims stored activities and processes them in order.

use crate::server::AppState;
use std::time::Duration;

/// How long a claimed activity stays ours before another worker may retry it.
const LEASE_MS: i64 = 60_000;
/// Idle poll interval; the inbox route also wakes the worker directly.
const IDLE: Duration = Duration::from_millis(500);

pub async fn run(state: AppState) {
    loop {
        let batch = state.db.call(|db| db.claim_incoming(50, LEASE_MS)).await;
        let rows = match batch {
            Ok(rows) => rows,
            Err(e) => {
                tracing::error!(error = %e, "inbox worker cannot read the queue");
                tokio::time::sleep(Duration::from_secs(5)).await;
                continue;
            }
        };
        if rows.is_empty() {
            let _ = tokio::time::timeout(IDLE, state.wake_inbox.notified()).await;
            continue;
        }
        for row in rows {
            let st = state.clone();
            let activity_id = row.activity_id.clone();
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
            match result {
                Ok(Ok(())) => {}
                Ok(Err(e)) => {
                    tracing::error!(%activity_id, error = %e, "processing failed; will retry")
                }
                Err(e) => {
                    tracing::error!(%activity_id, error = %e, "inbox task failed; will retry")
                }
            }
        }
        state.wake_delivery.notify_one();
    }
}
