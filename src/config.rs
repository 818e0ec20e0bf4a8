//! Configuration: one typed struct, built once in `main` and passed by value.
//!
//! Precedence, highest first: command-line flags, environment variables,
//! `demesh.toml`, built-in defaults. clap already folds each flag with its
//! environment variable, so this module only layers the file and defaults
//! under them.

use crate::account::Contact;
use anyhow::{bail, Context};
use serde::Deserialize;
use std::path::{Path, PathBuf};
use url::Url;

pub use ipnet::IpNet;

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
    pub log_format: LogFormat,
    /// Reverse proxies whose `X-Forwarded-For` names the client.
    pub trusted_proxies: Vec<IpNet>,
    /// Where the source of the running version is published (AGPL §13).
    /// Never defaulted: only the operator knows what they run.
    pub source_url: Option<Url>,
    /// Who visitors and other admins may write to about this server.
    pub contact: Option<Contact>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Text,
    /// One JSON object per line.
    Json,
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
    pub log_format: Option<LogFormat>,
    pub trusted_proxies: Option<String>,
    pub source_url: Option<String>,
    pub contact: Option<String>,
}

/// `demesh.toml`: the same keys as the environment, in either spelling
/// (`base_url` or `DEMESH_BASE_URL`).
#[derive(Clone, Debug, Default, Deserialize)]
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
    #[serde(alias = "DEMESH_LOG_FORMAT")]
    pub log_format: Option<String>,
    /// A list, or one comma-separated string as in the environment.
    #[serde(alias = "DEMESH_TRUSTED_PROXIES")]
    pub trusted_proxies: Option<StringOrList>,
    #[serde(alias = "DEMESH_SOURCE_URL")]
    pub source_url: Option<String>,
    #[serde(alias = "DEMESH_CONTACT")]
    pub contact: Option<String>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(untagged)]
pub enum StringOrList {
    One(String),
    List(Vec<String>),
}

impl StringOrList {
    pub fn joined(&self) -> String {
        match self {
            StringOrList::One(s) => s.clone(),
            StringOrList::List(v) => v.join(","),
        }
    }
}

impl Config {
    pub fn load(over: &Overrides) -> anyhow::Result<Config> {
        let file = find_file(over)?.map(|(_, f)| f);
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
            log_format: match (over.log_format, &file.log_format) {
                (Some(f), _) => f,
                (None, Some(raw)) => parse_log_format(raw)?,
                (None, None) => LogFormat::Text,
            },
            trusted_proxies: parse_proxies(
                &over
                    .trusted_proxies
                    .clone()
                    .or(file.trusted_proxies.map(|p| p.joined()))
                    .unwrap_or_default(),
            )?,
            source_url: over
                .source_url
                .clone()
                .or(file.source_url)
                .filter(|s| !s.trim().is_empty())
                .map(|s| parse_source_url(&s))
                .transpose()?,
            contact: over
                .contact
                .clone()
                .or(file.contact)
                .filter(|s| !s.trim().is_empty())
                .map(|s| Contact::parse(&s).map_err(anyhow::Error::msg))
                .transpose()?,
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

/// The configuration file in use, if any: the one named, else
/// `./demesh.toml` when it exists.
pub fn find_file(over: &Overrides) -> anyhow::Result<Option<(PathBuf, FileConfig)>> {
    let path = match &over.config_file {
        Some(path) => path.clone(),
        None if Path::new(DEFAULT_CONFIG_FILE).exists() => PathBuf::from(DEFAULT_CONFIG_FILE),
        None => return Ok(None),
    };
    let file = read_file(&path)?;
    Ok(Some((path, file)))
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

fn parse_log_format(raw: &str) -> anyhow::Result<LogFormat> {
    match raw.trim().to_ascii_lowercase().as_str() {
        "text" => Ok(LogFormat::Text),
        "json" => Ok(LogFormat::Json),
        other => bail!("log_format is text or json, not {other:?}"),
    }
}

/// Comma-separated addresses or CIDR ranges (`10.0.0.1, 172.16.0.0/12`).
fn parse_proxies(raw: &str) -> anyhow::Result<Vec<IpNet>> {
    raw.split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| {
            let net = match p.parse::<std::net::IpAddr>() {
                Ok(addr) => Ok(IpNet::from(addr)),
                Err(_) => p.parse::<IpNet>(),
            };
            net.map_err(|_| {
                anyhow::anyhow!("DEMESH_TRUSTED_PROXIES: {p:?} is not an IP address or CIDR range")
            })
        })
        .collect()
}

/// The operator's published source: any http(s) URL of theirs.
fn parse_source_url(raw: &str) -> anyhow::Result<Url> {
    let url = Url::parse(raw.trim())
        .with_context(|| format!("DEMESH_SOURCE_URL {raw:?} is not a URL"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        bail!("DEMESH_SOURCE_URL {raw:?} must be an https:// URL where the source can be got");
    }
    Ok(url)
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

    #[test]
    fn logging_proxies_and_source_come_from_the_file_or_flags() {
        let file: FileConfig = toml::from_str(
            "log_format = \"json\"\ntrusted_proxies = [\"10.0.0.1\", \"172.16.0.0/12\"]\nsource_url = \"https://code.example/me/demesh\"",
        )
        .expect("toml");
        let c = Config::resolve(&Overrides::default(), file.clone()).expect("resolve");
        assert_eq!(c.log_format, LogFormat::Json);
        let proxies: Vec<String> = c.trusted_proxies.iter().map(|n| n.to_string()).collect();
        assert_eq!(proxies, ["10.0.0.1/32", "172.16.0.0/12"]);
        assert_eq!(
            c.source_url.map(String::from).as_deref(),
            Some("https://code.example/me/demesh")
        );
        let over = Overrides {
            log_format: Some(LogFormat::Text),
            trusted_proxies: Some("::1".into()),
            ..Overrides::default()
        };
        let c = Config::resolve(&over, file).expect("flags win");
        assert_eq!(c.log_format, LogFormat::Text);
        assert_eq!(c.trusted_proxies.len(), 1);

        let c = Config::resolve(&Overrides::default(), FileConfig::default()).expect("defaults");
        assert!(c.source_url.is_none(), "no invented source address");
        assert!(c.contact.is_none());
        let file: FileConfig =
            toml::from_str("DEMESH_CONTACT = \"@admin@social.example\"").expect("toml");
        let c = Config::resolve(&Overrides::default(), file).expect("contact");
        assert_eq!(
            c.contact.map(|c| c.as_str().to_string()).as_deref(),
            Some("@admin@social.example")
        );
        assert!(c.trusted_proxies.is_empty());
        for (key, bad) in [
            ("trusted_proxies", "\"10.0.0.300\""),
            ("source_url", "\"not a url\""),
            ("log_format", "\"xml\""),
            ("contact", "\"nobody\""),
        ] {
            let file: FileConfig = toml::from_str(&format!("{key} = {bad}")).expect("toml");
            assert!(
                Config::resolve(&Overrides::default(), file).is_err(),
                "{key}"
            );
        }
    }
}
