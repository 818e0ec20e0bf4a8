//! `demesh queue`: delivery status per server.

use super::output::{human_time, print_json};
use crate::config::Config;
use crate::db::HostStatus;
use crate::documents::rfc3339;
use serde::Serialize;

/// One server's line of `queue --json`: times in RFC 3339, as in every
/// other listing.
#[derive(Serialize)]
struct HostView {
    host: String,
    pending: i64,
    delivered: i64,
    failed: i64,
    held: i64,
    oldest_pending_at: Option<String>,
    next_attempt_at: Option<String>,
    last_error: Option<String>,
    unavailable_since: Option<String>,
}

impl From<&HostStatus> for HostView {
    fn from(h: &HostStatus) -> HostView {
        HostView {
            host: h.host.clone(),
            pending: h.pending,
            delivered: h.delivered,
            failed: h.failed,
            held: h.held,
            oldest_pending_at: h.oldest_pending_at.map(rfc3339),
            next_attempt_at: h.next_attempt_at.map(rfc3339),
            last_error: h.last_error.clone(),
            unavailable_since: h.unavailable_since.map(rfc3339),
        }
    }
}

pub fn run(config: Config, json: bool) -> anyhow::Result<()> {
    let db = crate::opening::existing(&config)?;
    let hosts = db.queue_status()?;
    if json {
        let views: Vec<HostView> = hosts.iter().map(HostView::from).collect();
        return print_json(&views);
    }
    if hosts.is_empty() {
        println!("nothing delivered or queued yet");
        return Ok(());
    }
    println!(
        "{:<32} {:>8} {:>10} {:>7} {:>6}  next attempt / last error",
        "server", "pending", "delivered", "failed", "held"
    );
    for h in hosts {
        let next = match h.unavailable_since {
            Some(since) => format!("unavailable since {}:", human_time(since)),
            None => h.next_attempt_at.map(human_time).unwrap_or_default(),
        };
        println!(
            "{:<32} {:>8} {:>10} {:>7} {:>6}  {} {}",
            h.host,
            h.pending,
            h.delivered,
            h.failed,
            h.held,
            next,
            h.last_error.unwrap_or_default()
        );
    }
    Ok(())
}
