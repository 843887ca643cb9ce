//! HTTP routes of the node itself (health, metrics), one file per area. The API, the
//! dashboard, the connect flow and Meta's webhooks have modules of their own.

pub mod health;
pub mod metrics;
