//! Meta's `signed_request` (deauthorize and data-deletion callbacks):
//! `base64url(signature).base64url(payload)`, the signature an HMAC-SHA256 of the encoded
//! payload with the app secret, the payload JSON with `algorithm`, `user_id` and
//! `issued_at`. Refused when forged, malformed, of another algorithm, or stale.

use base64::engine::general_purpose::{URL_SAFE, URL_SAFE_NO_PAD};
use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use hmac::{Hmac, Mac};
use serde::Deserialize;
use sha2::Sha256;
use subtle::ConstantTimeEq;

/// A request issued longer ago than this is refused (a replayed callback).
pub const MAX_AGE: Duration = Duration::hours(1);

/// How far in the future `issued_at` may be (clock skew).
pub const MAX_SKEW: Duration = Duration::minutes(5);

/// Longest accepted `signed_request`.
const MAX_LEN: usize = 8 * 1024;

/// Why a `signed_request` was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignedRequestError {
    #[error("signed_request is missing or empty")]
    Empty,
    #[error("signed_request is not `signature.payload` in base64url")]
    Malformed,
    #[error("signed_request's algorithm is not HMAC-SHA256")]
    WrongAlgorithm,
    #[error("signed_request's signature does not match")]
    Mismatch,
    #[error("signed_request was issued too long ago or in the future")]
    Stale,
}

/// What a verified `signed_request` says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedRequest {
    /// The app-scoped id of the Meta user.
    pub user_id: String,
    pub issued_at: DateTime<Utc>,
}

#[derive(Deserialize)]
struct Payload {
    algorithm: String,
    #[serde(default)]
    user_id: Option<serde_json::Value>,
    issued_at: i64,
}

fn decode(part: &str) -> Result<Vec<u8>, SignedRequestError> {
    URL_SAFE_NO_PAD
        .decode(part)
        .or_else(|_| URL_SAFE.decode(part))
        .map_err(|_| SignedRequestError::Malformed)
}

/// Signs a payload as Meta does (the sandbox and tests use it).
pub fn sign(app_secret: &[u8], payload: &serde_json::Value) -> String {
    let encoded = URL_SAFE_NO_PAD.encode(payload.to_string());
    let mut mac =
        Hmac::<Sha256>::new_from_slice(app_secret).expect("HMAC-SHA256 accepts keys of any length");
    mac.update(encoded.as_bytes());
    format!(
        "{}.{encoded}",
        URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
    )
}

/// Verifies and reads a `signed_request`.
pub fn verify(
    app_secret: &[u8],
    signed_request: &str,
    now: DateTime<Utc>,
) -> Result<SignedRequest, SignedRequestError> {
    let text = signed_request.trim();
    if text.is_empty() {
        return Err(SignedRequestError::Empty);
    }
    if text.len() > MAX_LEN {
        return Err(SignedRequestError::Malformed);
    }
    let (sig_part, payload_part) = text.split_once('.').ok_or(SignedRequestError::Malformed)?;
    if sig_part.is_empty() || payload_part.is_empty() {
        return Err(SignedRequestError::Malformed);
    }
    let given = decode(sig_part)?;
    let payload_bytes = decode(payload_part)?;

    // The signature is checked before the payload is trusted for anything.
    let mut mac =
        Hmac::<Sha256>::new_from_slice(app_secret).expect("HMAC-SHA256 accepts keys of any length");
    mac.update(payload_part.as_bytes());
    let expected = mac.finalize().into_bytes();
    if given.len() != expected.len() || !bool::from(given.as_slice().ct_eq(&expected)) {
        return Err(SignedRequestError::Mismatch);
    }

    let payload: Payload =
        serde_json::from_slice(&payload_bytes).map_err(|_| SignedRequestError::Malformed)?;
    if !payload.algorithm.eq_ignore_ascii_case("HMAC-SHA256") {
        return Err(SignedRequestError::WrongAlgorithm);
    }
    let user_id = match payload.user_id {
        Some(serde_json::Value::String(s)) if !s.is_empty() => s,
        Some(serde_json::Value::Number(n)) => n.to_string(),
        _ => return Err(SignedRequestError::Malformed),
    };
    let issued_at =
        DateTime::from_timestamp(payload.issued_at, 0).ok_or(SignedRequestError::Stale)?;
    if now - issued_at > MAX_AGE || issued_at - now > MAX_SKEW {
        return Err(SignedRequestError::Stale);
    }
    Ok(SignedRequest { user_id, issued_at })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    const SECRET: &[u8] = b"app-secret";

    fn payload(issued_at: i64) -> serde_json::Value {
        json!({"algorithm": "HMAC-SHA256", "user_id": "1234567890", "issued_at": issued_at})
    }

    #[test]
    fn a_fresh_signed_request_is_read() {
        let now = Utc::now();
        let signed = sign(SECRET, &payload(now.timestamp()));
        let read = verify(SECRET, &signed, now).unwrap();
        assert_eq!(read.user_id, "1234567890");
    }

    #[test]
    fn forged_truncated_empty_wrong_and_stale_are_refused() {
        let now = Utc::now();
        let good = sign(SECRET, &payload(now.timestamp()));
        let (sig, body) = good.split_once('.').unwrap();

        assert_eq!(verify(SECRET, "", now), Err(SignedRequestError::Empty));
        assert_eq!(
            verify(SECRET, "v1,", now),
            Err(SignedRequestError::Malformed)
        );
        assert_eq!(verify(SECRET, ".", now), Err(SignedRequestError::Malformed));
        assert_eq!(
            verify(SECRET, &format!(".{body}"), now),
            Err(SignedRequestError::Malformed)
        );
        assert_eq!(
            verify(SECRET, &format!("{}.{body}", &sig[..8]), now),
            Err(SignedRequestError::Mismatch)
        );
        // A payload cut short may or may not still be valid base64: refused either way.
        let cut = verify(SECRET, &good[..good.len() - 3], now);
        assert!(
            matches!(
                cut,
                Err(SignedRequestError::Mismatch | SignedRequestError::Malformed)
            ),
            "{cut:?}"
        );
        assert_eq!(
            verify(b"other", &good, now),
            Err(SignedRequestError::Mismatch)
        );

        let md5 = json!({"algorithm": "HMAC-MD5", "user_id": "1", "issued_at": now.timestamp()});
        assert_eq!(
            verify(SECRET, &sign(SECRET, &md5), now),
            Err(SignedRequestError::WrongAlgorithm)
        );

        let old = sign(SECRET, &payload((now - Duration::hours(2)).timestamp()));
        assert_eq!(verify(SECRET, &old, now), Err(SignedRequestError::Stale));
        let future = sign(SECRET, &payload((now + Duration::hours(1)).timestamp()));
        assert_eq!(verify(SECRET, &future, now), Err(SignedRequestError::Stale));
    }

    proptest! {
        #[test]
        fn verify_never_panics(text in ".{0,300}") {
            let _ = verify(SECRET, &text, Utc::now());
        }

        #[test]
        fn verify_never_panics_on_dotted_base64(a in "[A-Za-z0-9_=-]{0,60}", b in "[A-Za-z0-9_=-]{0,200}") {
            let _ = verify(SECRET, &format!("{a}.{b}"), Utc::now());
        }
    }
}
