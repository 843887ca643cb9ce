//! Typed identifiers. Every id is a UUIDv7 (time-ordered, so indexes stay compact),
//! stored as text in both databases and shown with a short prefix in the API
//! (`ten_…`, `post_…`), so that an id pasted in the wrong place is refused by name.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use uuid::Uuid;

/// An id string that did not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{value}` is not a valid {kind} id (expected `{prefix}_` followed by 32 hex digits)")]
pub struct BadId {
    pub kind: &'static str,
    pub prefix: &'static str,
    pub value: String,
}

macro_rules! typed_id {
    ($(#[$doc:meta])* $name:ident, $prefix:literal, $kind:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(Uuid);

        impl $name {
            pub const PREFIX: &'static str = $prefix;

            /// A fresh, time-ordered id.
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }

            pub fn from_uuid(uuid: Uuid) -> Self {
                Self(uuid)
            }

            pub fn uuid(&self) -> Uuid {
                self.0
            }

            /// The form stored in the database: the bare UUID.
            pub fn to_db(&self) -> String {
                self.0.to_string()
            }

            /// Reads the stored form; a corrupt value is an error, never a panic.
            pub fn from_db(value: &str) -> Result<Self, BadId> {
                Uuid::parse_str(value).map(Self).map_err(|_| BadId {
                    kind: $kind,
                    prefix: $prefix,
                    value: value.to_owned(),
                })
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}_{}", $prefix, self.0.simple())
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(self, f)
            }
        }

        impl FromStr for $name {
            type Err = BadId;

            fn from_str(value: &str) -> Result<Self, Self::Err> {
                let bad = || BadId { kind: $kind, prefix: $prefix, value: value.to_owned() };
                let rest = value
                    .strip_prefix($prefix)
                    .and_then(|rest| rest.strip_prefix('_'))
                    .ok_or_else(bad)?;
                if rest.len() != 32 {
                    return Err(bad());
                }
                Uuid::parse_str(rest).map(Self).map_err(|_| bad())
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_str(self)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = String::deserialize(deserializer)?;
                text.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

typed_id!(/// An agency: the customer who runs Herald for its clients.
    AgencyId, "agy", "agency");
typed_id!(/// A person who signs in to the dashboard.
    UserId, "usr", "user");
typed_id!(/// A dashboard session.
    SessionId, "ses", "session");
typed_id!(/// One of an agency's clients.
    TenantId, "ten", "tenant");
typed_id!(/// A link an agency sends a client so the client can connect Meta accounts.
    ConnectLinkId, "cl", "connect link");
typed_id!(/// A Meta login (Facebook Login or Instagram Login) granted by a client.
    ConnectionId, "con", "connection");
typed_id!(/// A Facebook Page or an Instagram professional account.
    AccountId, "acc", "account");
typed_id!(/// An uploaded or fetched media file.
    MediaId, "med", "media");
typed_id!(/// A post to publish.
    PostId, "post", "post");
typed_id!(/// One entry in a post's timeline.
    PostEventId, "pev", "post event");
typed_id!(/// An event waiting in the outbox for webhook delivery.
    OutboxEventId, "evt", "event");
typed_id!(/// A client's webhook endpoint.
    WebhookEndpointId, "whe", "webhook endpoint");
typed_id!(/// One attempt to deliver an event to an endpoint.
    DeliveryId, "dlv", "delivery");
typed_id!(/// An API key.
    ApiKeyId, "key", "API key");
typed_id!(/// An event received from Meta.
    InboundEventId, "mev", "Meta event");
typed_id!(/// A Herald node taking part in scale-out.
    NodeId, "node", "node");
typed_id!(/// An invitation for a person to join an agency.
    InvitationId, "inv", "invitation");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_and_parse_round_trip() {
        let id = PostId::new();
        let text = id.to_string();
        assert!(text.starts_with("post_"));
        assert_eq!(text.parse::<PostId>().unwrap(), id);
        assert_eq!(PostId::from_db(&id.to_db()).unwrap(), id);
    }

    #[test]
    fn an_id_of_another_kind_is_refused_by_name() {
        let tenant = TenantId::new().to_string();
        let err = tenant.parse::<PostId>().unwrap_err();
        assert!(err.to_string().contains("not a valid post id"), "{err}");
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        for bad in ["", "post_", "post_zz", "post_0123", "ten", "💥"] {
            assert!(bad.parse::<PostId>().is_err(), "{bad}");
        }
        assert!(PostId::from_db("not-a-uuid").is_err());
    }
}
