//! When to try a stored activity again after its processing failed.
//!
//! Such a failure is the database's (a restart, a full disk, a lock
//! timeout) or a row it refuses (a text with a NUL on PostgreSQL, which no
//! retry mends). The schedule, after the 1st, 2nd… failure: 10 s, 20 s,
//! 40 s… doubling up to an hour, then hourly; after the 15th failure
//! (about 6.5 h of trying in all) the activity is marked failed with its
//! error, for the admin to see (`demesh inbox --failed`, `/metrics`).
//! That covers a database restart (seconds), a migration or failover
//! (minutes) and an afternoon's outage (hours), and a refused row costs
//! fifteen attempts, not a loop.

use std::time::Duration;

/// The first wait; each further failure doubles it.
const BASE: Duration = Duration::from_secs(10);
/// No wait is longer than this.
const CAP: Duration = Duration::from_secs(3600);
/// Failed attempts after which the activity is given up.
pub const MAX_ATTEMPTS: u32 = 15;

/// The wait after `failures` failed attempts (1 = the first failure), or
/// `None` when the activity should be marked failed.
pub fn retry_delay(failures: u32) -> Option<Duration> {
    if failures == 0 || failures >= MAX_ATTEMPTS {
        return None;
    }
    let doubled = BASE.checked_mul(1u32.checked_shl(failures - 1)?)?;
    Some(doubled.min(CAP))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_from_ten_seconds() {
        assert_eq!(retry_delay(1), Some(Duration::from_secs(10)));
        assert_eq!(retry_delay(2), Some(Duration::from_secs(20)));
        assert_eq!(retry_delay(3), Some(Duration::from_secs(40)));
        assert_eq!(retry_delay(9), Some(Duration::from_secs(2560)));
    }

    #[test]
    fn capped_at_an_hour() {
        for n in 10..MAX_ATTEMPTS {
            assert_eq!(retry_delay(n), Some(CAP), "{n}");
        }
    }

    #[test]
    fn given_up_after_the_last_attempt() {
        assert_eq!(retry_delay(0), None, "no failure, nothing to wait for");
        assert_eq!(retry_delay(MAX_ATTEMPTS), None);
        assert_eq!(retry_delay(u32::MAX), None, "no overflow");
        let total: Duration = (1..MAX_ATTEMPTS).filter_map(retry_delay).sum();
        assert!(total >= Duration::from_secs(5 * 3600), "{total:?}");
        assert!(total <= Duration::from_secs(8 * 3600), "{total:?}");
    }
}
