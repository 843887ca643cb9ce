//! `herald-web`: the composition root. It owns the `herald` binary, reads the settings,
//! wires the adapters into the platform, and serves the dashboard, the REST API, the
//! OAuth connect flow, Meta's webhooks, the metrics and the health checks.
//!
//! Dependencies point one way: web → platform ← adapters. Nothing depends on this crate
//! but the end-to-end tests.

pub mod api;
pub mod auth;
pub mod cli;
pub mod commands;
pub mod config;
pub mod dashboard;
pub mod demo;
pub mod logging;
pub mod meta_webhooks;
pub mod oauth;
pub mod outbound;
pub mod routes;
pub mod server;
pub mod services;
pub mod wiring;

use cli::{Cli, Command, ServeArgs};
use config::Settings;

/// Runs one `herald` command to completion.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    // `herald` alone is `herald serve`: read the serve flags' environment variables too.
    let command = match cli.command {
        Some(command) => command,
        None => Command::Serve(serve_defaults_from_env()?),
    };
    let serve_args = match &command {
        Command::Serve(args) => args.clone(),
        _ => ServeArgs::default(),
    };
    let settings = Settings::load(&cli.common, &serve_args)?;
    logging::init(settings.log_format, &settings.log_filter);

    match command {
        Command::Serve(_) => commands::serve::run(settings),
        Command::Migrate => commands::migrate::run(&settings),
        Command::Keys(keys) => commands::keys::run(&settings, keys),
        Command::Sandbox(args) => commands::sandbox::run(args),
        Command::Healthcheck(args) => commands::healthcheck::run(&settings, args),
    }
}

/// `ServeArgs` as `herald serve` with no flags would read them (from `HERALD_*` variables).
fn serve_defaults_from_env() -> anyhow::Result<ServeArgs> {
    use clap::{Args, FromArgMatches};
    let command = ServeArgs::augment_args(clap::Command::new("serve"));
    let matches = command.try_get_matches_from(["serve"])?;
    Ok(ServeArgs::from_arg_matches(&matches)?)
}
