//! CSRF tokens. Every form carries a `csrf` field derived from a secret only the browser's
//! cookies hold: the session token once signed in, else a pre-session cookie set on the
//! log-in and sign-up pages. A request from another site cannot read either cookie, so it
//! cannot produce the token; `SameSite=Lax` cookies are a second line.

use actix_web::cookie::{Cookie, SameSite};
use actix_web::HttpRequest;
use rand::RngCore;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::dashboard::page::PageError;

/// The pre-session cookie for forms shown before log-in.
pub const PRE_SESSION_COOKIE: &str = "herald_pre";

/// The form field every form posts its token in.
pub const FIELD: &str = "csrf";

/// The token for forms of a browser holding `secret` (a session token or the
/// pre-session cookie's value).
pub fn token_for(secret: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(b"herald-csrf-v1:");
    hasher.update(secret.as_bytes());
    hex::encode(hasher.finalize())
}

/// Checks a posted token against the browser's secret, in constant time.
pub fn verify(secret: &str, posted: &str) -> Result<(), PageError> {
    let expected = token_for(secret);
    if !secret.is_empty() && bool::from(expected.as_bytes().ct_eq(posted.as_bytes())) {
        Ok(())
    } else {
        Err(PageError::Csrf)
    }
}

/// 32 random bytes, hex: a fresh pre-session secret or session token.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// The browser's pre-session secret, and a cookie to set when it had none yet.
pub fn pre_session(req: &HttpRequest, secure: bool) -> (String, Option<Cookie<'static>>) {
    if let Some(cookie) = req.cookie(PRE_SESSION_COOKIE) {
        if cookie.value().len() == 64 {
            return (cookie.value().to_owned(), None);
        }
    }
    let secret = random_token();
    let cookie = Cookie::build(PRE_SESSION_COOKIE, secret.clone())
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
        .finish();
    (secret, Some(cookie))
}

/// Verifies a form posted before log-in against the pre-session cookie.
pub fn verify_pre_session(req: &HttpRequest, posted: &str) -> Result<(), PageError> {
    let secret = req
        .cookie(PRE_SESSION_COOKIE)
        .map(|c| c.value().to_owned())
        .unwrap_or_default();
    verify(&secret, posted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_verifies_only_for_its_secret() {
        let secret = random_token();
        let token = token_for(&secret);
        assert!(verify(&secret, &token).is_ok());
        assert!(verify(&random_token(), &token).is_err());
        assert!(verify(&secret, "").is_err());
        assert!(verify("", &token_for("")).is_err());
    }
}
