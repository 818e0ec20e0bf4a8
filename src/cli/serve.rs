//! `demesh serve` and `demesh migrate`.

use crate::config::Config;
use crate::db::{parse_url, Backend};
use crate::server::Role;
use anyhow::Context;
use clap::Args;

#[derive(Debug, Args)]
pub struct ServeOpts {
    /// web: HTTP only; worker: inbox processing and delivery only; all: both.
    /// Several web and worker processes may share one PostgreSQL database;
    /// SQLite runs one `all` process.
    #[arg(long, value_enum, default_value = "all")]
    pub role: Role,
}

/// CPU priority of the worker threads in an `all` process (Linux nice:
/// 0 normal, 19 lowest).
const WORKER_NICE: i32 = 10;
/// Threads for blocking work (database calls, name lookups).
const MAX_BLOCKING_THREADS: usize = 16;

pub fn serve(config: Config, opts: ServeOpts) -> anyhow::Result<()> {
    // Refused before anything is opened: a refusal creates no file.
    if opts.role != Role::All && parse_url(&config.database_url)?.0 == Backend::Sqlite {
        anyhow::bail!(
            "--role {:?} needs PostgreSQL: with SQLite, run one process with --role all",
            opts.role
        );
    }
    // A listen address that cannot be bound is refused before the
    // database is created, too.
    std::net::ToSocketAddrs::to_socket_addrs(&config.listen)
        .with_context(|| format!("DEMESH_LISTEN {:?} is not an address", config.listen))?;
    // Held until the process ends: one serving process per SQLite file.
    let (db, lock) = crate::opening::for_serving(&config)?;
    if let Some(lock) = &lock {
        tracing::debug!(lock = %lock.path().display(), "holding the database lock");
    }
    // A multi-threaded runtime under actix's System: the HTTP workers get
    // their own threads, and background work (delivery, signing) can use
    // every core.
    if let Some(warning) = port_warning(&config.base_url) {
        tracing::warn!("{warning}");
    }
    crate::memory::limit_arenas();
    let mut builder = tokio::runtime::Builder::new_multi_thread();
    // Database calls run on blocking threads, each holding one of at most
    // 16 pooled connections: more threads than that only wait, and each
    // costs a stack and allocator state (tokio's default is 512). The
    // HTTP workers have their own (server.rs).
    builder.max_blocking_threads(MAX_BLOCKING_THREADS);
    if opts.role == Role::All {
        // This runtime carries the background workers; the HTTP workers
        // have their own threads. When both want the CPU, answering
        // remote servers comes first: they wait on us with timeouts,
        // while delivery can catch up a moment later.
        builder.on_thread_start(|| crate::server::lower_thread_priority(WORKER_NICE));
    }
    let runtime = builder
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let system = actix_web::rt::System::with_tokio_rt(move || runtime);
    let served = system.block_on(crate::server::serve(config, opts.role, db));
    drop(lock);
    served
}

pub fn migrate(config: Config) -> anyhow::Result<()> {
    let (db, applied) = crate::opening::migrate(&config).context("migrate")?;
    println!(
        "{} database is up to date ({applied} migration{} applied)",
        db.backend().name(),
        if applied == 1 { "" } else { "s" }
    );
    Ok(())
}

/// Why Mastodon cannot follow a group at this public URL, if it cannot:
/// Mastodon looks groups up by WebFinger without the port and signs
/// `Host` without it (research/mastodon-source-check.md, 9e), so a group
/// on `host:8443` is never found. Loopback hosts are test setups.
pub fn port_warning(base_url: &url::Url) -> Option<String> {
    let port = base_url.port()?;
    let loopback = match base_url.host()? {
        url::Host::Domain(d) => d == "localhost" || d.ends_with(".localhost"),
        url::Host::Ipv4(ip) => ip.is_loopback(),
        url::Host::Ipv6(ip) => ip.is_loopback(),
    };
    (!loopback).then(|| {
        format!(
            "the public URL {base_url} has the port {port}: Mastodon drops the port when it \
             looks a group up, so Mastodon users cannot follow groups here; serve them on \
             the default port (443) behind a reverse proxy"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::port_warning;

    fn warns(url: &str) -> bool {
        port_warning(&url::Url::parse(url).expect("url")).is_some()
    }

    #[test]
    fn only_a_non_default_port_on_a_public_host_is_warned_about() {
        assert!(warns("https://groups.example:8443/"));
        assert!(warns("http://203.0.113.5:8080/"));
        let text = port_warning(&url::Url::parse("https://g.example:8443").expect("url"))
            .expect("warning");
        assert!(text.contains("8443") && text.contains("Mastodon"), "{text}");
        for quiet in [
            "https://groups.example/",
            "https://groups.example:443/",
            "http://groups.example:80/",
            "http://127.0.0.1:8080/",
            "http://localhost:3000/",
            "http://[::1]:8080/",
        ] {
            assert!(!warns(quiet), "{quiet}");
        }
    }
}
