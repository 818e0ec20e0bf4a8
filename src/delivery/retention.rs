//! Deletes delivered rows once they are a month old (see
//! `Db::prune_delivered`): a row is worth keeping while an operator may
//! ask `demesh queue` about a recent delivery, not for ever.

use crate::context::Context;
use crate::db::now_ms;
use std::time::Duration;

/// How long a delivered row is kept.
pub const KEEP_DELIVERED: Duration = Duration::from_secs(30 * 24 * 3600);
/// How often old rows are looked for.
const EVERY: Duration = Duration::from_secs(3600);
/// Rows deleted per statement: short transactions, so that deliveries
/// and the inbox (on SQLite, one writer at a time) wait for none of them
/// long.
const CHUNK: i64 = 5_000;

/// Runs until `stop` is cancelled: a pass a minute after start (a server
/// restarted after a long time catches up at once), then every hour.
pub async fn run(state: Context, stop: tokio_util::sync::CancellationToken) {
    let mut wait = Duration::from_secs(60);
    while stop
        .run_until_cancelled(tokio::time::sleep(wait))
        .await
        .is_some()
    {
        wait = EVERY;
        let before = now_ms() - i64::try_from(KEEP_DELIVERED.as_millis()).unwrap_or(i64::MAX);
        let mut total = 0;
        loop {
            match state
                .db
                .call(move |db| db.prune_delivered(before, CHUNK))
                .await
            {
                Ok(n) => {
                    total += n;
                    if n < CHUNK as usize || stop.is_cancelled() {
                        break;
                    }
                }
                Err(e) => {
                    tracing::error!(error = %e, "cannot delete old delivered rows");
                    break;
                }
            }
        }
        if total > 0 {
            tracing::info!(rows = total, "deleted delivered rows older than 30 days");
        }
    }
}
