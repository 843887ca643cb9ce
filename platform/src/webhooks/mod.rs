//! Outbound webhooks, following the Standard Webhooks specification.
//!
//! Events are written to the outbox in the transaction of the change they report
//! ([`queue::insert_event`]); the [`dispatcher::WebhookDispatcher`] fans them out to the
//! agency's endpoints, signs each delivery with every active `whsec_` secret, and retries
//! on the [`schedule`] under the plain [`rules`]. Sending goes through the
//! [`WebhookTransport`] port, which `herald-web` implements with its SSRF-guarded client:
//! the platform depends on no HTTP client.

pub mod dispatcher;
pub mod events;
pub mod queue;
pub mod rules;
pub mod schedule;
pub mod signing;
pub mod transport;

pub use dispatcher::{Dispatcher, RoundReport, RunNow, WebhookDispatcher};
pub use events::EventType;
pub use rules::{Decision, DisableReason};
pub use signing::{SigningSecret, SECRET_PREFIX};
pub use transport::{TransportError, WebhookRequest, WebhookResponse, WebhookTransport};
