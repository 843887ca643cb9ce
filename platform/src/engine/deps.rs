//! What the engine needs from the composition root: the store, the vault's keyring, one
//! `Publisher` per network, the clock, the node's id, metrics, settings, and two small
//! seams (how a stored post becomes a [`PostSpec`], and how a token is checked).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::limiter::LimiterSettings;
use crate::clock::SharedClock;
use crate::domain::{Network, PostSpec};
use crate::ids::NodeId;
use crate::metrics::Metrics;
use crate::publish::{Publisher, TokenHost};
use crate::secret::Secret;
use crate::store::posts::Post;
use crate::store::{DbConnection, Store};
use crate::vault::Keyring;

/// Builds the adapter's [`PostSpec`] from a stored post: resolves media ids to public
/// URLs and probed facts. Runs on a blocking thread with a database connection.
pub trait SpecBuilder: Send + Sync + 'static {
    fn build(&self, conn: &mut DbConnection, post: &Post) -> Result<PostSpec, String>;
}

/// Reads the stored spec as a complete [`PostSpec`] (kind and caption from the post's own
/// columns). For stores whose API layer already resolved the media.
#[derive(Debug, Default, Clone, Copy)]
pub struct StoredSpec;

impl SpecBuilder for StoredSpec {
    fn build(&self, _conn: &mut DbConnection, post: &Post) -> Result<PostSpec, String> {
        let mut spec: PostSpec = serde_json::from_value(post.spec.clone())
            .map_err(|err| format!("the stored post cannot be read: {err}"))?;
        spec.kind = post.kind;
        spec.caption.clone_from(&post.caption);
        Ok(spec)
    }
}

/// An account's token as the TokenRefresher checks it.
#[derive(Debug, Clone)]
pub struct TokenToCheck {
    /// The Page or IG account id at Meta.
    pub external_id: String,
    pub network: Network,
    pub host: TokenHost,
    pub token: Secret,
    /// When the connection's token expires, if it does.
    pub expires_at: Option<DateTime<Utc>>,
    /// An Instagram Login token within [`REFRESH_AHEAD`] of its expiry: refresh it now.
    pub refresh_due: bool,
}

/// How long before expiry an Instagram Login token is refreshed (never at expiry).
pub const REFRESH_AHEAD: chrono::Duration = chrono::Duration::days(7);

/// Whether a token of `host` expiring at `expires_at` should be refreshed at `now`.
pub fn refresh_due(host: TokenHost, expires_at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
    host == TokenHost::InstagramLogin && expires_at.is_some_and(|at| at - now <= REFRESH_AHEAD)
}

/// What a token check found.
#[derive(Debug, Clone)]
pub enum TokenCheck {
    /// Valid, and granted for this account.
    Valid,
    /// An Instagram Login token refreshed ahead of expiry: store it.
    Refreshed {
        token: Secret,
        expires_at: Option<DateTime<Utc>>,
    },
    /// Invalid, expired, or no longer granted for this account: the client must reconnect.
    NeedsReauth { reason: String },
    /// Meta could not be asked now; try again later.
    Unknown { detail: String },
}

/// Checks tokens with `debug_token` (and refreshes Instagram Login tokens). Provided by
/// the composition root, which owns the Graph client.
#[async_trait]
pub trait TokenChecker: Send + Sync + 'static {
    async fn check(&self, token: &TokenToCheck) -> TokenCheck;
}

/// The engine's tunables.
#[derive(Debug, Clone)]
pub struct EngineLimits {
    pub limiter: LimiterSettings,
    /// How often each active tenant's tokens are checked.
    pub token_check_interval: Duration,
    /// A tenant's actors stop after this long without work.
    pub idle_after: Duration,
    /// Longest the scheduler sleeps, even with nothing due (it also renews leases then).
    pub max_sleep: Duration,
    /// How long a tenant lease lasts unless renewed (scale-out); the scheduler wakes at
    /// least three times per term to renew and to record its heartbeat.
    pub lease_term: Duration,
}

impl Default for EngineLimits {
    fn default() -> Self {
        Self {
            limiter: LimiterSettings::default(),
            token_check_interval: Duration::from_secs(6 * 60 * 60),
            idle_after: Duration::from_secs(5 * 60),
            max_sleep: Duration::from_secs(20),
            lease_term: Duration::from_secs(60),
        }
    }
}

/// Everything [`super::Engine::start`] needs.
pub struct EngineDeps {
    pub store: Store,
    pub keyring: Keyring,
    pub publishers: HashMap<Network, Arc<dyn Publisher>>,
    pub clock: SharedClock,
    pub node_id: NodeId,
    pub metrics: Metrics,
    pub limits: EngineLimits,
    pub spec_builder: Arc<dyn SpecBuilder>,
    /// `None`: tokens are only found invalid when a publish is refused.
    pub token_checker: Option<Arc<dyn TokenChecker>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instagram_login_tokens_are_refreshed_a_week_ahead_and_page_tokens_never() {
        let now = Utc::now();
        let soon = Some(now + chrono::Duration::days(6));
        let later = Some(now + chrono::Duration::days(30));
        assert!(refresh_due(TokenHost::InstagramLogin, soon, now));
        assert!(!refresh_due(TokenHost::InstagramLogin, later, now));
        assert!(!refresh_due(TokenHost::InstagramLogin, None, now));
        assert!(!refresh_due(TokenHost::FacebookLogin, soon, now));
    }
}
