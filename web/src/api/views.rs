//! The JSON shapes the API answers with (and documents through utoipa).

use chrono::{DateTime, Utc};
use herald_platform::domain::MediaFacts;
use herald_platform::store::accounts_api::AccountRecord;
use herald_platform::store::api_keys::ApiKey;
use herald_platform::store::media_api::MediaRecord;
use herald_platform::store::posts_api::{PostEventRecord, PostRecord};
use herald_platform::store::tenants_api::TenantRecord;
use herald_platform::store::webhook_endpoints_api::{DeliveryRecord, EndpointRecord};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TenantView {
    /// `ten_…`
    pub id: String,
    pub name: String,
    pub created_at: DateTime<Utc>,
}

impl From<TenantRecord> for TenantView {
    fn from(t: TenantRecord) -> Self {
        Self {
            id: t.id.to_string(),
            name: t.name,
            created_at: t.created_at,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AccountView {
    /// `acc_…`
    pub id: String,
    /// `facebook` or `instagram`.
    pub network: String,
    /// The Page id or IG user id at Meta.
    pub external_id: String,
    pub name: String,
    pub username: Option<String>,
    /// `active`, `reauth_required` or `disconnected`.
    pub status: String,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl From<AccountRecord> for AccountView {
    fn from(a: AccountRecord) -> Self {
        Self {
            id: a.id.to_string(),
            network: a.network.to_string(),
            external_id: a.external_id,
            name: a.name,
            username: a.username,
            status: a.status,
            last_error: a.last_error,
            created_at: a.created_at,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ConnectLinkView {
    /// Send this to the client; it works once they open it, until `expires_at`.
    pub url: String,
    pub expires_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct MediaFactsView {
    /// `image` or `video`.
    pub media_type: String,
    pub mime: String,
    pub size_bytes: u64,
    pub width: u32,
    pub height: u32,
    pub duration_ms: Option<u64>,
    pub frame_rate: Option<f64>,
    pub video_codec: Option<String>,
    pub audio_codec: Option<String>,
}

impl From<MediaFacts> for MediaFactsView {
    fn from(f: MediaFacts) -> Self {
        Self {
            media_type: serde_json::to_value(f.media_type)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default(),
            mime: f.mime,
            size_bytes: f.size_bytes,
            width: f.width,
            height: f.height,
            duration_ms: f.duration_ms,
            frame_rate: f.frame_rate,
            video_codec: f.video_codec,
            audio_codec: f.audio_codec,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct MediaView {
    /// `med_…`
    pub id: String,
    pub sha256: String,
    pub facts: MediaFactsView,
    pub source_url: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl From<MediaRecord> for MediaView {
    fn from(m: MediaRecord) -> Self {
        Self {
            id: m.id.to_string(),
            sha256: m.sha256,
            facts: m.facts.into(),
            source_url: m.source_url,
            created_at: m.created_at,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PostEventView {
    pub at: DateTime<Utc>,
    pub from_state: Option<String>,
    pub to_state: String,
    pub detail: String,
}

impl From<PostEventRecord> for PostEventView {
    fn from(e: PostEventRecord) -> Self {
        Self {
            at: e.at,
            from_state: e.from_state.map(|s| s.to_string()),
            to_state: e.to_state.to_string(),
            detail: e.detail,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PostView {
    /// `post_…`
    pub id: String,
    pub account_id: String,
    pub kind: String,
    pub caption: String,
    pub publish_at: DateTime<Utc>,
    /// `scheduled`, `queued`, `preparing`, `processing`, `publishing`, `published`,
    /// `failed`, `canceled` or `unconfirmed`.
    pub state: String,
    pub attempts: i32,
    pub external_id: Option<String>,
    pub permalink: Option<String>,
    /// Why the last attempt did not publish: `message` in plain words, and `error` with
    /// Meta's answer (`graph`: code, subcode, message) and Herald's verdict (retry, wait
    /// until, fail).
    #[schema(value_type = Option<Object>)]
    pub last_error: Option<serde_json::Value>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Only on `GET …/posts/{post_id}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeline: Option<Vec<PostEventView>>,
}

impl PostView {
    pub fn new(p: PostRecord, timeline: Option<Vec<PostEventRecord>>) -> Self {
        Self {
            id: p.id.to_string(),
            account_id: p.account_id.to_string(),
            kind: p.kind.to_string(),
            caption: p.caption,
            publish_at: p.publish_at,
            state: p.state.to_string(),
            attempts: p.attempts,
            external_id: p.external_id,
            permalink: p.permalink,
            last_error: p
                .last_error
                .map(|text| serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text))),
            created_at: p.created_at,
            updated_at: p.updated_at,
            timeline: timeline.map(|t| t.into_iter().map(Into::into).collect()),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct EndpointView {
    /// `whe_…`
    pub id: String,
    /// The tenant the endpoint hears about; absent for agency-wide endpoints.
    pub tenant_id: Option<String>,
    pub url: String,
    pub description: String,
    /// Subscribed event types; empty means all.
    pub event_types: Vec<String>,
    pub enabled: bool,
    pub disabled_reason: Option<String>,
    pub failing_since: Option<DateTime<Utc>>,
    /// Until when the previous secret still signs, after a rotation.
    pub previous_secret_expires_at: Option<DateTime<Utc>>,
    /// The `whsec_…` secret: only in the answer to create and rotate.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl EndpointView {
    pub fn new(e: EndpointRecord, secret: Option<String>) -> Self {
        Self {
            id: e.id.to_string(),
            tenant_id: e.tenant_id.map(|t| t.to_string()),
            url: e.url,
            description: e.description,
            event_types: e.event_types,
            enabled: e.enabled,
            disabled_reason: e.disabled_reason,
            failing_since: e.failing_since,
            previous_secret_expires_at: e.previous_secret_expires_at,
            secret,
            created_at: e.created_at,
            updated_at: e.updated_at,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DeliveryView {
    /// `dlv_…`
    pub id: String,
    pub endpoint_id: String,
    /// `evt_…`: the `webhook-id` the receiver saw.
    pub event_id: String,
    pub attempt: i32,
    /// `pending`, `succeeded`, `failed` or `abandoned`.
    pub status: String,
    pub http_status: Option<i32>,
    pub latency_ms: Option<i64>,
    /// The start of the receiver's answer.
    pub response_start: Option<String>,
    pub error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub next_attempt_at: Option<DateTime<Utc>>,
}

impl From<DeliveryRecord> for DeliveryView {
    fn from(d: DeliveryRecord) -> Self {
        Self {
            id: d.id.to_string(),
            endpoint_id: d.endpoint_id.to_string(),
            event_id: d.event_id.to_string(),
            attempt: d.attempt,
            status: d.status,
            http_status: d.http_status,
            latency_ms: d.latency_ms,
            response_start: d.response_start,
            error: d.error,
            created_at: d.created_at,
            next_attempt_at: d.next_attempt_at,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ApiKeyView {
    pub id: String,
    pub name: String,
    /// The visible start of the key, to recognise it.
    pub prefix: String,
    pub tenant_id: Option<String>,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl From<ApiKey> for ApiKeyView {
    fn from(k: ApiKey) -> Self {
        Self {
            id: k.id.to_string(),
            name: k.name,
            prefix: k.prefix,
            tenant_id: k.tenant_id.map(|t| t.to_string()),
            created_at: k.created_at,
            last_used_at: k.last_used_at,
            revoked_at: k.revoked_at,
        }
    }
}

/// An accepted request for work done in the background.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AcceptedView {
    /// The id of what was queued (`evt_…` or `dlv_…`).
    pub id: String,
}

// Request bodies, for the document (the handlers read fields one by one; see `body.rs`).

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CreateTenant {
    pub name: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CreateMediaFromUrl {
    /// A public http(s) URL Herald fetches the file from.
    pub url: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CreatePost {
    /// `acc_…`
    pub account_id: String,
    /// `fb_feed`, `fb_photos`, `fb_video`, `fb_reel`, `fb_story`, `ig_image`, `ig_reel`,
    /// `ig_carousel`, `ig_story`.
    pub kind: String,
    #[serde(default)]
    pub caption: Option<String>,
    /// `med_…` ids, in order.
    #[serde(default)]
    pub media: Option<Vec<String>>,
    /// Options of the kind: `link`, `alt_text`, `user_tags`, `location_id`,
    /// `collaborators`, `share_to_feed`, `cover`, `thumb_offset_ms`, `title`.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub options: Option<serde_json::Value>,
    /// RFC 3339; absent publishes as soon as possible.
    #[serde(default)]
    pub publish_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct EndpointInputBody {
    /// Required on create.
    pub url: Option<String>,
    pub description: Option<String>,
    pub event_types: Option<Vec<String>>,
    pub enabled: Option<bool>,
}
