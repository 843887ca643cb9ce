//! Business operations shared by the REST API and the dashboard: tenants, connect links,
//! posts, media, API keys and webhook endpoints. Each takes the caller's agency (and
//! tenant) explicitly, checks ownership, and runs its database work in one transaction.
//! Functions here are blocking (diesel): call them from `web::block`.

pub mod api_keys;
pub mod caller;
pub mod connect_links;
pub mod context;
pub mod media;
pub mod posts;
pub mod tenants;
pub mod webhook_endpoints;

pub use caller::Caller;
pub use context::{no_wake, Services, Waker, DEFAULT_MAX_MEDIA_BYTES};

use herald_platform::publish::Violation;
use herald_platform::store::StoreError;

/// What a service call can fail with, in the domain's words. The web layers map it to
/// their status codes.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// Missing, or another tenant's (which must look the same).
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{field}: {rule}")]
    Invalid { field: String, rule: String },
    /// The post breaks the network's rules: every violation, each naming its field.
    #[error("the post breaks {} rule(s)", .0.len())]
    Violations(Vec<Violation>),
    #[error("{message}")]
    Conflict { code: &'static str, message: String },
    /// The caller may not do this (an API key limited to another tenant).
    #[error("{0}")]
    Forbidden(String),
    #[error(transparent)]
    Store(StoreError),
    #[error("{0}")]
    Internal(String),
}

impl ServiceError {
    pub fn invalid(field: impl Into<String>, rule: impl Into<String>) -> Self {
        ServiceError::Invalid {
            field: field.into(),
            rule: rule.into(),
        }
    }
}

impl From<StoreError> for ServiceError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::NotFound { what } => ServiceError::NotFound(what),
            StoreError::Invalid { field, rule } => ServiceError::Invalid { field, rule },
            other => ServiceError::Store(other),
        }
    }
}

/// Result of a service call.
pub type ServiceResult<T> = Result<T, ServiceError>;
