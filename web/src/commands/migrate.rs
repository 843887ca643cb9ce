//! `herald migrate`: run pending migrations and exit.

use crate::commands::bootstrap;
use crate::config::Settings;

pub fn run(settings: &Settings) -> anyhow::Result<()> {
    let store = bootstrap::open_store(settings)?;
    let applied = store.migrate()?;
    if applied.is_empty() {
        println!("the database schema is current; nothing to do");
    } else {
        for version in &applied {
            println!("applied {version}");
        }
        println!("{} migration(s) applied", applied.len());
    }
    Ok(())
}
