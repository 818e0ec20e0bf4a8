//! Wiring: shared state, the HTTP server, the background workers, start-up.

use crate::config::Config;
use crate::db::{Backend, Db};
use crate::federation::client::{Client, SigningKey};
use crate::keys;
use crate::routes;
use crate::urls::Urls;
use actix_web::{middleware, web, App, HttpServer};
use anyhow::Context;
use std::net::TcpListener;
use std::sync::Arc;
use tokio::sync::Notify;

/// Blocking threads per HTTP worker.
const WEB_BLOCKING_THREADS: usize = 8;

/// Everything a request handler or worker needs; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub db: Db,
    pub urls: Urls,
    pub client: Client,
    pub instance_public_pem: Arc<str>,
    /// The instance actor signs our GETs (FEP-2677).
    pub instance_signer: SigningKey,
    /// Wakes the inbox worker when an activity was stored.
    pub wake_inbox: Arc<Notify>,
    /// Wakes the delivery worker when something was queued.
    pub wake_delivery: Arc<Notify>,
    pub metrics: Arc<crate::metrics::Metrics>,
    pub limits: Arc<crate::routes::limits::InboxLimits>,
    /// Remote actors' public keys, parsed once.
    pub public_keys: Arc<crate::signatures::KeyCache>,
}

impl AppState {
    /// Loads (or on first start creates) the instance actor's keys.
    pub fn new(config: Config, db: Db) -> anyhow::Result<AppState> {
        let (private, public) = match db.instance_keys()? {
            Some(pair) => pair,
            None => {
                let (private, public) =
                    keys::generate_rsa_pem().context("generating the instance actor's key")?;
                db.insert_instance_keys(&private, &public)?
            }
        };
        let urls = Urls::new(&config);
        Ok(AppState {
            client: Client::new(config.allow_private_networks)?,
            instance_signer: SigningKey {
                key_id: urls.instance_key_id(),
                key: Arc::new(keys::private_key(&private)?),
            },
            urls,
            limits: Arc::new(crate::routes::limits::InboxLimits::new(
                config.server_rate_limit,
                config.account_rate_limit,
            )),
            config: Arc::new(config),
            db,
            instance_public_pem: public.into(),
            wake_inbox: Arc::new(Notify::new()),
            wake_delivery: Arc::new(Notify::new()),
            metrics: Arc::default(),
            public_keys: Arc::default(),
        })
    }
}

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

/// A running server and its workers.
pub struct Running {
    handle: actix_web::dev::ServerHandle,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
    workers: Vec<tokio::task::JoinHandle<()>>,
}

impl Running {
    /// Waits until the server stops (on SIGINT/SIGTERM), then stops the workers.
    pub async fn wait(self) -> anyhow::Result<()> {
        let result = self.server.await;
        for w in &self.workers {
            w.abort();
        }
        result??;
        Ok(())
    }

    /// Stops the HTTP server and the workers at once, as a crash would
    /// (claims left behind expire, or are released at the next SQLite start).
    pub async fn stop(self) {
        for w in &self.workers {
            w.abort();
        }
        self.handle.stop(false).await;
        let _ = self.server.await;
    }
}

/// Starts serving on an already bound listener, with the inbox and delivery
/// workers (tests bind port 0 and read the port before calling this).
pub fn start(state: AppState, listener: TcpListener) -> anyhow::Result<Running> {
    let workers = start_workers(&state)?;
    start_web(state, listener, workers)
}

/// The inbox and delivery workers.
fn start_workers(state: &AppState) -> anyhow::Result<Vec<tokio::task::JoinHandle<()>>> {
    if state.db.backend() == Backend::Sqlite {
        // SQLite means one process: nothing else can hold a claim.
        state.db.release_all_leases()?;
    }
    Ok(vec![
        tokio::spawn(crate::activities::worker::run(state.clone())),
        tokio::spawn(crate::delivery::worker::run(
            state.clone(),
            gone_hook(state.urls.clone()),
        )),
        tokio::spawn(crate::delivery::probe::run(state.clone())),
        tokio::spawn(crate::delivery::refresh::run(state.clone())),
        tokio::spawn(crate::memory::run()),
    ])
}

fn start_web(
    state: AppState,
    listener: TcpListener,
    workers: Vec<tokio::task::JoinHandle<()>>,
) -> anyhow::Result<Running> {
    let proxies = Arc::new(state.config.trusted_proxies.clone());
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
            .wrap(access_log)
            .configure(routes::configure)
    })
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
pub async fn serve(config: Config, role: Role) -> anyhow::Result<()> {
    let db = Db::connect(&config.database_url)?;
    db.warm_up(4);
    if role != Role::All && db.backend() == Backend::Sqlite {
        anyhow::bail!(
            "--role {role:?} needs PostgreSQL: with SQLite, run one process with --role all"
        );
    }
    if role == Role::Worker {
        let state = AppState::new(config, db)?;
        let workers = start_workers(&state)?;
        tracing::info!(
            database = state.db.backend().name(),
            "demesh worker running"
        );
        shutdown_signal().await?;
        for w in workers {
            w.abort();
        }
        return Ok(());
    }
    let listener = TcpListener::bind(&config.listen)
        .with_context(|| format!("cannot listen on {}", config.listen))?;
    let addr = listener.local_addr()?;
    let base = config.base().to_string();
    let backend = db.backend().name();
    let state = AppState::new(config, db)?;
    let running = match role {
        Role::Web => start_web(state, listener, Vec::new())?,
        _ => start(state, listener)?,
    };
    tracing::info!(
        ?role,
        listen = %addr,
        base_url = %base,
        database = backend,
        "demesh listening on http://{addr} (public URL {base})"
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
