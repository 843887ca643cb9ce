//! Herald's platform: the domain, the store, the vault, the actors, the scheduler and the
//! metrics registry.
//!
//! The platform defines the [`publish::Publisher`] trait that network adapters implement;
//! it never depends on an adapter, on actix-web or on reqwest. `herald-web` is the
//! composition root that wires adapters into it.

pub mod clock;
pub mod domain;
pub mod engine;
pub mod ids;
pub mod media;
pub mod metrics;
pub mod publish;
pub mod secret;
pub mod store;
pub mod vault;
pub mod webhooks;
