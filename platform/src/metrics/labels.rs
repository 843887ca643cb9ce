//! The fixed label values of Herald's metrics.
//!
//! Every label takes its value from one of these enums (or from the domain's `Network`,
//! `PostKind` and `PostState`), so a series can never carry a tenant, account, post or user
//! id, and the number of series is bounded by the product of these lists.

use crate::publish::Verdict;

macro_rules! label_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name { $($(#[$vdoc])* $variant),+ }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The label value as it appears in `/metrics`.
            pub fn as_str(&self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }
    };
}

label_enum!(
    /// How a post's life ended (`herald_posts_finished_total{outcome}`).
    PostOutcome {
        Published => "published",
        Failed => "failed",
        Canceled => "canceled",
        /// The outcome could not be established; a person must look.
        Unconfirmed => "unconfirmed",
    }
);

label_enum!(
    /// The HTTP method of a request; anything unusual is `OTHER`.
    HttpMethod {
        Get => "GET",
        Head => "HEAD",
        Post => "POST",
        Put => "PUT",
        Patch => "PATCH",
        Delete => "DELETE",
        Options => "OPTIONS",
        Other => "OTHER",
    }
);

impl HttpMethod {
    /// Maps a method name (case-sensitive, as on the wire) to its label.
    pub fn from_name(name: &str) -> Self {
        match name {
            "GET" => HttpMethod::Get,
            "HEAD" => HttpMethod::Head,
            "POST" => HttpMethod::Post,
            "PUT" => HttpMethod::Put,
            "PATCH" => HttpMethod::Patch,
            "DELETE" => HttpMethod::Delete,
            "OPTIONS" => HttpMethod::Options,
            _ => HttpMethod::Other,
        }
    }
}

label_enum!(
    /// The class of an HTTP status code.
    StatusClass {
        Informational => "1xx",
        Success => "2xx",
        Redirection => "3xx",
        ClientError => "4xx",
        ServerError => "5xx",
    }
);

impl StatusClass {
    /// The class of `status`; codes outside 100..=599 count as server errors.
    pub fn of(status: u16) -> Self {
        match status {
            100..=199 => StatusClass::Informational,
            200..=299 => StatusClass::Success,
            300..=399 => StatusClass::Redirection,
            400..=499 => StatusClass::ClientError,
            _ => StatusClass::ServerError,
        }
    }
}

label_enum!(
    /// A Graph API call, named by what it does rather than by its path (which holds ids).
    GraphEndpoint {
        OauthAccessToken => "oauth_access_token",
        DebugToken => "debug_token",
        MeAccounts => "me_accounts",
        PageInfo => "page_info",
        IgExchangeToken => "ig_exchange_token",
        IgRefreshToken => "ig_refresh_token",
        FbFeed => "fb_feed",
        FbPhotos => "fb_photos",
        FbVideos => "fb_videos",
        FbVideoReels => "fb_video_reels",
        /// Bytes sent to the resumable upload host (`rupload`), for either network.
        Rupload => "rupload",
        FbVideoStatus => "fb_video_status",
        FbVideoStories => "fb_video_stories",
        FbPhotoStories => "fb_photo_stories",
        FbRecentObjects => "fb_recent_objects",
        IgMedia => "ig_media",
        IgContainerStatus => "ig_container_status",
        IgMediaPublish => "ig_media_publish",
        IgPublishingLimit => "ig_publishing_limit",
        /// A follow-up read of a live post's permalink.
        Permalink => "permalink",
        Other => "other",
    }
);

impl GraphEndpoint {
    /// The endpoint for a Graph client's call label (`"media_publish"`, `"video_reels
    /// start"`, `"ig refresh_access_token"`, …); a label it does not know is `Other`.
    pub fn from_label(label: &str) -> Self {
        use GraphEndpoint::*;
        let edge = label.split_whitespace().next().unwrap_or("");
        match (edge, label) {
            (_, l) if l.starts_with("ig refresh") => IgRefreshToken,
            ("ig", _) => IgExchangeToken,
            ("oauth/access_token", _) => OauthAccessToken,
            ("debug_token", _) => DebugToken,
            ("me/accounts", _) => MeAccounts,
            ("page", _) => PageInfo,
            ("feed", _) => FbFeed,
            ("photos", _) => FbPhotos,
            ("videos", _) => FbVideos,
            ("video_reels", _) => FbVideoReels,
            ("video_stories", _) => FbVideoStories,
            ("photo_stories", _) => FbPhotoStories,
            ("video", _) => FbVideoStatus,
            ("recent", _) => FbRecentObjects,
            ("rupload", _) => Rupload,
            ("media", _) => IgMedia,
            ("container", _) => IgContainerStatus,
            ("media_publish", _) => IgMediaPublish,
            ("content_publishing_limit", _) => IgPublishingLimit,
            ("permalink", _) => Permalink,
            _ => Other,
        }
    }
}

label_enum!(
    /// What came of one Graph call.
    GraphOutcome {
        Ok => "ok",
        /// A temporary fault (5xx, `is_transient`, a network error).
        Transient => "transient",
        /// Throttled or over a quota.
        Throttled => "throttled",
        /// The token is no longer valid.
        NeedsReauth => "needs_reauth",
        PermissionDenied => "permission_denied",
        InvalidInput => "invalid_input",
        /// The container is broken, missing or expired.
        ContainerError => "container_error",
        /// The request may or may not have taken effect.
        OutcomeUnknown => "outcome_unknown",
    }
);

impl GraphOutcome {
    /// The outcome label for a failed call, from the engine's verdict on it.
    pub fn from_verdict(verdict: &Verdict) -> Self {
        match verdict {
            Verdict::RetryLater => GraphOutcome::Transient,
            Verdict::RecreateContainer => GraphOutcome::ContainerError,
            Verdict::DeferUntil { .. } => GraphOutcome::Throttled,
            Verdict::NeedsReauth => GraphOutcome::NeedsReauth,
            Verdict::PermissionDenied { .. } => GraphOutcome::PermissionDenied,
            Verdict::InvalidInput { .. } => GraphOutcome::InvalidInput,
            Verdict::OutcomeUnknown => GraphOutcome::OutcomeUnknown,
        }
    }
}

label_enum!(
    /// Which of Meta's limits throttled a call (`herald_graph_throttled_total{scope}`).
    ThrottleScope {
        /// `X-App-Usage`, codes 4 and 17.
        App => "app",
        /// `X-Page-Usage`, codes 32 and 613.
        Page => "page",
        /// `X-Business-Use-Case-Usage`, codes 80000–80014.
        BusinessUseCase => "business_use_case",
        /// The IG publishing quota (code 9, subcode 2207042).
        IgQuota => "ig_quota",
        /// The 30 reels per Page per 24 hours.
        FbReelsQuota => "fb_reels_quota",
    }
);

label_enum!(
    /// The health of a stored Meta token (`herald_tokens{state}`).
    TokenState {
        Valid => "valid",
        /// Valid, but expires within the refresh window (a week).
        ExpiringSoon => "expiring_soon",
        /// Expired, revoked or missing a permission: the client must reconnect.
        NeedsReconnect => "needs_reconnect",
    }
);

label_enum!(
    /// What came of one outbound webhook delivery attempt.
    WebhookOutcome {
        Success => "success",
        /// Failed; another attempt is scheduled.
        Retry => "retry",
        /// Failed for good: the retry schedule is spent.
        Failed => "failed",
        /// The endpoint answered 410 or was disabled after too many failures.
        Disabled => "disabled",
    }
);

label_enum!(
    /// The state of an outbound webhook endpoint (`herald_webhook_endpoints{state}`).
    WebhookEndpointState {
        Active => "active",
        /// Enabled, but its most recent deliveries failed.
        Failing => "failing",
        Disabled => "disabled",
    }
);

label_enum!(
    /// A kind of actor (`herald_actors{kind}`, `herald_actor_restarts_total{kind}`).
    ActorKind {
        Scheduler => "scheduler",
        Registry => "registry",
        TenantSupervisor => "tenant_supervisor",
        TokenRefresher => "token_refresher",
        RateLimiter => "rate_limiter",
        AccountPublisher => "account_publisher",
        WebhookDispatcher => "webhook_dispatcher",
    }
);

label_enum!(
    /// How a tenant lease changed hands (`herald_lease_changes_total{change}`).
    LeaseChangeKind {
        /// A free, released or own lapsed lease taken.
        Acquired => "acquired",
        /// Another node's lapsed lease taken (that node stopped or stalled).
        TakenOver => "taken_over",
        /// Given up: at shutdown, or beyond the node's fair share.
        Released => "released",
        /// Held, then found with another node (this node stalled or was slow to renew).
        Lost => "lost",
    }
);

label_enum!(
    /// A database pool connection's state (`herald_db_pool_connections{state}`).
    PoolState {
        Idle => "idle",
        InUse => "in_use",
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    fn is_label_value(text: &str) -> bool {
        !text.is_empty()
            && text.len() <= 32
            && text.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    }

    #[test]
    fn every_label_value_is_short_plain_and_unique() {
        let lists: [Vec<&str>; 12] = [
            PostOutcome::ALL.iter().map(|v| v.as_str()).collect(),
            HttpMethod::ALL.iter().map(|v| v.as_str()).collect(),
            StatusClass::ALL.iter().map(|v| v.as_str()).collect(),
            GraphEndpoint::ALL.iter().map(|v| v.as_str()).collect(),
            GraphOutcome::ALL.iter().map(|v| v.as_str()).collect(),
            ThrottleScope::ALL.iter().map(|v| v.as_str()).collect(),
            TokenState::ALL.iter().map(|v| v.as_str()).collect(),
            WebhookOutcome::ALL.iter().map(|v| v.as_str()).collect(),
            WebhookEndpointState::ALL
                .iter()
                .map(|v| v.as_str())
                .collect(),
            ActorKind::ALL.iter().map(|v| v.as_str()).collect(),
            PoolState::ALL.iter().map(|v| v.as_str()).collect(),
            LeaseChangeKind::ALL.iter().map(|v| v.as_str()).collect(),
        ];
        for list in lists {
            let mut sorted = list.clone();
            sorted.sort_unstable();
            sorted.dedup();
            assert_eq!(
                sorted.len(),
                list.len(),
                "duplicate label value in {list:?}"
            );
            assert!(
                list.iter().all(|v| is_label_value(v)),
                "odd label value in {list:?}"
            );
        }
    }

    #[test]
    fn status_codes_fall_into_their_class() {
        assert_eq!(StatusClass::of(204).as_str(), "2xx");
        assert_eq!(StatusClass::of(302).as_str(), "3xx");
        assert_eq!(StatusClass::of(404).as_str(), "4xx");
        assert_eq!(StatusClass::of(503).as_str(), "5xx");
        assert_eq!(StatusClass::of(999).as_str(), "5xx");
    }

    #[test]
    fn graph_call_labels_map_to_bounded_endpoints() {
        let cases = [
            ("media_publish", "ig_media_publish"),
            ("video_reels start", "fb_video_reels"),
            ("videos transfer", "fb_videos"),
            ("video status", "fb_video_status"),
            ("container status", "ig_container_status"),
            ("ig refresh_access_token", "ig_refresh_token"),
            ("ig oauth/access_token", "ig_exchange_token"),
            ("oauth/access_token", "oauth_access_token"),
            ("rupload", "rupload"),
            ("act_1234567890/ads", "other"),
        ];
        for (label, endpoint) in cases {
            assert_eq!(
                GraphEndpoint::from_label(label).as_str(),
                endpoint,
                "{label}"
            );
        }
    }

    #[test]
    fn unknown_methods_share_one_label() {
        assert_eq!(HttpMethod::from_name("GET"), HttpMethod::Get);
        assert_eq!(HttpMethod::from_name("BREW"), HttpMethod::Other);
        assert_eq!(HttpMethod::from_name("get"), HttpMethod::Other);
    }
}
