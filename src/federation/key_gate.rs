//! Key fetches a stranger can cause (issue #24). Before a request's
//! signature is verified, its `keyId` names a URL we must fetch: anyone
//! could point thousands of requests at a server that never answers and
//! have us flood it (or run out of sockets ourselves). So, per key host:
//! at most [`PER_HOST`] fetches at a time (others wait up to
//! [`QUEUE_WAIT`], then are refused), each within [`FETCH_WITHIN`], and a
//! host whose fetch failed is not asked again for [`FAILED_HOST_FOR`].
//! Keys already cached never come here: members are not slowed down.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Key fetches running at once to one host.
pub const PER_HOST: usize = 2;
/// How long a request waits for one of its key host's fetches to end.
pub const QUEUE_WAIT: Duration = Duration::from_secs(2);
/// How long one key fetch (the key's document and its owner's) may take;
/// the client's own timeout (30 s) is for deliveries.
pub const FETCH_WITHIN: Duration = Duration::from_secs(10);
/// How long a host whose key fetch failed (no answer, network error, 5xx)
/// is refused without being asked.
pub const FAILED_HOST_FOR: Duration = Duration::from_secs(60);
/// Hosts remembered (each ≈100 bytes); past this, idle ones are forgotten.
const MAX_HOSTS: usize = 10_000;

/// Why a key fetch was not made.
#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
    /// The host's fetches are all running: try again soon.
    Busy,
    /// The host failed recently: try again after this long.
    Failing(Duration),
}

#[derive(Default)]
pub struct KeyFetchGate {
    running: Mutex<HashMap<String, Arc<Semaphore>>>,
    failed: Mutex<HashMap<String, Instant>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl KeyFetchGate {
    /// A turn to fetch a key from `host`: hold it for the whole fetch.
    pub async fn enter(&self, host: &str) -> Result<OwnedSemaphorePermit, Refusal> {
        if let Some(left) = self.failing(host) {
            return Err(Refusal::Failing(left));
        }
        let turns = self.turns(host);
        let permit = match tokio::time::timeout(QUEUE_WAIT, turns.acquire_owned()).await {
            Ok(Ok(permit)) => permit,
            _ => return Err(Refusal::Busy),
        };
        // The fetch we waited for may have failed meanwhile.
        if let Some(left) = self.failing(host) {
            return Err(Refusal::Failing(left));
        }
        Ok(permit)
    }

    /// Records that a fetch from `host` failed (or succeeded: forgiven).
    pub fn record(&self, host: &str, failed: bool) {
        let mut map = lock(&self.failed);
        if !failed {
            map.remove(host);
            return;
        }
        if map.len() >= MAX_HOSTS {
            map.retain(|_, at| at.elapsed() < FAILED_HOST_FOR);
            if map.len() >= MAX_HOSTS {
                map.clear();
            }
        }
        map.insert(host.to_string(), Instant::now());
    }

    /// How long `host` stays refused, if it failed recently.
    fn failing(&self, host: &str) -> Option<Duration> {
        let mut map = lock(&self.failed);
        let at = *map.get(host)?;
        match FAILED_HOST_FOR.checked_sub(at.elapsed()) {
            Some(left) if !left.is_zero() => Some(left),
            _ => {
                map.remove(host);
                None
            }
        }
    }

    fn turns(&self, host: &str) -> Arc<Semaphore> {
        let mut map = lock(&self.running);
        if map.len() >= MAX_HOSTS {
            // A host with no fetch running holds the only reference.
            map.retain(|_, turns| Arc::strong_count(turns) > 1);
        }
        map.entry(host.to_string())
            .or_insert_with(|| Arc::new(Semaphore::new(PER_HOST)))
            .clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_host_gets_two_fetches_at_a_time_and_a_failed_host_none() {
        let gate = KeyFetchGate::default();
        let first = gate.enter("slow.example").await.expect("first");
        let _second = gate.enter("slow.example").await.expect("second");
        let started = Instant::now();
        assert_eq!(
            gate.enter("slow.example").await.err(),
            Some(Refusal::Busy),
            "a third waits, then is refused"
        );
        assert!(started.elapsed() >= QUEUE_WAIT);
        assert!(gate.enter("other.example").await.is_ok(), "hosts are apart");
        drop(first);
        gate.record("slow.example", true);
        match gate.enter("slow.example").await {
            Err(Refusal::Failing(left)) => assert!(left <= FAILED_HOST_FOR),
            other => panic!("a failed host is refused: {other:?}"),
        }
        gate.record("slow.example", false);
        assert!(gate.enter("slow.example").await.is_ok(), "forgiven");
    }
}
