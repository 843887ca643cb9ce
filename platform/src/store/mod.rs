//! Herald's store: diesel over SQLite or PostgreSQL (one schema, portable types), r2d2
//! pools, embedded migrations, and one repository module per table area.
//!
//! Every function that reads or writes tenant data takes a [`crate::ids::TenantId`]; a row
//! of another tenant behaves exactly like a missing one. Functions take
//! `&mut DbConnection` so that callers compose them inside one transaction.

mod connection;
mod error;
mod handle;
pub mod migrate;
pub mod schema;
mod url;

pub use connection::{ConnectError, DbConnection, DbManager, SqlitePragmas};
pub use error::StoreError;
pub use handle::{PooledDb, Store, StoreOptions};
pub use url::{Backend, DatabaseUrl, DATABASE_URL_SETTING};

/// Result of a store call.
pub type StoreResult<T> = Result<T, StoreError>;
