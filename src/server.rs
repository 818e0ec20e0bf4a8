//! Wiring only: the HTTP server, the background workers, start-up and
//! shutdown. Nothing under `src/` imports this module but the CLI.

use crate::config::Config;
use crate::context::Context;
use crate::db::{Backend, Db};
use crate::routes;
use crate::urls::Urls;
use actix_web::{middleware, web, App, HttpServer};
use anyhow::Context as _;
use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// This build's version, in the start-up log line.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Blocking threads per HTTP worker.
const WEB_BLOCKING_THREADS: usize = 8;

/// What a `demesh serve` process does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Role {
    /// The HTTP server only.
    Web,
    /// The inbox and delivery workers only.
    Worker,
    /// Both (the default, and the only choice with SQLite).
    All,
}

/// How long stopping workers may take to finish the batch in hand
/// before they are aborted (their claims then expire as after a crash).
const WORKERS_STOP_WITHIN: Duration = Duration::from_secs(30);

/// The background workers and the token that asks them to stop.
pub struct Workers {
    stop: CancellationToken,
    tasks: Vec<JoinHandle<()>>,
}

impl Workers {
    /// Asks the workers to stop and waits until they have finished the
    /// batch in hand (bounded by `WORKERS_STOP_WITHIN`).
    pub async fn finish(mut self) {
        self.stop.cancel();
        let all = futures_util::future::join_all(self.tasks.iter_mut());
        if tokio::time::timeout(WORKERS_STOP_WITHIN, all)
            .await
            .is_err()
        {
            tracing::warn!("workers did not stop in time; aborting them");
            self.abort();
        }
    }

    fn abort(&self) {
        for w in &self.tasks {
            w.abort();
        }
    }
}

/// A running server and its workers.
pub struct Running {
    handle: actix_web::dev::ServerHandle,
    server: JoinHandle<std::io::Result<()>>,
    workers: Workers,
}

impl Running {
    /// Serves until SIGINT/SIGTERM, then shuts down (see `shutdown`).
    pub async fn wait(mut self) -> anyhow::Result<()> {
        tokio::select! {
            ended = &mut self.server => {
                self.workers.finish().await;
                ended??;
                Ok(())
            }
            signal = shutdown_signal() => {
                signal?;
                tracing::info!("stopping: finishing the work in hand");
                self.shutdown().await
            }
        }
    }

    /// What SIGTERM does: the workers finish the batch in hand and stop,
    /// then HTTP stops after the requests under way. Workers go first:
    /// the outgoing client's pooled connections may have been opened by
    /// a request handler, and die with the HTTP server's threads.
    pub async fn shutdown(self) -> anyhow::Result<()> {
        self.workers.finish().await;
        self.handle.stop(true).await;
        self.server.await??;
        Ok(())
    }

    /// Stops the HTTP server and the workers at once, as a crash would
    /// (claims left behind expire, or are released at the next SQLite start).
    pub async fn stop(self) {
        self.workers.abort();
        self.handle.stop(false).await;
        let _ = self.server.await;
    }
}

/// Starts serving on an already bound listener, with the inbox and delivery
/// workers (tests bind port 0 and read the port before calling this).
pub fn start(state: Context, listener: TcpListener) -> anyhow::Result<Running> {
    let workers = start_workers(&state)?;
    start_web(state, listener, workers)
}

/// The inbox and delivery workers.
fn start_workers(state: &Context) -> anyhow::Result<Workers> {
    if state.db.backend() == Backend::Sqlite {
        // SQLite means one process: nothing else can hold a claim.
        state.db.release_all_leases()?;
    }
    let stop = CancellationToken::new();
    let tasks = vec![
        tokio::spawn(crate::activities::worker::run(state.clone(), stop.clone())),
        tokio::spawn(crate::delivery::worker::run(
            state.clone(),
            gone_hook(state.urls.clone()),
            stop.clone(),
        )),
        tokio::spawn(crate::delivery::probe::run(state.clone(), stop.clone())),
        tokio::spawn(crate::delivery::refresh::run(state.clone(), stop.clone())),
        tokio::spawn(crate::delivery::retention::run(state.clone(), stop.clone())),
        tokio::spawn(crate::memory::run(stop.clone())),
    ];
    Ok(Workers { stop, tasks })
}

fn start_web(state: Context, listener: TcpListener, workers: Workers) -> anyhow::Result<Running> {
    let proxies = Arc::new(state.config.trusted_proxies.clone());
    let limits = web::Data::new(routes::limits::InboxLimits::new(
        state.config.server_rate_limit,
        state.config.account_rate_limit,
    ));
    let health = web::Data::new(routes::health::HealthCheck::default());
    let cap = routes::connections::ConnectionCap::new(
        routes::connections::PER_ADDRESS,
        state.config.trusted_proxies.clone(),
    );
    let data = web::Data::new(state);
    let server = HttpServer::new(move || {
        let proxies = proxies.clone();
        let access_log = middleware::Logger::new("%{client}xi \"%r\" %s %b %Dms")
            .custom_request_replace("client", move |req| {
                let forwarded: Vec<&str> = req
                    .headers()
                    .get_all("x-forwarded-for")
                    .filter_map(|v| v.to_str().ok())
                    .collect();
                routes::forwarded::client_address(
                    req.peer_addr().map(|a| a.ip()),
                    &forwarded,
                    &proxies,
                )
            });
        App::new()
            .app_data(data.clone())
            .app_data(limits.clone())
            .app_data(health.clone())
            .wrap(access_log)
            // HEAD answers wherever GET does (monitors use it): routed as
            // GET, while the connection, which saw HEAD, sends no body.
            .wrap_fn(|mut req, srv| {
                if req.method() == actix_web::http::Method::HEAD {
                    req.head_mut().method = actix_web::http::Method::GET;
                }
                actix_web::dev::Service::call(srv, req)
            })
            .configure(routes::configure)
    })
    .on_connect(move |io, extensions| cap.on_connect(io, extensions))
    // SIGINT/SIGTERM are ours (`Running::wait`): the workers stop first.
    .disable_signals()
    // Each HTTP worker has its own pool of threads for database calls
    // (actix's default: 256 each on 2 cores). The inbox's calls share at
    // most 16 database connections, so more threads only wait, each with
    // its stack (1,000 joins left 77 threads and 40 MB behind).
    .worker_max_blocking_threads(WEB_BLOCKING_THREADS)
    .listen(listener)
    .context("cannot listen")?
    .run();
    Ok(Running {
        handle: server.handle(),
        server: actix_web::rt::spawn(server),
        workers,
    })
}

/// `demesh serve`: migrate, then serve until stopped (SIGINT/SIGTERM).
/// `db` is opened, migrated and checked by the caller (`crate::opening`).
pub async fn serve(config: Config, role: Role, db: Db) -> anyhow::Result<()> {
    db.warm_up(4);
    if role != Role::All && db.backend() == Backend::Sqlite {
        anyhow::bail!(
            "--role {role:?} needs PostgreSQL: with SQLite, run one process with --role all"
        );
    }
    if role == Role::Worker {
        let state = Context::new(config, db)?;
        let workers = start_workers(&state)?;
        tracing::info!(
            version = VERSION,
            database = state.db.backend().name(),
            "demesh {VERSION} worker running"
        );
        shutdown_signal().await?;
        workers.finish().await;
        return Ok(());
    }
    let listener = TcpListener::bind(&config.listen)
        .with_context(|| format!("cannot listen on {}", config.listen))?;
    let addr = listener.local_addr()?;
    let base = config.base().to_string();
    let backend = db.backend().name();
    let state = Context::new(config, db)?;
    let running = match role {
        Role::Web => start_web(
            state,
            listener,
            Workers {
                stop: CancellationToken::new(),
                tasks: Vec::new(),
            },
        )?,
        _ => start(state, listener)?,
    };
    tracing::info!(
        ?role,
        version = VERSION,
        listen = %addr,
        base_url = %base,
        database = backend,
        "demesh {VERSION} listening on http://{addr} (public URL {base})"
    );
    running.wait().await
}

/// Lowers the calling thread's CPU priority (Linux nice applies per
/// thread). Lowering needs no privilege; failure only leaves it as it was.
pub fn lower_thread_priority(nice: i32) {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: gettid has no preconditions, and setpriority only reads
        // its integer arguments.
        let done = unsafe {
            let tid = libc::syscall(libc::SYS_gettid) as libc::id_t;
            libc::setpriority(libc::PRIO_PROCESS, tid, nice)
        };
        if done != 0 {
            tracing::debug!("cannot lower a worker thread's priority");
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = nice;
}

/// SIGINT or SIGTERM (what `docker stop` and systemd send).
async fn shutdown_signal() -> anyhow::Result<()> {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    tokio::select! {
        r = tokio::signal::ctrl_c() => r?,
        _ = term.recv() => {}
    }
    Ok(())
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    #[test]
    fn a_lowered_thread_runs_at_the_given_nice_value_and_others_do_not() {
        let nice_of_this_thread = || {
            // SAFETY: as in lower_thread_priority.
            unsafe {
                let tid = libc::syscall(libc::SYS_gettid) as libc::id_t;
                libc::getpriority(libc::PRIO_PROCESS, tid)
            }
        };
        let before = nice_of_this_thread();
        let lowered = std::thread::spawn(move || {
            super::lower_thread_priority(before + 7);
            nice_of_this_thread()
        })
        .join()
        .expect("thread");
        assert_eq!(lowered, (before + 7).min(19));
        assert_eq!(nice_of_this_thread(), before, "only that thread");
    }
}

/// How the delivery recorder ends the memberships of an account gone (410).
fn gone_hook(urls: Urls) -> crate::delivery::recorder::OnGone {
    Arc::new(move |db, actor| crate::membership::end_gone(db, &urls, actor))
}
