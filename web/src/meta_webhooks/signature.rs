//! `X-Hub-Signature-256`: Meta's HMAC-SHA256 of the raw request body with the app secret,
//! sent as `sha256=<hex>`. Checked over the exact bytes received, before any parsing, in
//! constant time.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

/// The header Meta signs event notifications with.
pub const SIGNATURE_HEADER: &str = "x-hub-signature-256";

/// Why a signature was refused. Shown to nobody but the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("the X-Hub-Signature-256 header is missing")]
    Missing,
    #[error("the signature is not `sha256=` (wrong version or algorithm)")]
    WrongVersion,
    #[error("the signature is empty or not 64 hex digits")]
    Malformed,
    #[error("the signature does not match the body")]
    Mismatch,
}

/// Computes `sha256=<hex>` for a body (the sandbox and tests sign with it).
pub fn sign(app_secret: &[u8], body: &[u8]) -> String {
    format!("sha256={}", hex::encode(mac(app_secret, body)))
}

fn mac(app_secret: &[u8], body: &[u8]) -> [u8; 32] {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(app_secret).expect("HMAC-SHA256 accepts keys of any length");
    mac.update(body);
    mac.finalize().into_bytes().into()
}

/// Verifies a header value against the raw body.
pub fn verify(app_secret: &[u8], header: Option<&str>, body: &[u8]) -> Result<(), SignatureError> {
    let header = header.ok_or(SignatureError::Missing)?.trim();
    let hex_sig = header
        .strip_prefix("sha256=")
        .ok_or(SignatureError::WrongVersion)?;
    if hex_sig.len() != 64 {
        return Err(SignatureError::Malformed);
    }
    let given = hex::decode(hex_sig).map_err(|_| SignatureError::Malformed)?;
    let expected = mac(app_secret, body);
    if bool::from(given.as_slice().ct_eq(&expected)) {
        Ok(())
    } else {
        Err(SignatureError::Mismatch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const SECRET: &[u8] = b"app-secret";

    #[test]
    fn a_good_signature_passes_and_every_bad_one_is_refused() {
        let body = br#"{"object":"page","entry":[]}"#;
        let good = sign(SECRET, body);
        assert_eq!(verify(SECRET, Some(&good), body), Ok(()));

        assert_eq!(verify(SECRET, None, body), Err(SignatureError::Missing));
        assert_eq!(
            verify(SECRET, Some("sha256="), body),
            Err(SignatureError::Malformed)
        );
        assert_eq!(
            verify(SECRET, Some("v1,"), body),
            Err(SignatureError::WrongVersion)
        );
        assert_eq!(
            verify(SECRET, Some(""), body),
            Err(SignatureError::WrongVersion)
        );
        let sha1 = good.replace("sha256=", "sha1=");
        assert_eq!(
            verify(SECRET, Some(&sha1), body),
            Err(SignatureError::WrongVersion)
        );
        assert_eq!(
            verify(SECRET, Some(&good[..40]), body),
            Err(SignatureError::Malformed)
        );
        let forged = sign(b"another-secret", body);
        assert_eq!(
            verify(SECRET, Some(&forged), body),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(SECRET, Some(&good), b"{}"),
            Err(SignatureError::Mismatch)
        );
        let upper = format!("sha256={}", "Z".repeat(64));
        assert_eq!(
            verify(SECRET, Some(&upper), body),
            Err(SignatureError::Malformed)
        );
    }

    proptest! {
        #[test]
        fn verify_never_panics(header in ".{0,100}", body in proptest::collection::vec(any::<u8>(), 0..64)) {
            let _ = verify(SECRET, Some(&header), &body);
        }

        #[test]
        fn any_change_to_the_body_is_caught(body in proptest::collection::vec(any::<u8>(), 1..64), at in 0usize..64) {
            let sig = sign(SECRET, &body);
            let mut changed = body.clone();
            let i = at % changed.len();
            changed[i] ^= 0x01;
            prop_assert_eq!(verify(SECRET, Some(&sig), &changed), Err(SignatureError::Mismatch));
        }
    }
}
