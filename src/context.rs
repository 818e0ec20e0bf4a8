//! The shared context of routes, workers and CLI commands that act like
//! them: configuration, database, outgoing client, keys, metrics.

use crate::config::Config;
use crate::db::Db;
use crate::federation::client::{Client, SigningKey};
use crate::keys;
use crate::urls::Urls;
use anyhow::Context as _;
use std::sync::Arc;
use tokio::sync::Notify;

/// Everything a request handler or worker needs; cheap to clone. It holds
/// no HTTP server types, so workers and the CLI use it without the web
/// layer; route-only state (the inbox rate limits) lives in `routes/`.
#[derive(Clone)]
pub struct Context {
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
    /// Remote actors' public keys, parsed once.
    pub public_keys: Arc<crate::signatures::KeyCache>,
    /// Limits on the key fetches unverified requests cause.
    pub key_fetches: Arc<crate::federation::key_gate::KeyFetchGate>,
}

impl Context {
    /// Loads (or on first start creates) the instance actor's keys.
    pub fn new(config: Config, db: Db) -> anyhow::Result<Context> {
        let (private, public) = match db.instance_keys()? {
            Some(pair) => pair,
            None => {
                let (private, public) =
                    keys::generate_rsa_pem().context("generating the instance actor's key")?;
                db.insert_instance_keys(&private, &public)?
            }
        };
        let urls = Urls::new(&config);
        Ok(Context {
            client: Client::new(config.allow_private_networks)?,
            instance_signer: SigningKey {
                key_id: urls.instance_key_id(),
                key: Arc::new(keys::private_key(&private)?),
            },
            urls,
            config: Arc::new(config),
            db,
            instance_public_pem: public.into(),
            wake_inbox: Arc::new(Notify::new()),
            wake_delivery: Arc::new(Notify::new()),
            metrics: Arc::default(),
            public_keys: Arc::default(),
            key_fetches: Arc::default(),
        })
    }
}
