//! The delivery worker: claims due deliveries, sends each as a POST signed
//! by its group, and records the result.

use super::backoff::{is_retryable, retry_delay};
use super::recorder::Recorder;
use crate::context::Context;
use crate::db::queue::{self, Attempt};
use crate::db::DueDelivery;
use crate::federation::client::SigningKey;
use crate::federation::FetchError;
use crate::keys::private_key;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;

const IDLE: Duration = Duration::from_millis(500);
/// Requests in flight, in all, and to one server.
const MAX_IN_FLIGHT: usize = 128;
const MAX_PER_HOST: usize = 8;
/// Servers whose turn-keeping is remembered; past this, idle ones are
/// forgotten (at most MAX_IN_FLIGHT are busy at a time).
const MAX_HOSTS: usize = 2_048;
/// Free slots needed before claiming more.
const CLAIM_AT_LEAST: usize = MAX_IN_FLIGHT / 4;
/// How the last error of a delivery whose retries ran out begins (for
/// the operator: parking is decided by `Outcome::Parked`, not this text).
const GAVE_UP: &str = "gave up: ";
/// A claim with at least this much lease left is sent without renewing
/// it: the request times out (30 s) well before the lease ends.
const SEND_WITHOUT_RENEWAL_MS: i64 = 45_000;

#[derive(Clone)]
struct Limits {
    per_host: Arc<Mutex<HashMap<String, Arc<Semaphore>>>>,
    keys: Arc<Mutex<HashMap<String, SigningKey>>>,
    recorder: Recorder,
    /// One late-posts check at a time: the deliveries that bring a
    /// server back arrive together, and its members get one notice.
    late: Arc<tokio::sync::Mutex<()>>,
}

impl Limits {
    fn host(&self, inbox: &str) -> Arc<Semaphore> {
        let host = crate::federation::actor::authority(inbox).unwrap_or_default();
        let mut map = self.per_host.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() >= MAX_HOSTS {
            // Forget the servers nobody is sending to right now.
            map.retain(|_, s| Arc::strong_count(s) > 1);
        }
        map.entry(host)
            .or_insert_with(|| Arc::new(Semaphore::new(MAX_PER_HOST)))
            .clone()
    }
}

/// Runs the delivery worker; `on_gone` ends the memberships of accounts
/// whose inbox answers 410 (see `Recorder`). Once `stop` is cancelled it
/// claims nothing more, and returns when every delivery it sent is
/// recorded: none is left claimed for its lease to run out.
pub async fn run(state: Context, on_gone: super::recorder::OnGone, stop: CancellationToken) {
    // A claimed delivery stays ours this long; a crashed worker's claims
    // are taken over after it (Config::delivery_lease_secs).
    let lease_ms =
        i64::try_from(state.config.delivery_lease_secs.saturating_mul(1000)).unwrap_or(i64::MAX);
    let limits = Limits {
        per_host: Arc::default(),
        keys: Arc::default(),
        recorder: Recorder::spawn(state.db.clone(), on_gone),
        late: Arc::default(),
    };
    let in_flight = Arc::new(Semaphore::new(MAX_IN_FLIGHT));
    // Sent something since the allocator was last trimmed.
    let mut busy = false;
    while !stop.is_cancelled() {
        if in_flight.available_permits() < CLAIM_AT_LEAST {
            // Slots busy: wait until a batch's worth is free (not for the
            // idle poll, which would stall a large fan-out between
            // batches). Claiming one or two at a time would cost a
            // database round trip and commit per delivery.
            let free = in_flight.clone().acquire_many_owned(CLAIM_AT_LEAST as u32);
            drop(stop.run_until_cancelled(free).await);
            continue;
        }
        let free = in_flight.available_permits() as i64;
        let claimed = state
            .db
            .call(move |db| db.claim_deliveries(free, lease_ms))
            .await;
        let due = match claimed {
            Ok(due) => due,
            Err(e) => {
                tracing::error!(error = %e, "delivery worker cannot read the queue");
                let _ = stop
                    .run_until_cancelled(tokio::time::sleep(Duration::from_secs(5)))
                    .await;
                continue;
            }
        };
        if due.is_empty() {
            let idle = tokio::time::timeout(IDLE, state.wake_delivery.notified());
            let woken = stop.run_until_cancelled(idle).await;
            if matches!(woken, Some(Err(_))) && busy {
                // Quiet for a moment after a burst: give back what it freed.
                busy = false;
                crate::memory::trim();
            }
            continue;
        }
        busy = true;
        for delivery in due {
            let Ok(permit) = in_flight.clone().acquire_owned().await else {
                return;
            };
            let (st, lim) = (state.clone(), limits.clone());
            tokio::spawn(async move {
                let host = lim.host(&delivery.inbox);
                let _host_permit = host.acquire().await;
                // Waiting for the server's turn may outlast the claim: then
                // send only if it is still ours, with a fresh lease.
                let (id, token) = (delivery.id, delivery.claim_token.clone());
                if delivery.locked_until - crate::db::now_ms() >= SEND_WITHOUT_RENEWAL_MS {
                    deliver(&st, &lim, delivery).await;
                    drop(permit);
                    return;
                }
                match st
                    .db
                    .call(move |db| db.renew_claim(id, &token, lease_ms))
                    .await
                {
                    Ok(true) => deliver(&st, &lim, delivery).await,
                    Ok(false) => {
                        tracing::debug!(delivery = id, "claim taken over by another worker")
                    }
                    Err(e) => tracing::error!(error = %e, "cannot renew a delivery claim"),
                }
                drop(permit);
            });
        }
    }
    // Each delivery sent holds its slot until its result is recorded.
    let _ = in_flight.acquire_many(MAX_IN_FLIGHT as u32).await;
    tracing::info!("delivery worker stopped; every delivery sent is recorded");
}

async fn signer_for(state: &Context, limits: &Limits, group: &str) -> anyhow::Result<SigningKey> {
    if let Some(k) = limits
        .keys
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .get(group)
    {
        return Ok(k.clone());
    }
    let name = group.to_string();
    let g = state.db.call(move |db| db.group_for_signing(&name)).await?;
    let key = SigningKey {
        key_id: state.urls.group_key_id(&g.name),
        key: Arc::new(private_key(&g.private_key_pem)?),
    };
    limits
        .keys
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(group.to_string(), key.clone());
    Ok(key)
}

#[tracing::instrument(skip_all, fields(activity_id = %d.activity_id, delivery = d.id))]
async fn deliver(state: &Context, limits: &Limits, d: DueDelivery) {
    let redated = super::late::redate(&d.body, d.queued_at, crate::db::now_ms());
    let late = redated.is_some();
    let result = match signer_for(state, limits, &d.group_name).await {
        Ok(signer) => {
            state
                .client
                .post_activity(
                    &d.inbox,
                    redated.unwrap_or(d.body),
                    &signer,
                    d.sync_digest.as_deref().map(|digest| {
                        crate::federation::sync::header(&state.urls.group(&d.group_name), digest)
                    }),
                )
                .await
        }
        Err(e) => Err(FetchError::Network(format!("signing key: {e}"))),
    };
    let failures = u32::try_from(d.attempts).unwrap_or(0) + 1;
    let outcome = match result {
        Ok(s) if (200..300).contains(&s) => Outcome::Delivered(s),
        Ok(s) if !is_retryable(s) => Outcome::Failed(Some(s), format!("HTTP {s}")),
        Ok(s) => retry(failures, Some(s), format!("HTTP {s}")),
        Err(e @ FetchError::Refused(..)) => Outcome::Failed(None, e.to_string()),
        Err(e) => retry(failures, None, e.to_string()),
    };
    let (state_name, status, error, next, park) = match outcome {
        Outcome::Delivered(s) => (queue::DELIVERED, Some(s), None, None, false),
        Outcome::Retry(status, error, at) => (queue::PENDING, status, Some(error), Some(at), false),
        Outcome::Failed(status, error) => (queue::FAILED, status, Some(error), None, false),
        // The whole retry schedule failed: the server is parked.
        Outcome::Parked(status, error) => (
            queue::FAILED,
            status,
            Some(format!("{GAVE_UP}{error}")),
            None,
            true,
        ),
    };
    tracing::info!(activity_id = %d.activity_id, delivery = d.id, inbox = %d.inbox, outcome = state_name.as_str(), ?status, error = ?error, "delivery attempt");
    let outcome = match (state_name, next) {
        (queue::DELIVERED, _) => "delivered",
        (_, Some(_)) => "retry",
        _ => "failed",
    };
    let server = crate::federation::actor::authority(&d.inbox).unwrap_or_default();
    state.metrics.delivery(outcome, &server);
    if late && outcome == "delivered" {
        tell_late(state, limits, &d.group_name, &queue::host_of(&d.inbox)).await;
    }
    limits
        .recorder
        .record(Attempt {
            id: d.id,
            state: state_name,
            status,
            error,
            next_attempt_at: next,
            // 410 on a personal inbox: that account is gone for good.
            gone_actor: d.recipient.filter(|_| status == Some(410)),
            host: queue::host_of(&d.inbox),
            park,
        })
        .await;
}

/// What one attempt comes to, with its status (if the server answered)
/// and error text.
enum Outcome {
    Delivered(u16),
    /// Tried again at the time given.
    Retry(Option<u16>, String, i64),
    /// Refused for good (a status that is not worth repeating).
    Failed(Option<u16>, String),
    /// The whole retry schedule failed: the delivery fails and its server
    /// is parked (see `db::hosts`).
    Parked(Option<u16>, String),
}

fn retry(failures: u32, status: Option<u16>, error: String) -> Outcome {
    match retry_delay(failures) {
        Some(wait) => {
            let at = crate::db::now_ms() + i64::try_from(wait.as_millis()).unwrap_or(i64::MAX / 2);
            Outcome::Retry(status, error, at)
        }
        None => Outcome::Parked(status, error),
    }
}

/// A late Create was taken: the server is back, and its members are told
/// what they missed (`late::tell_members`).
async fn tell_late(state: &Context, limits: &Limits, group: &str, host: &str) {
    let _one_at_a_time = limits.late.lock().await;
    let (db, urls) = (state.db.clone(), state.urls.clone());
    let (group, host) = (group.to_string(), host.to_string());
    let now = crate::db::now_ms();
    let told = tokio::task::spawn_blocking(move || {
        super::late::tell_members(&db, &urls, &group, &host, now)
    })
    .await;
    match told {
        Ok(Ok(0)) => {}
        Ok(Ok(n)) => {
            tracing::info!(members = n, "members told of posts that reached them late");
            state.wake_delivery.notify_one();
        }
        Ok(Err(e)) => {
            tracing::error!(error = %format!("{e:#}"), "cannot tell members of late posts")
        }
        Err(e) => tracing::error!(error = %e, "late-posts task failed"),
    }
}
