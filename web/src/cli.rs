//! The `herald` command line. Every flag also reads a `HERALD_*` environment variable;
//! `--config FILE` names an optional TOML file with the same keys (see `config.rs`).

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "herald",
    version,
    about = "Publish to Facebook Pages and Instagram, on time and exactly once."
)]
pub struct Cli {
    #[command(flatten)]
    pub common: CommonArgs,

    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Settings shared by every subcommand. Unset ones fall back to the config file, then to
/// the defaults.
#[derive(Debug, Args, Default, Clone)]
pub struct CommonArgs {
    /// A TOML file with settings (keys as in the README's settings table).
    #[arg(long, global = true, env = "HERALD_CONFIG")]
    pub config: Option<PathBuf>,

    /// Where Herald keeps its SQLite database, development keyring and media.
    #[arg(long, global = true, env = "HERALD_DATA_DIR")]
    pub data_dir: Option<PathBuf>,

    /// `sqlite://PATH` or `postgres://…`; default: SQLite in the data directory.
    #[arg(
        long,
        global = true,
        env = "HERALD_DATABASE_URL",
        hide_env_values = true
    )]
    pub database_url: Option<String>,

    /// `development` (the default) or `production`.
    #[arg(long = "env", global = true, env = "HERALD_ENV")]
    pub environment: Option<String>,

    /// A keyring file (JSON) holding the vault's keys.
    #[arg(long, global = true, env = "HERALD_KEYRING_FILE")]
    pub keyring_file: Option<PathBuf>,

    /// `text` (the default) or `json`.
    #[arg(long, global = true, env = "HERALD_LOG_FORMAT")]
    pub log_format: Option<String>,

    /// A `RUST_LOG`-style filter, e.g. `info,herald=debug`.
    #[arg(long, global = true, env = "HERALD_LOG")]
    pub log: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server (the default).
    Serve(ServeArgs),
    /// Run pending database migrations and exit.
    Migrate,
    /// Manage the vault's keys.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Run the Meta sandbox alone.
    Sandbox(SandboxArgs),
    /// Exit 0 when the server at the configured address answers /readyz.
    Healthcheck(HealthcheckArgs),
}

#[derive(Debug, Args, Default, Clone)]
pub struct ServeArgs {
    /// Address to listen on (default 127.0.0.1:8080).
    #[arg(long, env = "HERALD_LISTEN")]
    pub listen: Option<SocketAddr>,

    /// The URL at which browsers and Meta reach this server (default http://LISTEN).
    #[arg(long, env = "HERALD_PUBLIC_URL")]
    pub public_url: Option<String>,

    /// A real Meta app's id; with the secret, Herald talks to Meta instead of the sandbox.
    #[arg(long, env = "HERALD_META_APP_ID")]
    pub meta_app_id: Option<String>,

    /// The Meta app's secret.
    #[arg(long, env = "HERALD_META_APP_SECRET", hide_env_values = true)]
    pub meta_app_secret: Option<String>,

    /// Graph API version, e.g. v26.0.
    #[arg(long, env = "HERALD_META_API_VERSION")]
    pub meta_api_version: Option<String>,

    /// Mount the Meta sandbox at /sandbox: `auto` (when no Meta app is set), `on`, `off`.
    #[arg(long, env = "HERALD_SANDBOX")]
    pub sandbox: Option<String>,

    /// Seed a demo agency, a tenant with sandbox accounts and a few posts.
    #[arg(long, env = "HERALD_DEMO")]
    pub demo: bool,

    /// How many demo clients (tenants) `--demo` seeds, each with its own sandbox Pages.
    #[arg(long, env = "HERALD_DEMO_TENANTS")]
    pub demo_tenants: Option<u32>,

    /// Use a Meta sandbox running elsewhere (`herald sandbox`) instead of mounting one,
    /// e.g. `http://127.0.0.1:8090`. Nodes that share a database share a sandbox this way.
    #[arg(long, env = "HERALD_SANDBOX_URL")]
    pub sandbox_url: Option<String>,

    /// How long a node's lease on a tenant lasts unless renewed, in seconds (scale-out:
    /// a stopped node's tenants move to live nodes once it lapses). Default 60.
    #[arg(long, env = "HERALD_LEASE_SECONDS")]
    pub lease_seconds: Option<u64>,
}

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Write a new keyring file with one fresh key.
    Generate {
        /// Where to write it (default: the configured keyring file).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Add a fresh key to the keyring and make it the active one.
    Rotate,
    /// Re-encrypt every stored secret under the active key.
    Rewrap {
        /// Secrets per transaction.
        #[arg(long, default_value_t = 500)]
        batch: usize,
    },
    /// Show how many stored secrets each key still protects.
    Status,
}

#[derive(Debug, Args)]
pub struct SandboxArgs {
    /// Address to listen on.
    #[arg(long, env = "HERALD_SANDBOX_LISTEN", default_value = "127.0.0.1:8090")]
    pub listen: SocketAddr,
}

#[derive(Debug, Args)]
pub struct HealthcheckArgs {
    /// The server to ask (default: the configured listen address).
    #[arg(long, env = "HERALD_LISTEN")]
    pub listen: Option<SocketAddr>,
}
