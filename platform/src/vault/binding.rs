//! What a sealed secret is bound to: its table, column, owning tenant (or agency) and row.
//! The binding is the AEAD's associated data, so a ciphertext copied anywhere else fails.

use sha2::{Digest, Sha256};

/// Every column that holds a vault envelope. `keys rewrap` and `keys status` walk them all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SecretColumn {
    /// `oauth_states.pkce_verifier`, scoped by tenant, row = state hash.
    PkceVerifier,
    /// `meta_connections.user_token`, scoped by tenant, row = connection id.
    UserToken,
    /// `accounts.page_token`, scoped by tenant, row = account id.
    PageToken,
    /// `webhook_endpoints.secret`, scoped by tenant (or agency), row = endpoint id.
    WebhookSecret,
    /// `webhook_endpoints.previous_secret`, likewise.
    WebhookPreviousSecret,
}

impl SecretColumn {
    pub const ALL: &'static [SecretColumn] = &[
        SecretColumn::PkceVerifier,
        SecretColumn::UserToken,
        SecretColumn::PageToken,
        SecretColumn::WebhookSecret,
        SecretColumn::WebhookPreviousSecret,
    ];

    pub fn table(&self) -> &'static str {
        match self {
            SecretColumn::PkceVerifier => "oauth_states",
            SecretColumn::UserToken => "meta_connections",
            SecretColumn::PageToken => "accounts",
            SecretColumn::WebhookSecret | SecretColumn::WebhookPreviousSecret => {
                "webhook_endpoints"
            }
        }
    }

    pub fn column(&self) -> &'static str {
        match self {
            SecretColumn::PkceVerifier => "pkce_verifier",
            SecretColumn::UserToken => "user_token",
            SecretColumn::PageToken => "page_token",
            SecretColumn::WebhookSecret => "secret",
            SecretColumn::WebhookPreviousSecret => "previous_secret",
        }
    }
}

/// The full binding of one secret. `scope` and `row` are the stored (database) forms of
/// the owning tenant or agency id and of the row's key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    pub column: SecretColumn,
    pub scope: String,
    pub row: String,
}

impl Binding {
    pub fn new(column: SecretColumn, scope: impl Into<String>, row: impl Into<String>) -> Self {
        Self {
            column,
            scope: scope.into(),
            row: row.into(),
        }
    }

    /// The associated data: a versioned, unambiguous encoding of the four parts.
    pub fn associated_data(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(64 + self.scope.len() + self.row.len());
        for part in [
            "herald.vault.v1",
            self.column.table(),
            self.column.column(),
            &self.scope,
            &self.row,
        ] {
            out.extend_from_slice(&(part.len() as u64).to_be_bytes());
            out.extend_from_slice(part.as_bytes());
        }
        out
    }

    /// Four bytes that tell a copied ciphertext from a tampered one. Not secret: the row a
    /// secret lives in is already known to whoever can read it.
    pub fn fingerprint(&self) -> [u8; 4] {
        let digest = Sha256::digest(self.associated_data());
        [digest[0], digest[1], digest[2], digest[3]]
    }
}
