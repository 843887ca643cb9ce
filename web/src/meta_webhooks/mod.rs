//! Inbound from Meta at `/webhooks/meta`: the subscription check, signed event
//! notifications (verified over the raw bytes, stored once, answered fast, then mapped to
//! tenants and forwarded as `comment.received`), and the deauthorize and data-deletion
//! callbacks with their `signed_request`.

pub mod events;
pub mod routes;
pub mod signature;
pub mod signed_request;

use herald_platform::secret::Secret;

/// What Herald needs to trust Meta's calls.
#[derive(Debug, Clone)]
pub struct MetaInbound {
    /// The Meta app secret (the sandbox's in sandbox mode).
    pub app_secret: Secret,
    /// The token configured in the app's webhook subscription.
    pub verify_token: Secret,
}

pub use routes::configure;
