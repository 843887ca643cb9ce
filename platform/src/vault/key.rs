//! One master key: 32 random bytes and the id written into every envelope it seals.

use std::fmt;

use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use base64::Engine;
use rand::RngCore;
use zeroize::Zeroizing;

use super::VaultError;

pub const KEY_LEN: usize = 32;
const MAX_ID_LEN: usize = 40;

/// A 32-byte XChaCha20-Poly1305 key. Never printed; wiped on drop.
#[derive(Clone)]
pub struct MasterKey {
    id: String,
    bytes: Zeroizing<[u8; KEY_LEN]>,
}

impl fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MasterKey({}, ***)", self.id)
    }
}

impl MasterKey {
    /// A fresh random key with the given id.
    pub fn generate(id: &str) -> Result<Self, VaultError> {
        check_id(id)?;
        Ok(Self::random_with_id(id.to_owned()))
    }

    /// A fresh random key with a fresh id (see [`new_key_id`]).
    pub fn random() -> Self {
        Self::random_with_id(new_key_id())
    }

    fn random_with_id(id: String) -> Self {
        let mut bytes = Zeroizing::new([0u8; KEY_LEN]);
        rand::rngs::OsRng.fill_bytes(bytes.as_mut());
        Self { id, bytes }
    }

    /// A key from its base64 text (standard or URL-safe, padded or not). `source_name`
    /// says where it came from, for the error.
    pub fn from_base64(id: &str, text: &str, source_name: &str) -> Result<Self, VaultError> {
        check_id(id)?;
        let text = text.trim();
        let decoded = Zeroizing::new(
            [STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD]
                .iter()
                .find_map(|engine| engine.decode(text).ok())
                .ok_or_else(|| VaultError::KeyEncoding {
                    source_name: source_name.to_owned(),
                    key_id: id.to_owned(),
                })?,
        );
        if decoded.len() != KEY_LEN {
            return Err(VaultError::KeyLength {
                source_name: source_name.to_owned(),
                key_id: id.to_owned(),
                got: decoded.len(),
            });
        }
        let mut bytes = Zeroizing::new([0u8; KEY_LEN]);
        bytes.copy_from_slice(&decoded);
        Ok(Self {
            id: id.to_owned(),
            bytes,
        })
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    pub(crate) fn bytes(&self) -> &[u8; KEY_LEN] {
        &self.bytes
    }

    /// The key as standard base64, for writing a key file.
    pub(crate) fn to_base64(&self) -> Zeroizing<String> {
        Zeroizing::new(STANDARD.encode(self.bytes.as_ref()))
    }
}

/// Key ids appear inside envelopes between dots: letters, digits, `-` and `_` only.
pub fn check_id(id: &str) -> Result<(), VaultError> {
    let bad = |rule| {
        Err(VaultError::BadKeyId {
            key_id: id.chars().take(MAX_ID_LEN).collect(),
            rule,
        })
    };
    if id.is_empty() || id.len() > MAX_ID_LEN {
        return bad("it must be 1 to 40 characters long");
    }
    if !id
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return bad("only letters, digits, `-` and `_` are allowed");
    }
    Ok(())
}

/// A new key id: the date and a few random hex digits, e.g. `k20261204-9f3a`.
pub fn new_key_id() -> String {
    let mut tail = [0u8; 2];
    rand::rngs::OsRng.fill_bytes(&mut tail);
    format!(
        "k{}-{}",
        chrono::Utc::now().format("%Y%m%d"),
        hex::encode(tail)
    )
}
