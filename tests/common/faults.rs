//! Database faults injected by a test: a trigger that makes one kind of
//! write fail until the test clears it, on either backend.
#![allow(dead_code, clippy::unwrap_used)]

use super::exec_sql;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

/// A trigger failing inserts into a table.
pub struct Fault {
    url: String,
    table: String,
}

/// Makes every insert into `table` for which `when` (SQL over `NEW`)
/// holds fail with "injected fault", until `clear`.
pub fn inject(database_url: &str, table: &str, when: &str) -> Fault {
    inject_on(database_url, "INSERT", table, when)
}

/// As `inject`, for `event` (`INSERT` or `UPDATE`).
pub fn inject_on(database_url: &str, event: &str, table: &str, when: &str) -> Fault {
    if database_url.starts_with("sqlite://") {
        exec_sql(
            database_url,
            &format!(
                "CREATE TRIGGER demesh_fault BEFORE {event} ON {table} WHEN {when} \
                 BEGIN SELECT RAISE(ABORT, 'injected fault'); END"
            ),
        );
    } else {
        exec_sql(
            database_url,
            "CREATE OR REPLACE FUNCTION demesh_fault() RETURNS trigger LANGUAGE plpgsql AS \
             $$ BEGIN RAISE EXCEPTION 'injected fault'; END $$",
        );
        exec_sql(
            database_url,
            &format!(
                "CREATE TRIGGER demesh_fault BEFORE {event} ON {table} FOR EACH ROW \
                 WHEN ({when}) EXECUTE FUNCTION demesh_fault()"
            ),
        );
    }
    Fault {
        url: database_url.to_string(),
        table: table.to_string(),
    }
}

impl Fault {
    pub fn clear(self) {
        if self.url.starts_with("sqlite://") {
            exec_sql(&self.url, "DROP TRIGGER demesh_fault");
        } else {
            exec_sql(
                &self.url,
                &format!("DROP TRIGGER demesh_fault ON {}", self.table),
            );
        }
    }
}

/// Makes the stored activities whose processing failed due again now
/// (instead of after their lease).
pub fn retry_inbox_now(database_url: &str) {
    exec_sql(
        database_url,
        "UPDATE inbox_activities SET locked_until = 0 WHERE processed_at IS NULL",
    );
}

type Lines = Arc<Mutex<Vec<u8>>>;

fn lines() -> &'static Lines {
    static LINES: OnceLock<Lines> = OnceLock::new();
    LINES.get_or_init(|| {
        let lines: Lines = Arc::default();
        let sink = lines.clone();
        let _ = tracing_subscriber::fmt()
            .with_ansi(false)
            .with_writer(move || Sink(sink.clone()))
            .try_init();
        lines
    })
}

struct Sink(Lines);

impl std::io::Write for Sink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Starts keeping this process's log lines (the in-process server's).
pub fn capture_logs() {
    lines();
}

/// Waits (up to 10 s) for a log line containing every one of `parts`:
/// how a test knows the server has tried, and failed, to process.
pub async fn logged(parts: &[&str]) {
    for _ in 0..400 {
        let text = String::from_utf8_lossy(&lines().lock().unwrap()).into_owned();
        if text.lines().any(|l| parts.iter().all(|p| l.contains(p))) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("no log line with {parts:?}");
}
