//! The keyring: one active key that seals, and older keys kept to open what they sealed.

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};

use super::envelope::{self, key_id_of};
use super::{Binding, MasterKey, VaultError};
use crate::secret::Secret;

/// Where [`Keyring::from_env_value`] reports errors against.
pub const MASTER_KEY_SETTING: &str = "HERALD_MASTER_KEY";

/// The active key and the decrypt-only older keys.
#[derive(Clone)]
pub struct Keyring {
    active: String,
    keys: BTreeMap<String, MasterKey>,
}

impl std::fmt::Debug for Keyring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keyring")
            .field("active", &self.active)
            .field("key_ids", &self.keys.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl Keyring {
    /// A keyring of `active` plus `older` decrypt-only keys.
    pub fn new(active: MasterKey, older: Vec<MasterKey>) -> Self {
        let active_id = active.id().to_owned();
        let mut keys: BTreeMap<String, MasterKey> =
            older.into_iter().map(|k| (k.id().to_owned(), k)).collect();
        keys.insert(active_id.clone(), active);
        Self {
            active: active_id,
            keys,
        }
    }

    /// A keyring with one fresh random key (tests, and the first key of a new file).
    pub fn generate() -> Self {
        Self::new(MasterKey::random(), Vec::new())
    }

    /// Reads `HERALD_MASTER_KEY`-style input: `BASE64`, or `ID:BASE64`, or several such
    /// entries separated by commas, the first being active. A bare key gets an id derived
    /// from its hash, so the same key always has the same id.
    pub fn from_env_value(value: &Secret) -> Result<Self, VaultError> {
        let mut keys = Vec::new();
        for entry in value
            .expose()
            .split(',')
            .map(str::trim)
            .filter(|e| !e.is_empty())
        {
            let key = match entry.split_once(':') {
                Some((id, text)) => MasterKey::from_base64(id.trim(), text, MASTER_KEY_SETTING)?,
                None => {
                    let probe = MasterKey::from_base64("env", entry, MASTER_KEY_SETTING)?;
                    let digest = Sha256::digest(probe.bytes());
                    let id = format!("m{}", hex::encode(&digest[..4]));
                    MasterKey::from_base64(&id, entry, MASTER_KEY_SETTING)?
                }
            };
            keys.push(key);
        }
        let mut keys = keys.into_iter();
        let active = keys.next().ok_or_else(|| VaultError::NoKeys {
            source_name: MASTER_KEY_SETTING.to_owned(),
        })?;
        Ok(Self::new(active, keys.collect()))
    }

    pub fn active_id(&self) -> &str {
        &self.active
    }

    pub fn key_ids(&self) -> impl Iterator<Item = &str> {
        self.keys.keys().map(String::as_str)
    }

    pub(crate) fn keys(&self) -> impl Iterator<Item = &MasterKey> {
        self.keys.values()
    }

    /// Adds `key` and makes it the active one; the previous active key stays for decrypting.
    pub fn add_active(&mut self, key: MasterKey) {
        self.active = key.id().to_owned();
        self.keys.insert(self.active.clone(), key);
    }

    fn active_key(&self) -> &MasterKey {
        // `active` is always a key of the map: every constructor inserts it.
        &self.keys[&self.active]
    }

    /// Seals a secret under the active key, bound to `binding`.
    pub fn seal(&self, binding: &Binding, plaintext: &Secret) -> String {
        envelope::seal(self.active_key(), binding, plaintext.expose())
    }

    /// Opens an envelope sealed for `binding`, with whichever key it names.
    pub fn open(&self, binding: &Binding, stored: &str) -> Result<Secret, VaultError> {
        let parsed = envelope::parse(stored, binding)?;
        let key = self
            .keys
            .get(parsed.key_id)
            .ok_or_else(|| VaultError::UnknownKeyId {
                table: binding.column.table(),
                column: binding.column.column(),
                key_id: parsed.key_id.chars().take(40).collect(),
            })?;
        envelope::open(key, binding, &parsed)
    }

    /// Whether an envelope is sealed under the active key (rewrap skips those).
    /// A key for another purpose (signing media URLs, say), derived from the active key
    /// with HMAC-SHA256 over `purpose`, so the master key itself never leaves the vault.
    /// It changes when the active key does.
    pub fn derive(&self, purpose: &str) -> Secret {
        use hmac::{Hmac, Mac};
        let mut mac = <Hmac<sha2::Sha256> as Mac>::new_from_slice(self.active_key().bytes())
            .unwrap_or_else(|_| unreachable!("HMAC takes a key of any length"));
        mac.update(purpose.as_bytes());
        Secret::new(hex::encode(mac.finalize().into_bytes()))
    }

    pub fn is_current(&self, stored: &str) -> bool {
        key_id_of(stored) == Some(self.active.as_str())
    }
}
