//! What every command that touches data opens first: the store and the keyring.

use std::fs;

use anyhow::Context;
use herald_platform::store::{Backend, DatabaseUrl, Store};
use herald_platform::vault::Keyring;

use crate::config::Settings;

/// Opens the database named by the settings, creating the data directory for SQLite.
pub fn open_store(settings: &Settings) -> anyhow::Result<Store> {
    let url = settings.database_url.expose();
    if DatabaseUrl::parse(url)?.backend() == Backend::Sqlite {
        let created = !settings.data_dir.exists();
        fs::create_dir_all(&settings.data_dir).with_context(|| {
            format!(
                "cannot create the data directory `{}`",
                settings.data_dir.display()
            )
        })?;
        // The database holds hashed and sealed secrets: keep it to Herald's user.
        #[cfg(unix)]
        if created {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(&settings.data_dir, fs::Permissions::from_mode(0o700))?;
        }
    }
    Ok(Store::open(url)?)
}

/// Loads the configured keyring, or the development keyring (created on first start).
pub fn load_keyring(settings: &Settings) -> anyhow::Result<Keyring> {
    if settings.keyring_configured {
        return Ok(Keyring::load(&settings.keyring_file)?);
    }
    let dev = Keyring::generate_dev(&settings.data_dir)?;
    if dev.created {
        tracing::warn!(
            vault.keyring = %dev.path.display(),
            "generated a DEVELOPMENT keyring; set HERALD_KEYRING_FILE for production"
        );
    } else {
        tracing::warn!(
            vault.keyring = %dev.path.display(),
            "using the DEVELOPMENT keyring; set HERALD_KEYRING_FILE for production"
        );
    }
    Ok(dev.keyring)
}
