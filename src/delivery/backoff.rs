//! When to retry a failed delivery.
//!
//! The schedule, after the 1st..11th failed attempt: 30 s, 2 min, 10 min,
//! 30 min, 1 h, 2 h, 4 h, 8 h, 12 h, 12 h, 12 h (about 52 h in all).
//! It covers, in order: a restart or a dropped connection (seconds), a
//! deploy or an upgrade with migrations (minutes), an evening's outage
//! (hours), and a server down over a weekend (two days). Past that the
//! delivery is given up: the receiving side has long since moved on.

use std::time::Duration;

const SCHEDULE_SECS: [u64; 11] = [
    30,
    120,
    600,
    1800,
    3600,
    2 * 3600,
    4 * 3600,
    8 * 3600,
    12 * 3600,
    12 * 3600,
    12 * 3600,
];

/// The wait after `failures` failed attempts (1 = the first failure), or
/// `None` when the delivery should be given up.
pub fn retry_delay(failures: u32) -> Option<Duration> {
    let index = usize::try_from(failures.checked_sub(1)?).ok()?;
    SCHEDULE_SECS.get(index).map(|s| Duration::from_secs(*s))
}

/// When to probe a parked server (see `super::probe`), after `failed`
/// failed probes: 30 min after it was parked, then 1 h, 2 h, 4 h… up to
/// once a day, for as long as it stays parked. A server back after a
/// migration or a long outage is found within a day even if none of its
/// users ever writes to a group; a server gone for good costs one small
/// request a day.
pub fn probe_delay(failed: u32) -> Duration {
    const FIRST_SECS: u64 = 30 * 60;
    const CAP_SECS: u64 = 24 * 3600;
    let factor = 1u64.checked_shl(failed.min(16)).unwrap_or(u64::MAX);
    Duration::from_secs(FIRST_SECS.saturating_mul(factor).min(CAP_SECS))
}

/// Whether a response status is worth retrying. 4xx is final except 401
/// (a key the peer has not fetched yet), 408 (timeout) and 429 (slow down).
pub fn is_retryable(status: u16) -> bool {
    !(400..500).contains(&status) || matches!(status, 401 | 408 | 429)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_and_cover_about_two_days() {
        assert_eq!(retry_delay(0), None);
        assert_eq!(retry_delay(1), Some(Duration::from_secs(30)));
        let mut total = Duration::ZERO;
        let mut last = Duration::ZERO;
        for n in 1..=11 {
            let d = retry_delay(n).expect("within schedule");
            assert!(d >= last, "never shrinks");
            last = d;
            total += d;
        }
        assert!(total >= Duration::from_secs(48 * 3600), "{total:?}");
        assert!(total <= Duration::from_secs(60 * 3600), "{total:?}");
        assert_eq!(retry_delay(12), None, "given up after ~2 days");
    }

    #[test]
    fn parked_servers_are_probed_at_most_daily() {
        assert_eq!(probe_delay(0), Duration::from_secs(1800));
        assert_eq!(probe_delay(1), Duration::from_secs(3600));
        assert_eq!(probe_delay(2), Duration::from_secs(7200));
        assert_eq!(probe_delay(5), Duration::from_secs(16 * 3600));
        for n in [6, 7, 20, u32::MAX] {
            assert_eq!(probe_delay(n), Duration::from_secs(24 * 3600), "{n}");
        }
    }

    #[test]
    fn only_passing_failures_are_retried() {
        for s in [500, 502, 503, 401, 408, 429] {
            assert!(is_retryable(s), "{s}");
        }
        for s in [400, 403, 404, 410, 413, 422] {
            assert!(!is_retryable(s), "{s}");
        }
    }
}
