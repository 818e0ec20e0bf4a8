//! Keeps the members' cached actors fresh: an actor document fetched more
//! than a day ago (`federation::profile::STALE_MS`) is fetched again, so
//! deliveries go to the inbox the member's server names today, and the
//! keys and aliases (move checks) are current, even if the actor never
//! sent an `Update`.

use crate::context::Context;
use crate::db::now_ms;
use crate::federation::actor::actor_for_key;
use crate::federation::profile::STALE_MS;
use std::time::Duration;

/// How often stale actors are looked for.
const TICK: Duration = Duration::from_secs(5);
/// Refetches per pass: a few at a time, never a burst at a server.
const BATCH: i64 = 20;
/// After a failed refetch, the next try comes this much later.
const RETRY_MS: i64 = 3600 * 1000;

/// Runs until `stop` is cancelled (a pass under way is finished).
pub async fn run(state: Context, stop: tokio_util::sync::CancellationToken) {
    loop {
        if stop
            .run_until_cancelled(tokio::time::sleep(TICK))
            .await
            .is_none()
        {
            return;
        }
        let before = now_ms() - STALE_MS;
        let stale = match state
            .db
            .call(move |db| db.stale_member_actors(before, BATCH))
            .await
        {
            Ok(stale) => stale,
            Err(e) => {
                tracing::error!(error = %e, "cannot read the actor cache");
                continue;
            }
        };
        for actor in stale {
            let fresh = actor_for_key(
                &state.db,
                &state.client,
                &state.instance_signer,
                &actor.key_id,
                true,
            )
            .await;
            match fresh {
                Ok(_) => tracing::debug!(actor = %actor.uri, "cached actor refreshed"),
                Err(e) => {
                    tracing::info!(actor = %actor.uri, error = %e, "cannot refresh a cached actor; trying again later");
                    let (uri, at) = (actor.uri.clone(), now_ms() - STALE_MS + RETRY_MS);
                    if let Err(e) = state
                        .db
                        .call(move |db| db.set_actor_fetched_at(&uri, at))
                        .await
                    {
                        tracing::error!(error = %e, "cannot postpone a refetch");
                    }
                }
            }
        }
    }
}
