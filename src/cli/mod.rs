//! The `demesh` command line. Every command reads the same configuration as
//! the server and works on the database directly, running server or not.

mod block;
mod group;
mod inbox;
mod member;
mod output;
mod post;
mod queue;
mod serve;

use crate::config::{Config, Overrides};
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "demesh",
    version,
    about = "Private groups for the fediverse",
    long_about = "demesh hosts private groups as ActivityPub Group actors. People follow \
                  @group@your.host from Mastodon or any fediverse app, an admin approves them \
                  with this CLI, and the group shares each member post with the members only.\n\n\
                  Configuration comes from flags, then environment variables, then demesh.toml \
                  (in the current directory, or --config), then defaults."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// TOML file with the same keys as the environment (default: ./demesh.toml if present)
    #[arg(long, global = true, env = "DEMESH_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Public URL of this server; every id starts with it [default: http://localhost:8080]
    #[arg(long, global = true, env = "DEMESH_BASE_URL", value_name = "URL")]
    pub base_url: Option<String>,
    /// Address the server binds [default: 127.0.0.1:8080]
    #[arg(long, global = true, env = "DEMESH_LISTEN", value_name = "ADDR")]
    pub listen: Option<String>,
    /// sqlite://PATH or postgres://USER@HOST/DB [default: sqlite://demesh.db]
    #[arg(long, global = true, env = "DATABASE_URL", value_name = "URL")]
    pub database_url: Option<String>,
    /// Allow http:// and loopback/private-network peers (local testing only)
    #[arg(
        long,
        global = true,
        env = "DEMESH_ALLOW_PRIVATE_NETWORKS",
        value_name = "BOOL",
        num_args = 0..=1,
        default_missing_value = "true"
    )]
    pub allow_private_networks: Option<String>,
    /// Token that unlocks /metrics (Authorization: Bearer TOKEN); unset: no /metrics
    #[arg(
        long,
        global = true,
        env = "DEMESH_METRICS_TOKEN",
        value_name = "TOKEN",
        hide_env_values = true
    )]
    pub metrics_token: Option<String>,
    /// Seconds a worker's claim on a delivery lasts before another process may take it over
    #[arg(
        long,
        global = true,
        env = "DEMESH_DELIVERY_LEASE_SECS",
        value_name = "SECS",
        hide = true
    )]
    pub delivery_lease_secs: Option<u64>,
    /// Inbox requests per minute one remote server may make; 0 disables [default: 600]
    #[arg(
        long,
        global = true,
        env = "DEMESH_SERVER_RATE_LIMIT",
        value_name = "N"
    )]
    pub server_rate_limit: Option<u32>,
    /// Activities per minute one remote account may send; 0 disables [default: 60]
    #[arg(
        long,
        global = true,
        env = "DEMESH_ACCOUNT_RATE_LIMIT",
        value_name = "N"
    )]
    pub account_rate_limit: Option<u32>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server (applies pending migrations first)
    Serve(serve::ServeOpts),
    /// Apply pending database migrations and exit
    Migrate,
    /// Create, list, show, change and delete groups
    #[command(subcommand)]
    Group(group::GroupCommand),
    /// Pending follow requests
    #[command(subcommand)]
    Request(member::RequestCommand),
    /// Approve, reject, remove, list and pre-approve members
    #[command(subcommand)]
    Member(member::MemberCommand),
    /// Block or unblock domains and accounts (server-wide)
    #[command(subcommand)]
    Block(block::BlockCommand),
    /// List the group's posts; remove one (moderation)
    #[command(subcommand)]
    Post(post::PostCommand),
    /// Delivery status per server
    Queue {
        #[arg(long)]
        json: bool,
    },
    /// Stored incoming activities not processed yet, or given up on
    #[command(
        long_about = "Stored incoming activities not processed yet: waiting for the worker, or \
                      retrying after a failure (with backoff, up to 15 attempts over about 6 \
                      hours). With --failed, those whose retries ran out, with their error; \
                      they are never retried."
    )]
    Inbox {
        /// List the activities given up on instead
        #[arg(long)]
        failed: bool,
        #[arg(long)]
        json: bool,
    },
}

impl GlobalArgs {
    fn overrides(&self) -> Overrides {
        Overrides {
            config_file: self.config.clone(),
            base_url: self.base_url.clone(),
            listen: self.listen.clone(),
            database_url: self.database_url.clone(),
            allow_private_networks: self.allow_private_networks.clone(),
            metrics_token: self.metrics_token.clone(),
            delivery_lease_secs: self.delivery_lease_secs,
            server_rate_limit: self.server_rate_limit,
            account_rate_limit: self.account_rate_limit,
        }
    }
}

/// Runs a parsed command line. Errors are reported by `main` on stderr.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    let config = Config::load(&cli.global.overrides())?;
    match cli.command {
        Command::Serve(opts) => serve::serve(config, opts),
        Command::Migrate => serve::migrate(config),
        Command::Group(cmd) => group::run(config, cmd),
        Command::Request(cmd) => member::run_request(config, cmd),
        Command::Member(cmd) => member::run_member(config, cmd),
        Command::Block(cmd) => block::run(config, cmd),
        Command::Post(cmd) => post::run(config, cmd),
        Command::Queue { json } => queue::run(config, json),
        Command::Inbox { failed, json } => inbox::run(config, failed, json),
    }
}

/// Whether this command line runs the server (it logs at `info` by default;
/// admin commands stay quiet so their output is only what was asked for).
pub fn is_server(cli: &Cli) -> bool {
    matches!(cli.command, Command::Serve(_))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn verify_cli() {
        Cli::command().debug_assert();
    }

    #[test]
    fn flags_parse_where_the_design_puts_them() {
        let cli = Cli::try_parse_from([
            "demesh",
            "group",
            "create",
            "club",
            "--display-name",
            "Book club",
            "--database-url",
            "sqlite://x.db",
        ])
        .expect("parse");
        assert_eq!(cli.global.database_url.as_deref(), Some("sqlite://x.db"));
        assert!(matches!(cli.command, Command::Group(_)));
        let cli = Cli::try_parse_from(["demesh", "serve", "--allow-private-networks"])
            .expect("bare flag");
        assert_eq!(cli.global.allow_private_networks.as_deref(), Some("true"));
    }
}
