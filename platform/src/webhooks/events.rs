//! The events Herald reports, and the JSON envelope every delivery carries.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};

/// An event type. Endpoints subscribe to a list of these (an empty list means all).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum EventType {
    /// A post was created (scheduled, or queued to publish now).
    #[serde(rename = "post.scheduled")]
    PostScheduled,
    #[serde(rename = "post.canceled")]
    PostCanceled,
    #[serde(rename = "post.published")]
    PostPublished,
    #[serde(rename = "post.failed")]
    PostFailed,
    #[serde(rename = "post.deferred")]
    PostDeferred,
    #[serde(rename = "post.unconfirmed")]
    PostUnconfirmed,
    #[serde(rename = "account.connected")]
    AccountConnected,
    #[serde(rename = "account.reauth_required")]
    AccountReauthRequired,
    #[serde(rename = "account.disconnected")]
    AccountDisconnected,
    #[serde(rename = "comment.received")]
    CommentReceived,
    #[serde(rename = "quota.exhausted")]
    QuotaExhausted,
    /// An endpoint of the agency was disabled (410, or failing for 5 days).
    #[serde(rename = "webhook_endpoint.disabled")]
    EndpointDisabled,
    /// Sent by "send a test event"; delivered only to the endpoint it was asked for.
    #[serde(rename = "webhook.test")]
    Test,
}

impl EventType {
    pub const ALL: &'static [EventType] = &[
        EventType::PostScheduled,
        EventType::PostCanceled,
        EventType::PostPublished,
        EventType::PostFailed,
        EventType::PostDeferred,
        EventType::PostUnconfirmed,
        EventType::AccountConnected,
        EventType::AccountReauthRequired,
        EventType::AccountDisconnected,
        EventType::CommentReceived,
        EventType::QuotaExhausted,
        EventType::EndpointDisabled,
        EventType::Test,
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            EventType::PostScheduled => "post.scheduled",
            EventType::PostCanceled => "post.canceled",
            EventType::PostPublished => "post.published",
            EventType::PostFailed => "post.failed",
            EventType::PostDeferred => "post.deferred",
            EventType::PostUnconfirmed => "post.unconfirmed",
            EventType::AccountConnected => "account.connected",
            EventType::AccountReauthRequired => "account.reauth_required",
            EventType::AccountDisconnected => "account.disconnected",
            EventType::CommentReceived => "comment.received",
            EventType::QuotaExhausted => "quota.exhausted",
            EventType::EndpointDisabled => "webhook_endpoint.disabled",
            EventType::Test => "webhook.test",
        }
    }

    pub fn parse(name: &str) -> Option<EventType> {
        Self::ALL.iter().copied().find(|t| t.as_str() == name)
    }
}

/// Whether an endpoint subscribed to `subscribed` (stored as a JSON list) wants `event`.
/// An empty list subscribes to everything but test events, which go to one endpoint only.
pub fn subscribes(subscribed: &[String], event: &str) -> bool {
    if event == EventType::Test.as_str() {
        return false;
    }
    subscribed.is_empty() || subscribed.iter().any(|s| s == event)
}

/// The body of a delivery: `{"type", "timestamp", "data"}` as Standard Webhooks suggests.
pub fn envelope(event_type: &str, at: DateTime<Utc>, data: &serde_json::Value) -> Vec<u8> {
    let body = serde_json::json!({
        "type": event_type,
        "timestamp": at.to_rfc3339_opts(SecondsFormat::Millis, true),
        "data": data,
    });
    body.to_string().into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_subscriptions_filter() {
        for t in EventType::ALL {
            assert_eq!(EventType::parse(t.as_str()), Some(*t));
            let json = serde_json::to_string(t).unwrap();
            assert_eq!(json, format!("\"{}\"", t.as_str()));
        }
        assert!(subscribes(&[], "post.published"));
        assert!(!subscribes(&[], "webhook.test"));
        assert!(!subscribes(&["post.failed".into()], "post.published"));
    }
}
