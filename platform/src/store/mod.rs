//! Herald's store: diesel over SQLite or PostgreSQL (one schema, portable types), r2d2
//! pools, embedded migrations, and one repository module per table area.
//!
//! Every function that reads or writes tenant data takes a [`crate::ids::TenantId`]; a row
//! of another tenant behaves exactly like a missing one. Functions take
//! `&mut DbConnection` so that callers compose them inside one transaction.

mod connection;
mod convert;
mod error;
mod handle;
pub mod migrate;
pub mod schema;
mod tx;
mod url;

pub mod accounts;
pub mod agencies;
pub mod api_keys;
pub mod claims;
pub mod connect_links;
pub mod connections;
pub mod idempotency;
pub mod inbound_events;
pub mod invitations;
pub mod leases;
pub mod media;
pub mod oauth_states;
pub mod outbox;
pub mod post_events;
pub mod posts;
pub mod posts_list;
pub mod posts_transition;
pub mod sessions;
pub mod tenants;
pub mod users;
pub mod webhook_deliveries;
pub mod webhooks;

pub use connection::{ConnectError, DbConnection, DbManager, MultiBackend, SqlitePragmas};
pub use error::StoreError;
pub use handle::{PooledDb, Store, StoreOptions};
pub use tx::write_transaction;
pub use url::{Backend, DatabaseUrl, DATABASE_URL_SETTING};

/// Result of a store call.
pub type StoreResult<T> = Result<T, StoreError>;

// Repository functions for the REST API, its services and Meta's inbound webhooks.
pub mod accounts_api;
pub mod connect_links_api;
pub mod idempotency_api;
pub mod media_api;
pub mod meta_inbound_api;
pub mod posts_api;
pub mod tenants_api;
pub mod transaction_api;
pub mod webhook_endpoints_api;

// Repository functions for the dashboard (sign-up, sessions, tenant pages, timelines).
pub mod auth_ui;
pub mod connect_ui;
pub mod gauges;
pub mod team_ui;
pub mod tenants_ui;
pub mod timeline_ui;
