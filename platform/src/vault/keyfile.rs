//! Key files: a keyring stored as JSON with mode 0600, written atomically.
//!
//! ```json
//! { "active": "k20261204-9f3a", "keys": [ { "id": "k20261204-9f3a", "key": "<base64>" } ] }
//! ```

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::{Keyring, MasterKey, VaultError};

/// The development keyring's file name inside the data directory.
pub const DEV_KEYRING_FILE: &str = "master-key.dev.json";

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyFile {
    active: String,
    keys: Vec<KeyEntry>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyEntry {
    id: String,
    key: String,
}

impl Drop for KeyEntry {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.key);
    }
}

/// The result of [`Keyring::generate_dev`].
#[derive(Debug)]
pub struct DevKeyring {
    pub keyring: Keyring,
    pub path: PathBuf,
    /// True when the file was created by this call (warn loudly then).
    pub created: bool,
}

impl Keyring {
    /// Loads a key file. Refuses a file other users can read, a malformed file, a key of the
    /// wrong length, and an `active` id that names no key.
    pub fn load(path: &Path) -> Result<Self, VaultError> {
        check_mode(path)?;
        let text = Zeroizing::new(fs::read_to_string(path).map_err(|err| {
            VaultError::KeyFileUnreadable {
                path: path.to_owned(),
                reason: err.kind().to_string(),
            }
        })?);
        let file: KeyFile = serde_json::from_str(&text).map_err(|err| {
            // serde_json's own message may quote a value (a key); give only where and what.
            VaultError::KeyFileMalformed {
                path: path.to_owned(),
                rule: format!(
                    "not a valid key file ({:?} error at line {}, column {}); expected                      {{\"active\": ID, \"keys\": [{{\"id\": ID, \"key\": BASE64}}]}}",
                    err.classify(),
                    err.line(),
                    err.column()
                ),
            }
        })?;

        let source_name = format!("key file {}", path.display());
        let mut keys = Vec::with_capacity(file.keys.len());
        for entry in &file.keys {
            keys.push(MasterKey::from_base64(&entry.id, &entry.key, &source_name)?);
        }
        let Some(position) = keys.iter().position(|k| k.id() == file.active) else {
            return Err(VaultError::KeyFileMalformed {
                path: path.to_owned(),
                rule: format!(
                    "`active` names key `{}`, which is not in `keys`",
                    file.active
                ),
            });
        };
        let active = keys.remove(position);
        Ok(Keyring::new(active, keys))
    }

    /// Writes the keyring to `path` with mode 0600, replacing it atomically.
    pub fn save(&self, path: &Path) -> Result<(), VaultError> {
        let file = KeyFile {
            active: self.active_id().to_owned(),
            keys: self
                .keys()
                .map(|k| KeyEntry {
                    id: k.id().to_owned(),
                    key: k.to_base64().to_string(),
                })
                .collect(),
        };
        let text = Zeroizing::new(serde_json::to_string_pretty(&file).map_err(|err| {
            VaultError::KeyFileUnwritable {
                path: path.to_owned(),
                reason: err.to_string(),
            }
        })?);

        let unwritable = |err: std::io::Error| VaultError::KeyFileUnwritable {
            path: path.to_owned(),
            reason: err.to_string(),
        };
        let tmp = path.with_extension("tmp");
        let _ = fs::remove_file(&tmp);
        let mut out = open_private(&tmp).map_err(unwritable)?;
        out.write_all(text.as_bytes()).map_err(unwritable)?;
        out.sync_all().map_err(unwritable)?;
        fs::rename(&tmp, path).map_err(unwritable)
    }

    /// Loads the development keyring from `data_dir`, creating it (mode 0600) if missing.
    pub fn generate_dev(data_dir: &Path) -> Result<DevKeyring, VaultError> {
        let path = data_dir.join(DEV_KEYRING_FILE);
        if path.exists() {
            return Ok(DevKeyring {
                keyring: Keyring::load(&path)?,
                path,
                created: false,
            });
        }
        fs::create_dir_all(data_dir).map_err(|err| VaultError::KeyFileUnwritable {
            path: path.clone(),
            reason: err.to_string(),
        })?;
        let keyring = Keyring::generate();
        keyring.save(&path)?;
        Ok(DevKeyring {
            keyring,
            path,
            created: true,
        })
    }
}

/// `keys rotate`: adds a fresh key to the file at `path` and makes it active. Returns the
/// new key id. The older keys stay, decrypt-only, until a rewrap has moved every secret.
pub fn rotate(path: &Path) -> Result<String, VaultError> {
    let mut keyring = Keyring::load(path)?;
    let key = MasterKey::random();
    let id = key.id().to_owned();
    if keyring.key_ids().any(|existing| existing == id) {
        return Err(VaultError::BadKeyId {
            key_id: id,
            rule: "a key with this id already exists",
        });
    }
    keyring.add_active(key);
    keyring.save(path)?;
    Ok(id)
}

#[cfg(unix)]
fn open_private(path: &Path) -> std::io::Result<fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
}

#[cfg(not(unix))]
fn open_private(path: &Path) -> std::io::Result<fs::File> {
    fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
}

#[cfg(unix)]
fn check_mode(path: &Path) -> Result<(), VaultError> {
    use std::os::unix::fs::PermissionsExt;
    let meta = fs::metadata(path).map_err(|err| VaultError::KeyFileUnreadable {
        path: path.to_owned(),
        reason: err.kind().to_string(),
    })?;
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(VaultError::KeyFileMode {
            path: path.to_owned(),
            mode,
        });
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_mode(_path: &Path) -> Result<(), VaultError> {
    Ok(())
}
