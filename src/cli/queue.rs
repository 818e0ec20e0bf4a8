//! `demesh queue`: delivery status per server.

use super::output::{human_time, print_json};
use crate::config::Config;
use crate::db::Db;

pub fn run(config: Config, json: bool) -> anyhow::Result<()> {
    let db = Db::connect(&config.database_url)?;
    let hosts = db.queue_status()?;
    if json {
        return print_json(&hosts);
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
