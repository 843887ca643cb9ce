//! Keeps secrets out of anything logged or put in an error: URLs are shown with the values
//! of token-bearing parameters replaced.

use url::Url;

/// Query parameters whose values are secrets.
const SECRET_PARAMS: &[&str] = &[
    "access_token",
    "client_secret",
    "code",
    "code_verifier",
    "fb_exchange_token",
    "input_token",
    "refresh_token",
];

/// The URL with every secret parameter's value replaced by `***`.
pub fn redact_url(url: &Url) -> String {
    let mut shown = url.clone();
    if url.query().is_some() {
        let pairs: Vec<(String, String)> = url
            .query_pairs()
            .map(|(key, value)| {
                let value = if SECRET_PARAMS.contains(&key.as_ref()) {
                    "***".to_owned()
                } else {
                    value.into_owned()
                };
                (key.into_owned(), value)
            })
            .collect();
        shown.query_pairs_mut().clear().extend_pairs(pairs);
    }
    let _ = shown.set_password(None);
    shown.to_string()
}

/// Replaces every occurrence of `secret` in `text` (for messages that quote a request).
pub fn scrub(text: &str, secret: &str) -> String {
    if secret.len() < 4 {
        return text.to_owned();
    }
    text.replace(secret, "***")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_and_secrets_are_hidden() {
        let url = Url::parse(
            "https://graph.example/v26.0/oauth/access_token?client_id=1&client_secret=s3cr3t\
             &code=abc&fb_exchange_token=EAAB&redirect_uri=https%3A%2F%2Fh%2Fcb",
        )
        .unwrap();
        let shown = redact_url(&url);
        for secret in ["s3cr3t", "abc", "EAAB"] {
            assert!(!shown.contains(secret), "{shown}");
        }
        assert!(shown.contains("client_id=1"), "{shown}");
        assert!(shown.contains("redirect_uri="), "{shown}");
    }

    #[test]
    fn scrub_removes_a_token_from_text() {
        assert_eq!(
            scrub("failed for EAABtoken!", "EAABtoken"),
            "failed for ***!"
        );
    }
}
