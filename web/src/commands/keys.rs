//! `herald keys generate | rotate | rewrap | status`.

use crate::cli::KeysCommand;
use crate::config::Settings;

pub fn run(_settings: &Settings, _command: KeysCommand) -> anyhow::Result<()> {
    anyhow::bail!("keys: the vault is not wired yet")
}
