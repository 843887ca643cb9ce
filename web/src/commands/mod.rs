//! One file per `herald` subcommand.

pub mod bootstrap;
pub mod healthcheck;
pub mod keys;
pub mod migrate;
pub mod sandbox;
pub mod serve;
