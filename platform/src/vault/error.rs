//! The vault's errors. Each names what is wrong and where; none carries key material, a
//! plaintext or a ciphertext.

use std::path::PathBuf;

/// What loading keys, sealing or opening a secret can fail with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VaultError {
    #[error("key file {path}: cannot be read: {reason}")]
    KeyFileUnreadable { path: PathBuf, reason: String },

    #[error("key file {path}: cannot be written: {reason}")]
    KeyFileUnwritable { path: PathBuf, reason: String },

    #[error("key file {path}: {rule}")]
    KeyFileMalformed { path: PathBuf, rule: String },

    #[error(
        "key file {path}: mode {mode:o} lets other users read it; it must be 600 \
         (run `chmod 600 {path}`)"
    )]
    KeyFileMode { path: PathBuf, mode: u32 },

    #[error("{source_name}: key `{key_id}` is {got} bytes long; a key must be exactly 32 bytes")]
    KeyLength {
        source_name: String,
        key_id: String,
        got: usize,
    },

    #[error("{source_name}: key `{key_id}` is not valid base64")]
    KeyEncoding { source_name: String, key_id: String },

    #[error("key id `{key_id}` is not allowed: {rule}")]
    BadKeyId { key_id: String, rule: &'static str },

    #[error("{source_name}: no keys")]
    NoKeys { source_name: String },

    #[error(
        "secret in {table}.{column} is sealed with key `{key_id}`, which is not in the keyring"
    )]
    UnknownKeyId {
        table: &'static str,
        column: &'static str,
        key_id: String,
    },

    #[error("secret in {table}.{column} has format `{version}`; this Herald reads `v1` only")]
    UnsupportedVersion {
        table: &'static str,
        column: &'static str,
        version: String,
    },

    #[error("secret in {table}.{column} is malformed: {rule}")]
    Malformed {
        table: &'static str,
        column: &'static str,
        rule: &'static str,
    },

    #[error("secret in {table}.{column} is truncated or extended (its length does not match)")]
    Truncated {
        table: &'static str,
        column: &'static str,
    },

    #[error(
        "secret in {table}.{column} belongs to another row or column: it was copied here and \
         will not decrypt"
    )]
    WrongRow {
        table: &'static str,
        column: &'static str,
    },

    #[error("secret in {table}.{column} does not decrypt: it was altered or the key is wrong")]
    Tampered {
        table: &'static str,
        column: &'static str,
    },

    #[error("secret in {table}.{column} is not valid UTF-8 after decryption")]
    NotText {
        table: &'static str,
        column: &'static str,
    },
}
