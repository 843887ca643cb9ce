//! `herald migrate`: run pending migrations and exit.

use crate::config::Settings;

pub fn run(_settings: &Settings) -> anyhow::Result<()> {
    anyhow::bail!("migrate: the store is not wired yet")
}
