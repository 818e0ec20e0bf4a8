//! Probes parked servers (see `db::hosts`): now and then, with backoff
//! (`backoff::probe_delay`), their NodeInfo is fetched; a server that
//! answers is unparked and its held deliveries go out. Without this, a
//! server whose users only read would stay parked for good, since only
//! activities from it or deliveries to it would show it is back.

use super::backoff::probe_delay;
use crate::context::Context;
use crate::db::{now_ms, ProbeDue};
use std::time::Duration;

/// How often the (small) table of parked servers is looked at.
const TICK: Duration = Duration::from_secs(2);
/// A probe claimed by this process is retried by another after this.
const CLAIM_MS: i64 = 5 * 60 * 1000;

fn ms(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX / 2)
}

/// Runs until `stop` is cancelled (a probe under way is finished).
pub async fn run(state: Context, stop: tokio_util::sync::CancellationToken) {
    loop {
        if stop
            .run_until_cancelled(tokio::time::sleep(TICK))
            .await
            .is_none()
        {
            return;
        }
        let due = match state.db.call(|db| db.probes_due()).await {
            Ok(due) => due,
            Err(e) => {
                tracing::error!(error = %e, "cannot read the parked servers");
                continue;
            }
        };
        for parked in due {
            probe(&state, parked).await;
        }
    }
}

async fn probe(state: &Context, parked: ProbeDue) {
    let host = parked.host.clone();
    let due = parked.next_probe_at;
    if due == 0 {
        // Just parked: the first probe comes after the first delay.
        let at = parked.since + ms(probe_delay(0));
        let _ = state
            .db
            .call(move |db| db.schedule_probe(&host, due, at, false))
            .await;
        return;
    }
    // Claimed by moving the due time: one process probes, not each.
    let (h, claim) = (host.clone(), now_ms() + CLAIM_MS);
    match state
        .db
        .call(move |db| db.schedule_probe(&h, due, claim, false))
        .await
    {
        Ok(true) => {}
        Ok(false) => return,
        Err(e) => {
            tracing::error!(%host, error = %e, "cannot claim a probe");
            return;
        }
    }
    let origin = parked
        .inbox
        .as_deref()
        .and_then(|i| url::Url::parse(i).ok())
        .map_or_else(
            || format!("https://{host}"),
            |u| u.origin().ascii_serialization(),
        );
    let answer = crate::federation::actor::server_software(
        &state.client,
        &state.instance_signer,
        &format!("{origin}/"),
    )
    .await;
    match answer {
        Ok(software) => {
            tracing::info!(%host, %software, "parked server answers; delivering to it again");
            let h = host.clone();
            if let Err(e) = state.db.call(move |db| db.unpark_host(&h)).await {
                tracing::error!(%host, error = %e, "cannot unpark");
            }
            state.wake_delivery.notify_one();
        }
        Err(e) => {
            let failed = u32::try_from(parked.probes).unwrap_or(0).saturating_add(1);
            let at = now_ms() + ms(probe_delay(failed));
            tracing::info!(%host, error = %e, next_in = ?probe_delay(failed), "parked server still unavailable");
            let h = host.clone();
            if let Err(e) = state
                .db
                .call(move |db| db.schedule_probe(&h, claim, at, true))
                .await
            {
                tracing::error!(%host, error = %e, "cannot schedule the next probe");
            }
        }
    }
}
