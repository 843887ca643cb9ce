//! Standard Webhooks signing: `whsec_` secrets and the `webhook-signature` header.
//!
//! The signed content is `{webhook-id}.{webhook-timestamp}.{body}`; each signature is
//! `v1,<base64 HMAC-SHA256>`. During a secret rotation Herald signs with every active
//! secret, separated by spaces, so a receiver holding either secret accepts the delivery.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

use crate::secret::Secret;

/// The prefix of every endpoint secret, as the Standard Webhooks specification names it.
pub const SECRET_PREFIX: &str = "whsec_";

/// Bytes of key material in a fresh secret.
const SECRET_BYTES: usize = 32;

/// A secret that does not have the `whsec_<base64>` form.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("secret: must be `whsec_` followed by base64 key material of 24 to 64 bytes")]
pub struct BadSecret;

/// An endpoint's signing secret. Never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct SigningSecret {
    text: Secret,
    key: Vec<u8>,
}

impl std::fmt::Debug for SigningSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SigningSecret(***)")
    }
}

impl SigningSecret {
    /// A fresh random secret.
    pub fn generate() -> Self {
        let mut key = vec![0u8; SECRET_BYTES];
        rand::thread_rng().fill_bytes(&mut key);
        let text = Secret::new(format!("{SECRET_PREFIX}{}", STANDARD.encode(&key)));
        Self { text, key }
    }

    /// Reads `whsec_<base64>`.
    pub fn parse(text: &str) -> Result<Self, BadSecret> {
        let encoded = text.strip_prefix(SECRET_PREFIX).ok_or(BadSecret)?;
        let key = STANDARD.decode(encoded).map_err(|_| BadSecret)?;
        if !(24..=64).contains(&key.len()) {
            return Err(BadSecret);
        }
        Ok(Self {
            text: Secret::new(text),
            key,
        })
    }

    /// The `whsec_…` text: shown to the agency once, and stored through the vault.
    pub fn expose(&self) -> &str {
        self.text.expose()
    }

    /// One `v1,<base64>` signature of a message.
    pub fn sign(&self, msg_id: &str, timestamp: i64, body: &[u8]) -> String {
        format!("v1,{}", STANDARD.encode(self.mac(msg_id, timestamp, body)))
    }

    fn mac(&self, msg_id: &str, timestamp: i64, body: &[u8]) -> Vec<u8> {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key)
            .expect("HMAC-SHA256 accepts keys of any length");
        mac.update(msg_id.as_bytes());
        mac.update(b".");
        mac.update(timestamp.to_string().as_bytes());
        mac.update(b".");
        mac.update(body);
        mac.finalize().into_bytes().to_vec()
    }

    /// Whether `header` (a `webhook-signature` value) holds a valid `v1` signature of
    /// the message by this secret. Comparison is constant-time.
    pub fn verify(&self, header: &str, msg_id: &str, timestamp: i64, body: &[u8]) -> bool {
        let expected = self.mac(msg_id, timestamp, body);
        header
            .split(' ')
            .filter_map(|part| part.strip_prefix("v1,"))
            .any(|encoded| {
                STANDARD.decode(encoded).is_ok_and(|given| {
                    use subtle::ConstantTimeEq;
                    given.len() == expected.len() && bool::from(given.ct_eq(&expected))
                })
            })
    }
}

/// The `webhook-signature` header value: one signature per active secret.
pub fn signature_header(
    secrets: &[SigningSecret],
    msg_id: &str,
    timestamp: i64,
    body: &[u8],
) -> String {
    secrets
        .iter()
        .map(|secret| secret.sign(msg_id, timestamp, body))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_specifications_example() {
        // The example in the Standard Webhooks specification.
        let secret = SigningSecret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        let body = br#"{"test": 2432232314}"#;
        let sig = secret.sign("msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body);
        assert_eq!(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    #[test]
    fn rotation_signs_with_every_active_secret() {
        let old = SigningSecret::generate();
        let new = SigningSecret::generate();
        let header = signature_header(&[new.clone(), old.clone()], "evt_1", 7, b"{}");
        assert_eq!(header.split(' ').count(), 2);
        assert!(old.verify(&header, "evt_1", 7, b"{}"));
        assert!(new.verify(&header, "evt_1", 7, b"{}"));
        assert!(!new.verify(&header, "evt_1", 8, b"{}"));
        assert!(!SigningSecret::generate().verify(&header, "evt_1", 7, b"{}"));
    }

    #[test]
    fn malformed_secrets_are_refused() {
        for bad in ["", "whsec_", "secret", "whsec_!!!", "whsec_AAAA"] {
            assert_eq!(SigningSecret::parse(bad), Err(BadSecret), "{bad}");
        }
        let fresh = SigningSecret::generate();
        assert_eq!(SigningSecret::parse(fresh.expose()).unwrap(), fresh);
        assert_eq!(format!("{fresh:?}"), "SigningSecret(***)");
    }
}
