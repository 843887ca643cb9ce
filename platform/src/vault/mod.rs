//! The token vault: every secret Herald stores (Meta user and Page tokens, webhook signing
//! secrets, PKCE verifiers) is sealed with XChaCha20-Poly1305 under a keyring, bound to its
//! table, column, tenant (or agency) and row.
//!
//! Stored form: `v1.<key id>.<base64url(nonce | ciphertext)>` (see [`envelope`]). The
//! 24-byte nonce is 16 random bytes plus 8 bytes (a fingerprint of the binding and the
//! plaintext length) that let a failure say whether the value was cut short, copied from
//! another row, or altered; all 24 bytes are authenticated.
//! `keys rotate` is [`rotate`]; `keys rewrap` is [`rewrap`]; `keys status` is [`status`].

mod binding;
pub mod columns;
pub mod envelope;
mod error;
mod key;
mod keyfile;
mod keyring;
mod rewrap;

pub use binding::{Binding, SecretColumn};
pub use error::VaultError;
pub use key::{check_id, new_key_id, MasterKey, KEY_LEN};
pub use keyfile::{rotate, DevKeyring, DEV_KEYRING_FILE};
pub use keyring::{Keyring, MASTER_KEY_SETTING};
pub use rewrap::{rewrap, status, ColumnReport, RewrapReport};
