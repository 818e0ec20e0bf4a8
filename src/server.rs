//! Wiring: shared state, the HTTP server, and start-up.

use crate::config::Config;
use crate::db::Db;
use crate::keys;
use crate::routes;
use crate::urls::Urls;
use actix_web::{middleware, web, App, HttpServer};
use anyhow::Context;
use std::net::TcpListener;
use std::sync::Arc;

/// Everything a request handler needs; cloned into each worker cheaply.
#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub db: Db,
    pub urls: Urls,
    pub instance_public_pem: Arc<str>,
}

impl AppState {
    /// Loads (or on first start creates) the instance actor's keys.
    pub fn new(config: Config, db: Db) -> anyhow::Result<AppState> {
        let (_, public) = match db.instance_keys()? {
            Some(pair) => pair,
            None => {
                let (private, public) =
                    keys::generate_rsa_pem().context("generating the instance actor's key")?;
                db.insert_instance_keys(&private, &public)?
            }
        };
        Ok(AppState {
            urls: Urls::new(&config),
            config: Arc::new(config),
            db,
            instance_public_pem: public.into(),
        })
    }
}

/// Starts serving on an already bound listener and returns the running
/// server (tests bind port 0 and read the port before calling this).
pub fn start(state: AppState, listener: TcpListener) -> anyhow::Result<actix_web::dev::Server> {
    let data = web::Data::new(state);
    let server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .wrap(middleware::Logger::new("%a \"%r\" %s %b %Dms"))
            .configure(routes::configure)
    })
    .listen(listener)
    .context("cannot listen")?
    .run();
    Ok(server)
}

/// `demesh serve`: migrate, then serve until stopped (SIGINT/SIGTERM).
pub async fn serve(config: Config) -> anyhow::Result<()> {
    let db = Db::connect(&config.database_url)?;
    let listener = TcpListener::bind(&config.listen)
        .with_context(|| format!("cannot listen on {}", config.listen))?;
    let addr = listener.local_addr()?;
    let base = config.base().to_string();
    let backend = db.backend().name();
    let state = AppState::new(config, db)?;
    let running = start(state, listener)?;
    tracing::info!(
        listen = %addr,
        base_url = %base,
        database = backend,
        "demesh listening on http://{addr} (public URL {base})"
    );
    running.await?;
    Ok(())
}
