//! Signed media URLs: Meta fetches media from Herald by URL, without credentials, so a
//! URL carries its own permission: an expiry and an HMAC over the media id and that
//! expiry. Anyone without the key cannot mint one, and a URL stops working when it expires.

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

use crate::ids::MediaId;
use crate::secret::Secret;

/// The path under which media is served: `/media/{media_id}?expires=…&sig=…`.
pub const MEDIA_PATH: &str = "/media";

/// Signs and checks media URLs with one key.
#[derive(Clone)]
pub struct MediaUrlSigner {
    key: Secret,
}

impl std::fmt::Debug for MediaUrlSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MediaUrlSigner(***)")
    }
}

impl MediaUrlSigner {
    pub fn new(key: Secret) -> Self {
        Self { key }
    }

    fn mac(&self, media: MediaId, expires: i64) -> Vec<u8> {
        let mut mac = Hmac::<Sha256>::new_from_slice(self.key.expose().as_bytes())
            .expect("HMAC-SHA256 accepts keys of any length");
        mac.update(format!("herald.media.v1:{media}:{expires}").as_bytes());
        mac.finalize().into_bytes().to_vec()
    }

    /// The signature query value for `media` until `expires`.
    pub fn signature(&self, media: MediaId, expires: DateTime<Utc>) -> String {
        hex::encode(self.mac(media, expires.timestamp()))
    }

    /// A full URL under `public_url`.
    pub fn url(&self, public_url: &str, media: MediaId, expires: DateTime<Utc>) -> String {
        format!(
            "{}{MEDIA_PATH}/{media}?expires={}&sig={}",
            public_url.trim_end_matches('/'),
            expires.timestamp(),
            self.signature(media, expires)
        )
    }

    /// Whether `sig` is this key's signature for `media` until `expires` (Unix seconds),
    /// and `expires` is still ahead of `now`. Constant-time.
    pub fn verify(&self, media: MediaId, expires: i64, sig: &str, now: DateTime<Utc>) -> bool {
        if expires <= now.timestamp() {
            return false;
        }
        let Ok(given) = hex::decode(sig) else {
            return false;
        };
        let expected = self.mac(media, expires);
        given.len() == expected.len() && bool::from(given.ct_eq(&expected))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    #[test]
    fn a_url_works_until_it_expires_and_for_its_media_only() {
        let signer = MediaUrlSigner::new(Secret::new("k"));
        let now = Utc::now();
        let media = MediaId::new();
        let expires = now + Duration::hours(1);
        let sig = signer.signature(media, expires);
        assert!(signer.verify(media, expires.timestamp(), &sig, now));
        assert!(!signer.verify(media, expires.timestamp(), &sig, now + Duration::hours(2)));
        assert!(!signer.verify(MediaId::new(), expires.timestamp(), &sig, now));
        assert!(!signer.verify(media, expires.timestamp() + 1, &sig, now));
        assert!(!signer.verify(media, expires.timestamp(), "zz", now));
        assert!(!MediaUrlSigner::new(Secret::new("other")).verify(
            media,
            expires.timestamp(),
            &sig,
            now
        ));
        let url = signer.url("http://127.0.0.1:8080/", media, expires);
        assert!(url.starts_with(&format!("http://127.0.0.1:8080/media/{media}?expires=")));
    }
}
