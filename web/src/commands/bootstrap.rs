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

/// Holds the SQLite database for this process: SQLite serves one node, so a second
/// `herald serve` on the same file is refused instead of racing the first. The lock lives
/// as long as the returned file.
pub fn lock_sqlite(settings: &Settings) -> anyhow::Result<Option<fs::File>> {
    let DatabaseUrl::Sqlite(path) = DatabaseUrl::parse(settings.database_url.expose())? else {
        return Ok(None);
    };
    let lock_path = path.with_extension("lock");
    let file = fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .with_context(|| format!("cannot open `{}`", lock_path.display()))?;
    if file.try_lock().is_err() {
        anyhow::bail!(
            "another herald is already serving the SQLite database `{}`; SQLite serves one \
             node: stop the other one, or share a PostgreSQL database (HERALD_DATABASE_URL) \
             between nodes",
            path.display()
        );
    }
    Ok(Some(file))
}

/// Refuses to start when stored secrets were sealed with keys this keyring lacks: every
/// token would be unreadable and every post would fail, silently, otherwise.
pub fn check_keyring_covers_store(
    store: &Store,
    keyring: &Keyring,
    settings: &Settings,
) -> anyhow::Result<()> {
    let missing: Vec<(String, u64)> = herald_platform::vault::status(store)?
        .into_iter()
        .filter(|(id, _)| !keyring.key_ids().any(|known| known == id))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    let count: u64 = missing.iter().map(|(_, n)| n).sum();
    let ids: Vec<&str> = missing.iter().map(|(id, _)| id.as_str()).collect();
    anyhow::bail!(
        "the keyring `{}` lacks key(s) {} that protect {count} stored secret(s); start with the \
         keyring they were sealed with (HERALD_KEYRING_FILE)",
        settings.keyring_file.display(),
        ids.join(", ")
    )
}
