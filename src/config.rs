//! Configuration: one typed struct, built once in `main` and passed by value.
//!
//! Precedence, highest first: command-line flags, environment variables,
//! `demesh.toml`, built-in defaults. clap already folds each flag with its
//! environment variable, so this module only layers the file and defaults
//! under them.

use anyhow::{bail, Context};
use serde::Deserialize;
use std::path::{Path, PathBuf};
use url::Url;

pub const DEFAULT_BASE_URL: &str = "http://localhost:8080";
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
pub const DEFAULT_DATABASE_URL: &str = "sqlite://demesh.db";
pub const DEFAULT_CONFIG_FILE: &str = "demesh.toml";
/// Inbox requests per minute per remote server. A busy Mastodon server
/// with many members stays well below this.
pub const DEFAULT_SERVER_RATE_LIMIT: u32 = 600;
/// Activities per minute per remote account: far above what a person
/// does by hand.
pub const DEFAULT_ACCOUNT_RATE_LIMIT: u32 = 60;

#[derive(Clone, Debug)]
pub struct Config {
    /// Public URL with no trailing slash; every id demesh mints starts with it.
    pub base_url: Url,
    pub listen: String,
    pub database_url: String,
    /// Local testing only: lets demesh talk to `http://` and loopback or
    /// private-network peers. Refused in production.
    pub allow_private_networks: bool,
    /// Bearer token that unlocks `/metrics`; without one it is not served.
    pub metrics_token: Option<String>,
    /// How long a worker's claim on a delivery lasts. A process killed
    /// mid-delivery leaves its claims to others after this (PostgreSQL);
    /// SQLite releases them at the next start.
    pub delivery_lease_secs: u64,
    /// Inbox requests per minute one remote server may make (0: no limit).
    pub server_rate_limit: u32,
    /// Activities per minute one remote account may send (0: no limit).
    pub account_rate_limit: u32,
}

/// Values from flags or environment (already merged by clap).
#[derive(Clone, Debug, Default)]
pub struct Overrides {
    pub config_file: Option<PathBuf>,
    pub base_url: Option<String>,
    pub listen: Option<String>,
    pub database_url: Option<String>,
    pub allow_private_networks: Option<String>,
    pub metrics_token: Option<String>,
    pub delivery_lease_secs: Option<u64>,
    pub server_rate_limit: Option<u32>,
    pub account_rate_limit: Option<u32>,
}

/// `demesh.toml`: the same keys as the environment, in either spelling
/// (`base_url` or `DEMESH_BASE_URL`).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    #[serde(alias = "DEMESH_BASE_URL")]
    pub base_url: Option<String>,
    #[serde(alias = "DEMESH_LISTEN")]
    pub listen: Option<String>,
    #[serde(alias = "DATABASE_URL")]
    pub database_url: Option<String>,
    #[serde(alias = "DEMESH_ALLOW_PRIVATE_NETWORKS")]
    pub allow_private_networks: Option<bool>,
    #[serde(alias = "DEMESH_METRICS_TOKEN")]
    pub metrics_token: Option<String>,
    #[serde(alias = "DEMESH_DELIVERY_LEASE_SECS")]
    pub delivery_lease_secs: Option<u64>,
    #[serde(alias = "DEMESH_SERVER_RATE_LIMIT")]
    pub server_rate_limit: Option<u32>,
    #[serde(alias = "DEMESH_ACCOUNT_RATE_LIMIT")]
    pub account_rate_limit: Option<u32>,
}

impl Config {
    pub fn load(over: &Overrides) -> anyhow::Result<Config> {
        let file = match &over.config_file {
            Some(path) => Some(read_file(path)?),
            None if Path::new(DEFAULT_CONFIG_FILE).exists() => {
                Some(read_file(Path::new(DEFAULT_CONFIG_FILE))?)
            }
            None => None,
        };
        Config::resolve(over, file.unwrap_or_default())
    }

    pub fn resolve(over: &Overrides, file: FileConfig) -> anyhow::Result<Config> {
        let base = over
            .base_url
            .clone()
            .or(file.base_url)
            .unwrap_or_else(|| DEFAULT_BASE_URL.to_string());
        let allow_private_networks = match &over.allow_private_networks {
            Some(v) => parse_bool(v).context("DEMESH_ALLOW_PRIVATE_NETWORKS")?,
            None => file.allow_private_networks.unwrap_or(false),
        };
        Ok(Config {
            base_url: parse_base_url(&base)?,
            listen: over
                .listen
                .clone()
                .or(file.listen)
                .unwrap_or_else(|| DEFAULT_LISTEN.to_string()),
            database_url: over
                .database_url
                .clone()
                .or(file.database_url)
                .unwrap_or_else(|| DEFAULT_DATABASE_URL.to_string()),
            allow_private_networks,
            metrics_token: over
                .metrics_token
                .clone()
                .or(file.metrics_token)
                .filter(|t| !t.is_empty()),
            delivery_lease_secs: over
                .delivery_lease_secs
                .or(file.delivery_lease_secs)
                .unwrap_or(120)
                .max(1),
            server_rate_limit: over
                .server_rate_limit
                .or(file.server_rate_limit)
                .unwrap_or(DEFAULT_SERVER_RATE_LIMIT),
            account_rate_limit: over
                .account_rate_limit
                .or(file.account_rate_limit)
                .unwrap_or(DEFAULT_ACCOUNT_RATE_LIMIT),
        })
    }

    /// The base URL as a string without trailing slash, for building ids.
    pub fn base(&self) -> &str {
        self.base_url.as_str().trim_end_matches('/')
    }

    /// The domain part of `@name@domain`: the host, plus the port when the
    /// base URL names one (test servers and local setups run on ports).
    pub fn acct_domain(&self) -> String {
        let host = self.base_url.host_str().unwrap_or_default();
        match self.base_url.port() {
            Some(port) => format!("{host}:{port}"),
            None => host.to_string(),
        }
    }
}

fn read_file(path: &Path) -> anyhow::Result<FileConfig> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read config file {}", path.display()))?;
    toml::from_str(&text).with_context(|| format!("invalid config file {}", path.display()))
}

fn parse_bool(v: &str) -> anyhow::Result<bool> {
    match v.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" | "" => Ok(false),
        other => bail!("expected true or false, got {other:?}"),
    }
}

/// Ids are built by appending paths, so the base URL must be a bare origin.
fn parse_base_url(raw: &str) -> anyhow::Result<Url> {
    let url = Url::parse(raw).with_context(|| format!("DEMESH_BASE_URL {raw:?} is not a URL"))?;
    if !matches!(url.scheme(), "http" | "https") {
        bail!("DEMESH_BASE_URL {raw:?} must start with https:// (or http:// for local testing)");
    }
    if url.host_str().is_none() {
        bail!("DEMESH_BASE_URL {raw:?} has no host");
    }
    if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
        bail!(
            "DEMESH_BASE_URL {raw:?} must be an origin only, like https://relay.example (no path)"
        );
    }
    if !url.username().is_empty() || url.password().is_some() {
        bail!("DEMESH_BASE_URL {raw:?} must not contain credentials");
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_apply_when_nothing_is_set() {
        let c = Config::resolve(&Overrides::default(), FileConfig::default()).expect("defaults");
        assert_eq!(c.base(), "http://localhost:8080");
        assert_eq!(c.acct_domain(), "localhost:8080");
        assert_eq!(c.listen, "127.0.0.1:8080");
        assert_eq!(c.database_url, "sqlite://demesh.db");
        assert!(!c.allow_private_networks);
        assert_eq!((c.server_rate_limit, c.account_rate_limit), (600, 60));
    }

    #[test]
    fn flags_and_env_win_over_the_file() {
        let file: FileConfig = toml::from_str(
            "base_url = \"https://file.example\"\nlisten = \"0.0.0.0:1\"\nDATABASE_URL = \"sqlite://f.db\"\nallow_private_networks = true",
        )
        .expect("toml");
        let over = Overrides {
            base_url: Some("https://relay.example/".into()),
            ..Overrides::default()
        };
        let c = Config::resolve(&over, file).expect("resolve");
        assert_eq!(c.base(), "https://relay.example");
        assert_eq!(c.acct_domain(), "relay.example");
        assert_eq!(c.listen, "0.0.0.0:1");
        assert_eq!(c.database_url, "sqlite://f.db");
        assert!(c.allow_private_networks);
    }

    #[test]
    fn bad_values_are_refused_with_the_variable_named() {
        for bad in ["ftp://x.example", "https://x.example/sub", "not a url"] {
            let over = Overrides {
                base_url: Some(bad.into()),
                ..Overrides::default()
            };
            let err = Config::resolve(&over, FileConfig::default()).expect_err(bad);
            assert!(err.to_string().contains("DEMESH_BASE_URL"), "{err}");
        }
        let over = Overrides {
            allow_private_networks: Some("maybe".into()),
            ..Overrides::default()
        };
        assert!(Config::resolve(&over, FileConfig::default()).is_err());
        assert!(toml::from_str::<FileConfig>("colour = \"red\"").is_err());
    }
}
