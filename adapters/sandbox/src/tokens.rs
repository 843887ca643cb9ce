//! Access tokens: the scopes, issuing user and Page tokens, checking a token on each call,
//! and invalidating tokens. The OAuth endpoints are in `oauth.rs`.

use chrono::{DateTime, Duration, Utc};

use crate::errors::{token_error, GraphError};
use crate::state::{Inner, Shared, Token, TokenKind};

/// Scopes whose grant is limited to chosen Pages.
pub const PAGE_SCOPES: &[&str] = &[
    "pages_show_list",
    "pages_manage_posts",
    "pages_read_engagement",
    "pages_manage_engagement",
    "pages_manage_metadata",
    "pages_read_user_content",
    "read_insights",
];

/// Scopes whose grant is limited to chosen IG accounts.
pub const IG_SCOPES: &[&str] = &[
    "instagram_basic",
    "instagram_content_publish",
    "instagram_manage_comments",
    "instagram_manage_insights",
    "instagram_business_basic",
    "instagram_business_content_publish",
    "instagram_business_manage_comments",
];

/// The scopes a sandbox user created through the control API grants.
pub const DEFAULT_SCOPES: &[&str] = &[
    "pages_show_list",
    "pages_manage_posts",
    "pages_read_engagement",
    "pages_manage_engagement",
    "pages_manage_metadata",
    "business_management",
    "read_insights",
    "instagram_basic",
    "instagram_content_publish",
    "instagram_manage_comments",
];

/// The Instagram Login scopes.
pub const IG_LOGIN_SCOPES: &[&str] = &[
    "instagram_business_basic",
    "instagram_business_content_publish",
    "instagram_business_manage_comments",
];

/// Who is calling.
#[derive(Clone)]
pub enum Auth {
    /// `{app-id}|{app-secret}`.
    App,
    Token(String, Box<Token>),
}

impl Auth {
    pub fn token(&self) -> Option<&Token> {
        match self {
            Auth::App => None,
            Auth::Token(_, t) => Some(t),
        }
    }

    pub fn has_scope(&self, scope: &str) -> bool {
        self.token()
            .is_some_and(|t| t.scopes.iter().any(|s| s == scope))
    }
}

/// Stores a new token and answers its string.
pub fn issue(inner: &mut Inner, token: Token) -> String {
    let prefix = match token.kind {
        TokenKind::IgShort | TokenKind::IgLong => "IGAA",
        _ => "EAAB",
    };
    let value = Shared::token_string(prefix);
    inner.tokens.insert(value.clone(), token);
    value
}

/// A user token of the given kind.
#[allow(clippy::too_many_arguments)]
pub fn user_token(
    inner: &mut Inner,
    now: DateTime<Utc>,
    kind: TokenKind,
    user_id: &str,
    profile: Option<String>,
    scopes: Vec<String>,
    pages: Vec<String>,
    igs: Vec<String>,
) -> String {
    let life = match kind {
        TokenKind::UserShort => inner.settings.short_token_seconds,
        TokenKind::IgShort => 3_600,
        _ => inner.settings.long_token_seconds,
    };
    issue(
        inner,
        Token {
            kind,
            user_id: user_id.to_string(),
            profile_id: profile,
            scopes,
            pages,
            igs,
            issued_at: now,
            expires_at: Some(now + Duration::seconds(life)),
            parent: None,
            invalid: None,
        },
    )
}

/// The Page token derived from `user_token` for `page_id`, reused when one exists.
///
/// A Page token from a long-lived user token never expires; from a short-lived one it dies
/// with it.
pub fn page_token(
    inner: &mut Inner,
    user_token: &str,
    page_id: &str,
    now: DateTime<Utc>,
) -> Option<String> {
    let parent = inner.tokens.get(user_token)?.clone();
    let existing = inner.tokens.iter().find(|(_, t)| {
        t.parent.as_deref() == Some(user_token) && t.profile_id.as_deref() == Some(page_id)
    });
    if let Some((k, _)) = existing {
        return Some(k.clone());
    }
    let expires_at = match parent.kind {
        TokenKind::UserLong => None,
        _ => parent.expires_at,
    };
    Some(issue(
        inner,
        Token {
            kind: TokenKind::Page,
            user_id: parent.user_id.clone(),
            profile_id: Some(page_id.to_string()),
            scopes: parent.scopes.clone(),
            pages: parent.pages.clone(),
            igs: parent.igs.clone(),
            issued_at: now,
            expires_at,
            parent: Some(user_token.to_string()),
            invalid: None,
        },
    ))
}

/// Why a token does not work right now, if it doesn't.
pub fn problem(inner: &Inner, value: &str, now: DateTime<Utc>, app_id: &str) -> Option<GraphError> {
    let mut cur = value.to_string();
    // Invalidation reaches down from a parent; expiry is each token's own.
    for depth in 0..4 {
        let Some(t) = inner.tokens.get(&cur) else {
            return Some(token_error(0, app_id));
        };
        if let Some(sub) = t.invalid {
            return Some(token_error(sub, app_id));
        }
        if let Some(exp) = t.expires_at.filter(|_| depth == 0) {
            if now >= exp {
                return Some(
                    GraphError::new(
                        190,
                        format!(
                        "Error validating access token: Session has expired on {}. The current \
                         time is {}.",
                        exp.format("%A, %d-%b-%y %H:%M:%S UTC"),
                        now.format("%A, %d-%b-%y %H:%M:%S UTC")
                    ),
                    )
                    .with_sub(463),
                );
            }
        }
        match &t.parent {
            Some(p) => cur = p.clone(),
            None => return None,
        }
    }
    None
}

/// Who is calling with `token`, or the code 190 error Graph answers.
pub fn authenticate(shared: &Shared, token: Option<&str>) -> Result<Auth, GraphError> {
    let Some(token) = token else {
        return Err(GraphError::new(
            2500,
            "An active access token must be used to query information about the current user.",
        ));
    };
    let cfg = &shared.config;
    if token == format!("{}|{}", cfg.app_id, cfg.app_secret) {
        return Ok(Auth::App);
    }
    let now = shared.clock.now();
    let inner = shared.lock();
    if let Some(e) = problem(&inner, token, now, &cfg.app_id) {
        return Err(e);
    }
    let t = inner
        .tokens
        .get(token)
        .cloned()
        .ok_or_else(|| token_error(0, &cfg.app_id))?;
    Ok(Auth::Token(token.to_string(), Box::new(t)))
}

/// Invalidates `token` and, for a password change or app removal, every token of its user.
pub fn invalidate(inner: &mut Inner, token: &str, subcode: i64) -> Result<usize, String> {
    let user = inner
        .tokens
        .get(token)
        .map(|t| t.user_id.clone())
        .ok_or_else(|| "token: unknown to the sandbox".to_string())?;
    let mut n = 0;
    for (k, t) in inner.tokens.iter_mut() {
        let whole_user = matches!(subcode, 458 | 460) && t.user_id == user;
        if k == token || whole_user {
            t.invalid = Some(subcode);
            n += 1;
        }
    }
    Ok(n)
}
