//! The token vault.
