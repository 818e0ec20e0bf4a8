//! The `demesh` command line. Every command reads the same configuration as
//! the server and works on the database directly, running server or not.

mod audit;
mod block;
mod block_csv;
mod config_cmd;
mod demo;
mod docs;
mod group;
mod group_set;
mod inbox;
mod invite;
mod logging;
mod member;
mod output;
mod post;
mod queue;
mod report;
mod serve;

use crate::config::{Config, LogFormat, Overrides};
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
    // hide_env_values: --help must not print a password from DATABASE_URL.
    #[arg(
        long,
        global = true,
        env = "DATABASE_URL",
        value_name = "URL",
        hide_env_values = true
    )]
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
    /// Log lines as text, or one JSON object per line [default: text]
    #[arg(
        long,
        global = true,
        env = "DEMESH_LOG_FORMAT",
        value_name = "FORMAT",
        value_enum
    )]
    pub log_format: Option<LogFormat>,
    /// Reverse proxies (IPs or CIDR ranges, comma-separated) whose X-Forwarded-For names the client
    #[arg(
        long,
        global = true,
        env = "DEMESH_TRUSTED_PROXIES",
        value_name = "ADDRS"
    )]
    pub trusted_proxies: Option<String>,
    /// Where you publish the source of the demesh you run (AGPL §13); shown on NodeInfo and HTML pages
    #[arg(long, global = true, env = "DEMESH_SOURCE_URL", value_name = "URL")]
    pub source_url: Option<String>,
    /// Who visitors may write to about this server: an email or @admin@host; shown on the pages and in NodeInfo
    #[arg(long, global = true, env = "DEMESH_CONTACT", value_name = "CONTACT")]
    pub contact: Option<String>,
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
    /// Invite codes: create, list, revoke
    #[command(subcommand)]
    Invite(invite::InviteCommand),
    /// Block or unblock domains and accounts (server-wide)
    #[command(subcommand)]
    Block(block::BlockCommand),
    /// List the group's posts; remove one (moderation)
    #[command(subcommand)]
    Post(post::PostCommand),
    /// Every change an admin or moderator made, from the CLI and from moderators' apps:
    /// who, what, when, result
    Audit {
        /// Only this group's (server-wide blocks are left out)
        #[arg(long, value_name = "NAME")]
        group: Option<String>,
        /// Only entries since then: a duration back from now (30m, 12h, 7d, 2w) or an RFC 3339 time
        #[arg(long, value_name = "WHEN")]
        since: Option<String>,
        /// Only the last N entries
        #[arg(long, value_name = "N")]
        limit: Option<u32>,
        #[arg(long)]
        json: bool,
    },
    /// Reports (Flags) about the groups' posts and members: list, resolve
    #[command(subcommand)]
    Report(report::ReportCommand),
    /// Delivery status per server
    Queue {
        #[arg(long)]
        json: bool,
    },
    /// Walk the whole loop on loopback (follow, approval, post, reply, edit, removal), then exit
    ///
    /// Starts demesh on a temporary SQLite database and a loopback port, with
    /// three simulated member servers in the same process that verify the
    /// group's signatures as real servers do. Needs no account, domain or
    /// network; ignores the configuration. Exits 0 when every step passed,
    /// non-zero naming the step that failed.
    Demo,
    /// Print the effective configuration and where each value came from
    Config {
        #[arg(long)]
        json: bool,
    },
    /// Print a shell completion script (e.g. demesh completions bash > /etc/bash_completion.d/demesh)
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff), or write one page per command into --dir
    Man {
        /// Write demesh.1 and demesh-COMMAND.1 pages into this directory
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
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
            log_format: self.log_format,
            trusted_proxies: self.trusted_proxies.clone(),
            source_url: self.source_url.clone(),
            contact: self.contact.clone(),
        }
    }
}

/// Runs a parsed command line. Errors are reported by `main` on stderr.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    // These need no configuration: a broken demesh.toml must not stop them.
    match &cli.command {
        Command::Completions { shell } => return docs::completions(*shell),
        Command::Man { dir } => return docs::man(dir.as_deref()),
        Command::Demo => {
            logging::init(cli.global.log_format.unwrap_or_default(), "warn");
            return demo::run();
        }
        _ => {}
    }
    let config = Config::load(&cli.global.overrides())?;
    // The server logs at info by default; admin commands only warn, so
    // their stdout is exactly what was asked for. RUST_LOG overrides both.
    let default = if is_server(&cli) { "info" } else { "warn" };
    logging::init(config.log_format, default);
    match cli.command {
        Command::Serve(opts) => serve::serve(config, opts),
        Command::Migrate => serve::migrate(config),
        Command::Group(cmd) => group::run(config, cmd),
        Command::Request(cmd) => member::run_request(config, cmd),
        Command::Member(cmd) => member::run_member(config, cmd),
        Command::Block(cmd) => block::run(config, cmd),
        Command::Invite(cmd) => invite::run(config, cmd),
        Command::Post(cmd) => post::run(config, cmd),
        Command::Queue { json } => queue::run(config, json),
        Command::Audit {
            group,
            since,
            limit,
            json,
        } => audit::run(
            config,
            audit::Filter {
                group,
                since,
                limit,
            },
            json,
        ),
        Command::Report(cmd) => report::run(config, cmd),
        Command::Config { json } => config_cmd::run(&config, &cli.global, json),
        Command::Demo | Command::Completions { .. } | Command::Man { .. } => Ok(()),
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
