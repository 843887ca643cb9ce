//! The stored form of a secret: `v1.<key id>.<base64url(nonce | ciphertext)>`.
//!
//! XChaCha20-Poly1305 with the [`Binding`] as associated data. The 24-byte nonce is 16
//! random bytes, then 4 bytes fingerprinting the binding, then the plaintext length (u32,
//! big-endian). Those 8 bytes are authenticated like the rest (they are part of the nonce)
//! and let a failure say which of three things happened: the envelope was cut or padded,
//! it was copied from another row, or it was altered.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chacha20poly1305::aead::{Aead, Payload};
use chacha20poly1305::{KeyInit, XChaCha20Poly1305, XNonce};
use rand::RngCore;

use super::{Binding, MasterKey, VaultError};
use crate::secret::Secret;

pub const VERSION: &str = "v1";
const NONCE_LEN: usize = 24;
const RANDOM_LEN: usize = 16;
const TAG_LEN: usize = 16;

/// Seals `plaintext` under `key`, bound to `binding`.
pub fn seal(key: &MasterKey, binding: &Binding, plaintext: &str) -> String {
    let mut nonce = [0u8; NONCE_LEN];
    rand::rngs::OsRng.fill_bytes(&mut nonce[..RANDOM_LEN]);
    nonce[RANDOM_LEN..RANDOM_LEN + 4].copy_from_slice(&binding.fingerprint());
    let len = u32::try_from(plaintext.len()).unwrap_or(u32::MAX);
    nonce[RANDOM_LEN + 4..].copy_from_slice(&len.to_be_bytes());

    let cipher = XChaCha20Poly1305::new(key.bytes().into());
    let aad = binding.associated_data();
    let payload = Payload {
        msg: plaintext.as_bytes(),
        aad: &aad,
    };
    // Encryption only fails for messages beyond the cipher's limit (256 GiB).
    let ciphertext = cipher
        .encrypt(XNonce::from_slice(&nonce), payload)
        .unwrap_or_default();

    let mut blob = Vec::with_capacity(NONCE_LEN + ciphertext.len());
    blob.extend_from_slice(&nonce);
    blob.extend_from_slice(&ciphertext);
    format!("{VERSION}.{}.{}", key.id(), URL_SAFE_NO_PAD.encode(blob))
}

/// The parts of an envelope, checked for shape only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed<'a> {
    pub key_id: &'a str,
    pub blob: Vec<u8>,
}

/// The key id an envelope names, if it has the `v1.<id>.` shape (for status counts).
pub fn key_id_of(envelope: &str) -> Option<&str> {
    let mut parts = envelope.splitn(3, '.');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(VERSION), Some(id), Some(_)) if !id.is_empty() => Some(id),
        _ => None,
    }
}

/// Splits an envelope, reporting bad shapes against the binding's column.
pub fn parse<'a>(envelope: &'a str, binding: &Binding) -> Result<Parsed<'a>, VaultError> {
    let (table, column) = (binding.column.table(), binding.column.column());
    let mut parts = envelope.splitn(3, '.');
    let version = parts.next().unwrap_or_default();
    let (Some(key_id), Some(data)) = (parts.next(), parts.next()) else {
        return Err(VaultError::Truncated { table, column });
    };
    if version != VERSION {
        return Err(VaultError::UnsupportedVersion {
            table,
            column,
            version: version.chars().take(8).collect(),
        });
    }
    if key_id.is_empty() {
        return Err(VaultError::Malformed {
            table,
            column,
            rule: "the key id is empty",
        });
    }
    let blob = URL_SAFE_NO_PAD.decode(data).map_err(|err| match err {
        base64::DecodeError::InvalidLength(_) | base64::DecodeError::InvalidLastSymbol(..) => {
            VaultError::Truncated { table, column }
        }
        _ => VaultError::Malformed {
            table,
            column,
            rule: "the payload is not base64url",
        },
    })?;
    if blob.len() < NONCE_LEN + TAG_LEN {
        return Err(VaultError::Truncated { table, column });
    }
    Ok(Parsed { key_id, blob })
}

/// Opens a parsed envelope with `key`.
pub fn open(key: &MasterKey, binding: &Binding, parsed: &Parsed<'_>) -> Result<Secret, VaultError> {
    let (table, column) = (binding.column.table(), binding.column.column());
    let (nonce, ciphertext) = parsed.blob.split_at(NONCE_LEN);

    let cipher = XChaCha20Poly1305::new(key.bytes().into());
    let aad = binding.associated_data();
    let payload = Payload {
        msg: ciphertext,
        aad: &aad,
    };
    match cipher.decrypt(XNonce::from_slice(nonce), payload) {
        Ok(plain) => String::from_utf8(plain)
            .map(Secret::new)
            .map_err(|_| VaultError::NotText { table, column }),
        Err(_) => {
            // Explain the failure from the authenticated header bytes.
            let mut len = [0u8; 4];
            len.copy_from_slice(&nonce[RANDOM_LEN + 4..]);
            let expected = u32::from_be_bytes(len) as usize;
            if ciphertext.len() != expected + TAG_LEN {
                Err(VaultError::Truncated { table, column })
            } else if nonce[RANDOM_LEN..RANDOM_LEN + 4] != binding.fingerprint() {
                Err(VaultError::WrongRow { table, column })
            } else {
                Err(VaultError::Tampered { table, column })
            }
        }
    }
}
