//! Logging to stderr through `tracing`: text for people, or one JSON
//! object per line for log shippers (`DEMESH_LOG_FORMAT=json`).

use crate::config::LogFormat;
use std::io::IsTerminal;
use tracing_subscriber::EnvFilter;

/// Installs the subscriber; `RUST_LOG` overrides `default_filter`.
pub fn init(format: LogFormat, default_filter: &str) {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default_filter));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    // try_init: a second call (tests run several commands in one process)
    // keeps the first subscriber instead of panicking.
    let _ = match format {
        LogFormat::Text => builder
            .with_ansi(std::io::stderr().is_terminal())
            .try_init(),
        // Event fields at the top level, next to "message", so a shipper
        // can index activity_id, status… without digging.
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
    };
}
