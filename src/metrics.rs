//! Counters for `/metrics` (Prometheus text format). Kept in memory per
//! process; queue depth and age are read from the database at scrape time.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

/// Servers with a failure counter of their own (a label each on
/// `/metrics`; about 100 bytes each in memory).
pub const MAX_SERVERS: usize = 1_000;
/// The label that counts failures at servers past [`MAX_SERVERS`].
const OTHER: &str = "other";

#[derive(Default)]
pub struct Metrics {
    inbox: Mutex<BTreeMap<u16, u64>>,
    deliveries: Mutex<BTreeMap<&'static str, u64>>,
    server_failures: Mutex<BTreeMap<String, u64>>,
    older_edits: AtomicU64,
    key_fetch_refusals: Mutex<BTreeMap<&'static str, u64>>,
    dropped: Mutex<BTreeMap<&'static str, u64>>,
}

fn snapshot<K: Ord + Clone>(map: &Mutex<BTreeMap<K, u64>>) -> BTreeMap<K, u64> {
    map.lock().unwrap_or_else(|p| p.into_inner()).clone()
}

fn bump<K: Ord>(map: &Mutex<BTreeMap<K, u64>>, key: K) {
    *map.lock()
        .unwrap_or_else(|p| p.into_inner())
        .entry(key)
        .or_default() += 1;
}

impl Metrics {
    pub fn inbox_status(&self, status: u16) {
        bump(&self.inbox, status);
    }

    /// An edit (of a post or a profile) older than the one applied, dropped.
    pub fn older_edit(&self) {
        self.older_edits.fetch_add(1, Ordering::Relaxed);
    }

    /// A request refused before its signing key was fetched; `reason`:
    /// unavailable (the key's server has its fetches running, or failed
    /// within the minute) or client (too many from one address).
    pub fn key_fetch_refused(&self, reason: &'static str) {
        bump(&self.key_fetch_refusals, reason);
    }

    /// An activity answered 202 and dropped unstored. `reason` is one of
    /// a few fixed words (never a group, an account or a server: labels
    /// on a public endpoint must not tell who was blocked).
    pub fn inbox_dropped(&self, reason: &'static str) {
        bump(&self.dropped, reason);
    }

    /// `outcome`: delivered, retry or failed; failures also count per
    /// server, for at most [`MAX_SERVERS`] servers (later ones count
    /// under `other`).
    pub fn delivery(&self, outcome: &'static str, server: &str) {
        bump(&self.deliveries, outcome);
        if outcome != "delivered" {
            let mut map = self
                .server_failures
                .lock()
                .unwrap_or_else(|p| p.into_inner());
            let key = if map.len() < MAX_SERVERS || map.contains_key(server) {
                server
            } else {
                OTHER
            };
            *map.entry(key.to_string()).or_default() += 1;
        }
    }

    /// The exposition text; `queue` is (pending deliveries, age in seconds
    /// of the oldest, unprocessed incoming activities); `inbox_failed`:
    /// stored activities whose retries ran out (`demesh inbox --failed`);
    /// `population`: (groups, members, pending follow requests);
    /// `storage_errors`: failed database calls since start (`Db::health`).
    pub fn render(
        &self,
        queue: (i64, f64, i64),
        inbox_failed: i64,
        population: (i64, i64, i64),
        storage_errors: u64,
    ) -> String {
        let mut out = String::new();
        out.push_str("# HELP demesh_build_info The running demesh's version (always 1).\n");
        out.push_str("# TYPE demesh_build_info gauge\n");
        let _ = writeln!(
            out,
            "demesh_build_info{{version=\"{}\"}} 1",
            env!("CARGO_PKG_VERSION")
        );
        let (groups, members, pending) = population;
        for (name, help, n) in [
            (
                "demesh_groups",
                "Groups hosted (deleted ones not counted).",
                groups,
            ),
            (
                "demesh_members",
                "Approved memberships, over all groups.",
                members,
            ),
            (
                "demesh_pending_requests",
                "Follow requests waiting for approval.",
                pending,
            ),
        ] {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {n}");
        }
        out.push_str("# HELP demesh_inbox_requests_total Inbox POSTs by response status.\n");
        out.push_str("# TYPE demesh_inbox_requests_total counter\n");
        for (status, n) in snapshot(&self.inbox) {
            let _ = writeln!(
                out,
                "demesh_inbox_requests_total{{status=\"{status}\"}} {n}"
            );
        }
        out.push_str(
            "# HELP demesh_inbox_dropped_total Activities answered 202 and dropped, by reason.\n",
        );
        out.push_str("# TYPE demesh_inbox_dropped_total counter\n");
        for (reason, n) in snapshot(&self.dropped) {
            let _ = writeln!(out, "demesh_inbox_dropped_total{{reason=\"{reason}\"}} {n}");
        }
        out.push_str("# HELP demesh_deliveries_total Delivery attempts by outcome.\n");
        out.push_str("# TYPE demesh_deliveries_total counter\n");
        for (outcome, n) in snapshot(&self.deliveries) {
            let _ = writeln!(out, "demesh_deliveries_total{{outcome=\"{outcome}\"}} {n}");
        }
        out.push_str(
            "# HELP demesh_delivery_failures_total Failed delivery attempts per server.\n",
        );
        out.push_str("# TYPE demesh_delivery_failures_total counter\n");
        for (server, n) in snapshot(&self.server_failures) {
            let server = server.replace(['"', '\\', '\n'], "_");
            let _ = writeln!(
                out,
                "demesh_delivery_failures_total{{server=\"{server}\"}} {n}"
            );
        }
        let (pending, oldest, incoming) = queue;
        out.push_str("# HELP demesh_queue_pending Deliveries waiting to be sent.\n");
        out.push_str("# TYPE demesh_queue_pending gauge\n");
        let _ = writeln!(out, "demesh_queue_pending {pending}");
        out.push_str(
            "# HELP demesh_queue_oldest_pending_seconds Age of the oldest waiting delivery.\n",
        );
        out.push_str("# TYPE demesh_queue_oldest_pending_seconds gauge\n");
        let _ = writeln!(out, "demesh_queue_oldest_pending_seconds {oldest:.3}");
        out.push_str("# HELP demesh_inbox_backlog Stored incoming activities not yet processed.\n");
        out.push_str("# TYPE demesh_inbox_backlog gauge\n");
        let _ = writeln!(out, "demesh_inbox_backlog {incoming}");
        out.push_str(
            "# HELP demesh_inbox_failed Stored incoming activities whose retries ran out.\n",
        );
        out.push_str("# TYPE demesh_inbox_failed gauge\n");
        let _ = writeln!(out, "demesh_inbox_failed {inbox_failed}");
        out.push_str(
            "# HELP demesh_storage_errors_total Database calls that failed (connection, disk, timeout).\n",
        );
        out.push_str("# TYPE demesh_storage_errors_total counter\n");
        let _ = writeln!(out, "demesh_storage_errors_total {storage_errors}");
        out.push_str(
            "# HELP demesh_older_edits_total Edits dropped because a newer one was applied.\n",
        );
        out.push_str("# TYPE demesh_older_edits_total counter\n");
        let older = self.older_edits.load(Ordering::Relaxed);
        let _ = writeln!(out, "demesh_older_edits_total {older}");
        out.push_str(
            "# HELP demesh_key_fetch_refusals_total Requests refused before fetching their signing key.\n",
        );
        out.push_str("# TYPE demesh_key_fetch_refusals_total counter\n");
        for (reason, n) in snapshot(&self.key_fetch_refusals) {
            let _ = writeln!(
                out,
                "demesh_key_fetch_refusals_total{{reason=\"{reason}\"}} {n}"
            );
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_prometheus_text() {
        let m = Metrics::default();
        m.inbox_status(202);
        m.inbox_status(202);
        m.inbox_status(401);
        m.delivery("delivered", "a.example");
        m.delivery("retry", "b.example");
        m.older_edit();
        m.key_fetch_refused("client");
        let text = m.render((3, 12.5, 1), 2, (4, 17, 3), 7);
        let version = env!("CARGO_PKG_VERSION");
        assert!(text.contains(&format!("demesh_build_info{{version=\"{version}\"}} 1\n")));
        assert!(text.contains("demesh_groups 4\n"));
        assert!(text.contains("demesh_members 17\n"));
        assert!(text.contains("demesh_pending_requests 3\n"));
        assert!(text.contains("demesh_inbox_requests_total{status=\"202\"} 2\n"));
        assert!(text.contains("demesh_inbox_requests_total{status=\"401\"} 1\n"));
        assert!(text.contains("demesh_deliveries_total{outcome=\"retry\"} 1\n"));
        assert!(text.contains("demesh_delivery_failures_total{server=\"b.example\"} 1\n"));
        assert!(!text.contains("server=\"a.example\""));
        assert!(text.contains("demesh_queue_pending 3\n"));
        assert!(text.contains("demesh_queue_oldest_pending_seconds 12.500\n"));
        assert!(text.contains("demesh_inbox_backlog 1\n"));
        assert!(text.contains("demesh_inbox_failed 2\n"));
        assert!(text.contains("demesh_storage_errors_total 7\n"));
        assert!(text.contains("demesh_older_edits_total 1\n"));
        assert!(text.contains("demesh_key_fetch_refusals_total{reason=\"client\"} 1\n"));
    }

    #[test]
    fn per_server_counters_are_bounded() {
        let m = Metrics::default();
        for i in 0..MAX_SERVERS + 10 {
            m.delivery("failed", &format!("s{i}.example"));
        }
        m.delivery("failed", "s0.example");
        let text = m.render((0, 0.0, 0), 0, (0, 0, 0), 0);
        assert!(text.contains("demesh_delivery_failures_total{server=\"s0.example\"} 2\n"));
        assert!(text.contains("demesh_delivery_failures_total{server=\"other\"} 10\n"));
        assert_eq!(snapshot(&m.server_failures).len(), MAX_SERVERS + 1);
    }
}
