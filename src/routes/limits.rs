//! Abuse limits on the inbox. Refusals are 429 with `Retry-After` (the
//! sender's server queues and retries, so nothing is lost) or 422 for an
//! activity no server should send.

use crate::error::Error;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub const MAX_CONTENT_BYTES: usize = 100_000;
pub const MAX_ATTACHMENTS: usize = 32;
pub const MAX_TAGS: usize = 256;
pub const MAX_RECIPIENTS: usize = 1000;

/// Most buckets a limiter keeps (≈100 bytes each, so ≈1 MB): past this,
/// full buckets (idle keys) are forgotten, and if that is not enough,
/// all of them (which only forgives, for a moment, what was spent).
pub const MAX_BUCKETS: usize = 10_000;

/// Token buckets keyed by server or account, refilled continuously.
pub struct RateLimiter {
    per_minute: u32,
    buckets: Mutex<HashMap<String, (f64, Instant)>>,
}

impl RateLimiter {
    pub fn new(per_minute: u32) -> RateLimiter {
        RateLimiter {
            per_minute,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes a token for `key`, or says how long to wait for one.
    pub fn take(&self, key: &str) -> Result<(), Duration> {
        if self.per_minute == 0 {
            return Ok(());
        }
        let rate = f64::from(self.per_minute) / 60.0;
        let cap = f64::from(self.per_minute);
        let now = Instant::now();
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        if buckets.len() >= MAX_BUCKETS {
            // Forget idle keys rather than grow without bound.
            buckets.retain(|_, (tokens, at)| {
                *tokens + now.duration_since(*at).as_secs_f64() * rate < cap
            });
            if buckets.len() >= MAX_BUCKETS {
                buckets.clear();
            }
        }
        let (tokens, at) = buckets.entry(key.to_string()).or_insert((cap, now));
        *tokens = (*tokens + now.duration_since(*at).as_secs_f64() * rate).min(cap);
        *at = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64(
                ((1.0 - *tokens) / rate).ceil().max(1.0),
            ))
        }
    }
}

/// Requests per minute one client address may make that need a signing
/// key we do not have (each one is a fetch from the key's server; see
/// `federation::key_gate`). Requests signed with a cached key do not count.
/// Off, like the other inbox limits, when the per-server limit is 0
/// (`DEMESH_SERVER_RATE_LIMIT=0`: the benchmark's thousand new followers
/// all come from 127.0.0.1).
pub const KEY_FETCHES_PER_MINUTE: u32 = 60;

pub struct InboxLimits {
    pub servers: RateLimiter,
    pub accounts: RateLimiter,
    /// Per client address: requests that make us fetch a key.
    pub key_fetches: RateLimiter,
}

impl InboxLimits {
    /// Per-minute limits from the configuration; 0 turns one off (a
    /// per-server 0 also turns off the per-address key-fetch limit).
    pub fn new(per_server: u32, per_account: u32) -> InboxLimits {
        let key_fetches = if per_server == 0 {
            0
        } else {
            KEY_FETCHES_PER_MINUTE
        };
        InboxLimits {
            servers: RateLimiter::new(per_server),
            accounts: RateLimiter::new(per_account),
            key_fetches: RateLimiter::new(key_fetches),
        }
    }
}

fn count(v: Option<&Value>) -> usize {
    match v {
        Some(Value::Array(a)) => a.len(),
        Some(Value::Null) | None => 0,
        Some(_) => 1,
    }
}

/// Refuses activities whose size no real post has.
pub fn check_shape(activity: &Value) -> Result<(), Error> {
    let too = |what: &str| Err(Error::Unprocessable(format!("too many {what}")));
    for doc in [Some(activity), activity.get("object")]
        .into_iter()
        .flatten()
    {
        let recipients: usize = ["to", "cc", "bto", "bcc", "audience"]
            .iter()
            .map(|k| count(doc.get(*k)))
            .sum();
        if recipients > MAX_RECIPIENTS {
            return too("recipients");
        }
        if count(doc.get("attachment")) > MAX_ATTACHMENTS {
            return too("attachments");
        }
        if count(doc.get("tag")) > MAX_TAGS {
            return too("tags");
        }
        let content = doc
            .get("content")
            .and_then(Value::as_str)
            .map_or(0, str::len);
        let localized: usize = doc
            .get("contentMap")
            .and_then(Value::as_object)
            .map_or(0, |m| {
                m.values().filter_map(Value::as_str).map(str::len).sum()
            });
        if content > MAX_CONTENT_BYTES || localized > MAX_CONTENT_BYTES * 4 {
            return Err(Error::Unprocessable("content too long".into()));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn buckets_refill_and_say_when() {
        let limiter = RateLimiter::new(2);
        assert!(limiter.take("a").is_ok());
        assert!(limiter.take("a").is_ok());
        let wait = limiter.take("a").expect_err("third in a minute");
        assert!(
            wait >= Duration::from_secs(1) && wait <= Duration::from_secs(30),
            "{wait:?}"
        );
        assert!(limiter.take("b").is_ok(), "other keys are separate");
    }

    #[test]
    fn buckets_stay_bounded() {
        let limiter = RateLimiter::new(60);
        for i in 0..MAX_BUCKETS * 3 {
            // Every key spent a token: none is idle, so pruning alone
            // would not bound the map.
            assert!(limiter.take(&format!("k{i}")).is_ok());
            assert!(limiter.buckets.lock().expect("lock").len() <= MAX_BUCKETS);
        }
    }

    #[test]
    fn zero_means_no_limit() {
        let limiter = RateLimiter::new(0);
        for _ in 0..10_000 {
            assert!(limiter.take("a").is_ok());
        }
    }

    #[test]
    fn oversized_activities_are_unprocessable() {
        assert!(check_shape(&json!({"type": "Create", "object": {"content": "hi"}})).is_ok());
        let many: Vec<String> = (0..1001).map(|i| format!("https://x/{i}")).collect();
        assert!(check_shape(&json!({"to": many})).is_err());
        assert!(check_shape(&json!({"object": {"attachment": vec![json!({}); 33]}})).is_err());
        assert!(check_shape(&json!({"object": {"tag": vec![json!({}); 257]}})).is_err());
        assert!(check_shape(&json!({"object": {"content": "x".repeat(100_001)}})).is_err());
    }
}
