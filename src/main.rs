use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    // Before anything (libpq included) initialises OpenSSL: see init_tls.
    demesh::db::init_tls();
    let cli = demesh::cli::Cli::parse();
    // Logging starts in `run`, once the configuration (log format) is known.
    match demesh::cli::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
