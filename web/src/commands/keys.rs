//! `herald keys generate | rotate | rewrap | status`.

use anyhow::bail;
use herald_platform::vault::{self, Keyring};

use crate::cli::KeysCommand;
use crate::commands::bootstrap;
use crate::config::Settings;

pub fn run(settings: &Settings, command: KeysCommand) -> anyhow::Result<()> {
    match command {
        KeysCommand::Generate { out } => {
            let path = out.unwrap_or_else(|| settings.keyring_file.clone());
            if path.exists() {
                bail!(
                    "`{}` exists already; use `herald keys rotate` to add a key to it",
                    path.display()
                );
            }
            let keyring = Keyring::generate();
            keyring.save(&path)?;
            println!(
                "wrote a new keyring to {} (mode 0600), active key {}",
                path.display(),
                keyring.active_id()
            );
            println!("point HERALD_KEYRING_FILE at it and keep a backup: secrets cannot be read without it");
        }
        KeysCommand::Rotate => {
            let id = vault::rotate(&settings.keyring_file)?;
            println!(
                "added key {id} to {} and made it active",
                settings.keyring_file.display()
            );
            println!("run `herald keys rewrap` to move existing secrets to it");
        }
        KeysCommand::Rewrap { batch } => {
            let store = bootstrap::open_store(settings)?;
            store.migrate()?;
            let keyring = bootstrap::load_keyring(settings)?;
            let report = vault::rewrap(&store, &keyring, batch)?;
            println!("active key: {}", report.active_key_id);
            println!(
                "{:<24} {:<22} {:>9} {:>9} {:>7}",
                "table", "column", "rewrapped", "current", "failed"
            );
            for column in &report.columns {
                println!(
                    "{:<24} {:<22} {:>9} {:>9} {:>7}",
                    column.table,
                    column.column,
                    column.rewrapped,
                    column.already_current,
                    column.failed
                );
                if let Some(err) = &column.first_error {
                    println!("  first failure: {err}");
                }
            }
            println!(
                "{} rewrapped, {} failed",
                report.rewrapped(),
                report.failed()
            );
            if report.failed() > 0 {
                bail!(
                    "{} secret(s) could not be opened and were left unchanged",
                    report.failed()
                );
            }
        }
        KeysCommand::Status => {
            let store = bootstrap::open_store(settings)?;
            store.migrate()?;
            let keyring = bootstrap::load_keyring(settings)?;
            let counts = vault::status(&store)?;
            println!("active key: {}", keyring.active_id());
            if counts.is_empty() {
                println!("no secrets stored yet");
            }
            for (key_id, count) in counts {
                let known = if keyring.key_ids().any(|k| k == key_id) {
                    ""
                } else {
                    "  (NOT in the keyring)"
                };
                println!("{key_id:<32} {count:>8} secret(s){known}");
            }
        }
    }
    Ok(())
}
