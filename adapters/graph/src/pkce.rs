//! PKCE (RFC 7636, S256) and the `state` value of a login dialog.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use herald_platform::secret::Secret;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// A PKCE verifier and its S256 challenge. The verifier is secret until the exchange.
#[derive(Debug, Clone)]
pub struct Pkce {
    pub verifier: Secret,
    pub challenge: String,
}

fn random_urlsafe(bytes: usize) -> String {
    let mut buffer = vec![0u8; bytes];
    rand::thread_rng().fill_bytes(&mut buffer);
    URL_SAFE_NO_PAD.encode(buffer)
}

impl Pkce {
    /// A fresh verifier of 43 characters (32 random bytes) and its challenge.
    pub fn generate() -> Self {
        Self::from_verifier(Secret::new(random_urlsafe(32)))
    }

    pub fn from_verifier(verifier: Secret) -> Self {
        let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.expose().as_bytes()));
        Self {
            verifier,
            challenge,
        }
    }
}

/// A fresh, unguessable `state` for a login dialog.
pub fn new_state() -> String {
    random_urlsafe(24)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_challenge_matches_rfc_7636_appendix_b() {
        let pkce = Pkce::from_verifier(Secret::new("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"));
        assert_eq!(
            pkce.challenge,
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn verifiers_and_states_are_fresh_each_time() {
        assert_ne!(Pkce::generate().challenge, Pkce::generate().challenge);
        assert_ne!(new_state(), new_state());
        assert_eq!(Pkce::generate().verifier.expose().len(), 43);
    }
}
