use clap::Parser;
use std::io::IsTerminal;
use std::process::ExitCode;
use tracing_subscriber::EnvFilter;

fn main() -> ExitCode {
    // Before anything (libpq included) initialises OpenSSL: see init_tls.
    demesh::db::init_tls();
    let cli = demesh::cli::Cli::parse();
    // The server logs at info by default; admin commands only warn, so
    // their stdout is exactly what was asked for. RUST_LOG overrides both.
    let default = if demesh::cli::is_server(&cli) {
        "info"
    } else {
        "warn"
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
    match demesh::cli::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
