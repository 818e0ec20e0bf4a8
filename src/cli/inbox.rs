//! `demesh inbox`: stored incoming activities not processed yet (waiting,
//! or retrying after a failure), or with `--failed` those given up on.

use super::output::{human_time, print_json};
use crate::config::Config;

pub fn run(config: Config, failed: bool, json: bool) -> anyhow::Result<()> {
    let db = crate::opening::existing(&config)?;
    let rows = db.stored_incoming(failed)?;
    if json {
        return print_json(&rows);
    }
    if rows.is_empty() {
        println!(
            "{}",
            if failed {
                "no failed activities"
            } else {
                "every stored activity has been processed"
            }
        );
        return Ok(());
    }
    println!(
        "{:<20} {:<8} {:>8}  {:<20} activity / actor / last error",
        "received",
        "kind",
        "attempts",
        if failed { "failed" } else { "next attempt" }
    );
    for r in rows {
        let when = match r.failed_at {
            Some(at) => human_time(at),
            None if r.next_attempt_at > crate::db::now_ms() => human_time(r.next_attempt_at),
            None => "now".to_string(),
        };
        println!(
            "{:<20} {:<8} {:>8}  {:<20} {}",
            human_time(r.received_at),
            r.kind,
            r.attempts,
            when,
            r.activity_id
        );
        println!("{:>40} by {}", "", r.actor_uri);
        if let Some(error) = r.last_error {
            println!("{:>40} {error}", "");
        }
    }
    Ok(())
}
