//! Outbound HTTP on a tenant's behalf (webhook deliveries, media URLs), behind the SSRF
//! guard. Implements the platform's [`herald_platform::webhooks::WebhookTransport`].

pub mod client;
pub mod policy;
pub mod resolver;

pub use client::{check_url, OutboundClient, OutboundError, DEFAULT_TIMEOUT};
pub use policy::{AddressPolicy, Cidr};
pub use resolver::{system_lookup, GuardedResolver, LookupFn, RefusedName};
