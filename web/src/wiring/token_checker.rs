//! The engine's `TokenChecker` over the Graph client: `debug_token` for Facebook Login
//! tokens (valid, and still granted for this account), refresh for Instagram Login tokens
//! a week ahead of expiry.

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use herald_graph::{CallError, GraphClient};
use herald_platform::clock::SharedClock;
use herald_platform::domain::Network;
use herald_platform::engine::{TokenCheck, TokenChecker, TokenToCheck};
use herald_platform::publish::TokenHost;

/// Instagram Login tokens are refreshed this long before they expire (META_API.md:
/// "refresh well ahead of expiry (a week), never at expiry").
pub const IG_REFRESH_AHEAD: Duration = Duration::days(7);

/// Meta's "token invalid" code.
const INVALID_TOKEN: i64 = 190;

pub struct GraphTokenChecker {
    pub client: GraphClient,
    pub clock: SharedClock,
}

#[async_trait]
impl TokenChecker for GraphTokenChecker {
    async fn check(&self, token: &TokenToCheck) -> TokenCheck {
        match token.host {
            TokenHost::FacebookLogin => self.check_facebook(token).await,
            TokenHost::InstagramLogin => self.refresh_instagram(token).await,
        }
    }
}

impl GraphTokenChecker {
    async fn check_facebook(&self, token: &TokenToCheck) -> TokenCheck {
        let debug = match self.client.debug_token(&token.token).await {
            Ok(debug) => debug,
            Err(err) => return from_call_error(&err),
        };
        if !debug.is_valid {
            let reason = debug
                .error
                .and_then(|problem| problem.message)
                .unwrap_or_else(|| "Meta says the token is no longer valid".to_owned());
            return TokenCheck::NeedsReauth { reason };
        }
        let scope = match token.network {
            Network::Facebook => "pages_manage_posts",
            Network::Instagram => "instagram_content_publish",
        };
        match debug.targets_of(scope) {
            None => TokenCheck::NeedsReauth {
                reason: format!("the `{scope}` permission is no longer granted"),
            },
            // An empty target list means the scope is granted for every object.
            Some(targets) if targets.is_empty() || targets.contains(&token.external_id) => {
                TokenCheck::Valid
            }
            Some(_) => TokenCheck::NeedsReauth {
                reason: format!("`{scope}` is no longer granted for this account"),
            },
        }
    }

    async fn refresh_instagram(&self, token: &TokenToCheck) -> TokenCheck {
        let now = self.clock.now();
        let due = token
            .expires_at
            .is_some_and(|at| at - now <= IG_REFRESH_AHEAD);
        if !due {
            return TokenCheck::Valid;
        }
        if token.expires_at.is_some_and(|at| at <= now) {
            return TokenCheck::NeedsReauth {
                reason: "the Instagram Login token expired before it could be refreshed".into(),
            };
        }
        match self.client.instagram_refresh_token(&token.token).await {
            Ok(grant) => TokenCheck::Refreshed {
                expires_at: grant.expires_in.map(|secs| expiry(now, secs)),
                token: grant.access_token,
            },
            Err(err) => from_call_error(&err),
        }
    }
}

fn expiry(now: DateTime<Utc>, seconds: u64) -> DateTime<Utc> {
    now + Duration::seconds(i64::try_from(seconds).unwrap_or(i64::MAX / 1_000))
}

fn from_call_error(err: &CallError) -> TokenCheck {
    if err.is(INVALID_TOKEN, None) {
        TokenCheck::NeedsReauth {
            reason: err.to_string(),
        }
    } else {
        TokenCheck::Unknown {
            detail: err.to_string(),
        }
    }
}
