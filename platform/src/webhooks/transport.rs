//! The port through which the dispatcher sends a delivery. The platform never depends on
//! an HTTP client: `herald-web` implements [`WebhookTransport`] with its guarded reqwest
//! client, and tests may use it against receivers on 127.0.0.1.

use async_trait::async_trait;

/// One signed POST to an endpoint.
#[derive(Debug, Clone)]
pub struct WebhookRequest {
    pub url: String,
    /// `content-type`, `webhook-id`, `webhook-timestamp`, `webhook-signature`, …
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// What the receiver answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookResponse {
    pub status: u16,
    /// The raw `Retry-After` header, if any.
    pub retry_after: Option<String>,
    /// The start of the answer's body (a transport reads no more than it needs).
    pub body_start: String,
}

/// Why no answer was had.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransportError {
    /// The URL or the address it resolves to is not allowed (the SSRF guard). No
    /// connection was made.
    #[error("refused: {0}")]
    Blocked(String),
    /// The attempt took longer than its timeout.
    #[error("timed out")]
    Timeout,
    /// The connection could not be made or broke.
    #[error("connection failed: {0}")]
    Connect(String),
    /// Anything else.
    #[error("{0}")]
    Other(String),
}

/// Sends deliveries. Implementations must not follow redirects and must apply a timeout
/// per attempt.
#[async_trait]
pub trait WebhookTransport: Send + Sync {
    async fn send(&self, request: WebhookRequest) -> Result<WebhookResponse, TransportError>;
}
