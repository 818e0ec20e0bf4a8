//! `demesh config`: the effective configuration, and where each value came
//! from (flag, environment, file, default), with secrets redacted.

use super::output::print_json;
use super::{Cli, GlobalArgs};
use crate::config::{self, Config, FileConfig, LogFormat};
use crate::db::redact_database_url;
use clap::parser::ValueSource;
use clap::{ArgMatches, CommandFactory};
use serde::Serialize;
use std::path::PathBuf;

#[derive(Serialize)]
struct Setting {
    key: &'static str,
    env: &'static str,
    value: String,
    /// `flag`, `environment`, `file` or `default`.
    source: String,
}

#[derive(Serialize)]
struct Report {
    config_file: Option<PathBuf>,
    settings: Vec<Setting>,
}

pub fn run(config: &Config, global: &GlobalArgs, json: bool) -> anyhow::Result<()> {
    let file = config::find_file(&global.overrides())?;
    let matches = Cli::command()
        .try_get_matches_from(std::env::args_os())
        .ok();
    let report = report(config, file, matches.as_ref());
    if json {
        return print_json(&report);
    }
    match &report.config_file {
        Some(path) => println!("configuration file: {}", path.display()),
        None => println!("configuration file: none (no ./demesh.toml, no --config)"),
    }
    for s in &report.settings {
        println!("{:<24} {:<40} {}", s.key, s.value, s.source);
    }
    Ok(())
}

fn report(
    config: &Config,
    file: Option<(PathBuf, FileConfig)>,
    matches: Option<&ArgMatches>,
) -> Report {
    let (path, f) = match file {
        Some((path, f)) => (Some(path), f),
        None => (None, FileConfig::default()),
    };
    let unset = || "unset".to_string();
    let rows: Vec<(&'static str, &'static str, bool, String)> = vec![
        (
            "base_url",
            "DEMESH_BASE_URL",
            f.base_url.is_some(),
            config.base().to_string(),
        ),
        (
            "listen",
            "DEMESH_LISTEN",
            f.listen.is_some(),
            config.listen.clone(),
        ),
        (
            "database_url",
            "DATABASE_URL",
            f.database_url.is_some(),
            redact_database_url(&config.database_url),
        ),
        (
            "allow_private_networks",
            "DEMESH_ALLOW_PRIVATE_NETWORKS",
            f.allow_private_networks.is_some(),
            config.allow_private_networks.to_string(),
        ),
        (
            "metrics_token",
            "DEMESH_METRICS_TOKEN",
            f.metrics_token.is_some(),
            match config.metrics_token {
                Some(_) => "(set, redacted)".into(),
                None => "unset: no /metrics".into(),
            },
        ),
        (
            "delivery_lease_secs",
            "DEMESH_DELIVERY_LEASE_SECS",
            f.delivery_lease_secs.is_some(),
            config.delivery_lease_secs.to_string(),
        ),
        (
            "server_rate_limit",
            "DEMESH_SERVER_RATE_LIMIT",
            f.server_rate_limit.is_some(),
            config.server_rate_limit.to_string(),
        ),
        (
            "account_rate_limit",
            "DEMESH_ACCOUNT_RATE_LIMIT",
            f.account_rate_limit.is_some(),
            config.account_rate_limit.to_string(),
        ),
        (
            "log_format",
            "DEMESH_LOG_FORMAT",
            f.log_format.is_some(),
            match config.log_format {
                LogFormat::Text => "text".into(),
                LogFormat::Json => "json".into(),
            },
        ),
        (
            "trusted_proxies",
            "DEMESH_TRUSTED_PROXIES",
            f.trusted_proxies.is_some(),
            if config.trusted_proxies.is_empty() {
                unset()
            } else {
                let nets: Vec<String> = config
                    .trusted_proxies
                    .iter()
                    .map(|n| n.to_string())
                    .collect();
                nets.join(",")
            },
        ),
        (
            "source_url",
            "DEMESH_SOURCE_URL",
            f.source_url.is_some(),
            config
                .source_url
                .as_ref()
                .map_or_else(unset, |u| u.to_string()),
        ),
        (
            "contact",
            "DEMESH_CONTACT",
            f.contact.is_some(),
            config
                .contact
                .as_ref()
                .map_or_else(unset, |c| c.as_str().to_string()),
        ),
    ];
    let settings = rows
        .into_iter()
        .map(|(key, env, in_file, value)| Setting {
            key,
            env,
            value,
            source: source(matches, key, env, in_file, path.as_deref()),
        })
        .collect();
    Report {
        config_file: path,
        settings,
    }
}

/// Flags and environment variables reach clap through the same argument;
/// clap remembers which one it was.
fn source(
    matches: Option<&ArgMatches>,
    key: &str,
    env: &str,
    in_file: bool,
    path: Option<&std::path::Path>,
) -> String {
    let mut level = matches;
    while let Some(m) = level {
        match m.value_source(key) {
            Some(ValueSource::CommandLine) => return format!("flag (--{})", key.replace('_', "-")),
            Some(ValueSource::EnvVariable) => return format!("environment ({env})"),
            _ => {}
        }
        level = m.subcommand().map(|(_, sub)| sub);
    }
    match (in_file, path) {
        (true, Some(path)) => format!("file ({})", path.display()),
        _ => "default".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unencoded_password_is_not_shown() {
        let config = Config::resolve(
            &crate::config::Overrides {
                database_url: Some("postgres://demesh:Xy7/abc+Q==@db/demesh".into()),
                ..Default::default()
            },
            FileConfig::default(),
        )
        .expect("config");
        let r = report(&config, None, None);
        let shown = serde_json::to_string(&r.settings).expect("json");
        assert!(
            !shown.contains("Xy7") && !shown.contains("abc+Q"),
            "{shown}"
        );
        assert!(
            shown.contains("postgres://demesh:REDACTED@db/demesh"),
            "{shown}"
        );
    }

    #[test]
    fn each_value_names_where_it_came_from() {
        let matches = Cli::command()
            .try_get_matches_from(["demesh", "config", "--listen", "0.0.0.0:9"])
            .expect("parse");
        let file: FileConfig = toml::from_str("base_url = \"https://file.example\"").expect("toml");
        let config = Config::resolve(
            &crate::config::Overrides {
                listen: Some("0.0.0.0:9".into()),
                ..Default::default()
            },
            file.clone(),
        )
        .expect("config");
        let r = report(&config, Some(("my.toml".into(), file)), Some(&matches));
        let by_key = |k: &str| {
            r.settings
                .iter()
                .find(|s| s.key == k)
                .map(|s| (s.value.clone(), s.source.clone()))
                .expect(k)
        };
        assert_eq!(
            by_key("listen"),
            ("0.0.0.0:9".into(), "flag (--listen)".into())
        );
        assert_eq!(
            by_key("base_url"),
            ("https://file.example".into(), "file (my.toml)".into())
        );
        assert_eq!(by_key("database_url").1, "default");
        assert_eq!(by_key("source_url").0, "unset");
        assert_eq!(by_key("contact").0, "unset");
    }
}
