//! URL building and answer decoding of the login helpers.

use super::*;
use crate::config::GraphConfig;

fn client() -> GraphClient {
    let config = GraphConfig::for_sandbox("http://127.0.0.1:1").unwrap();
    GraphClient::new(config.with_app("42", Secret::new("shh"))).unwrap()
}

#[test]
fn the_dialog_url_carries_state_and_an_s256_challenge() {
    let pkce = Pkce::generate();
    let url = client().facebook_dialog_url(
        "https://herald.test/cb",
        "st4te",
        &["pages_show_list", "pages_manage_posts"],
        Some(&pkce),
    );
    assert!(url.path().ends_with("/www/v26.0/dialog/oauth"), "{url}");
    let query: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    let get = |k: &str| {
        query
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
    };
    assert_eq!(get("state"), Some("st4te"));
    assert_eq!(get("client_id"), Some("42"));
    assert_eq!(get("response_type"), Some("code"));
    assert_eq!(get("scope"), Some("pages_show_list,pages_manage_posts"));
    assert_eq!(get("code_challenge"), Some(pkce.challenge.as_str()));
    assert_eq!(get("code_challenge_method"), Some("S256"));
    assert!(
        !url.as_str().contains("shh"),
        "the app secret leaked: {url}"
    );
}

#[test]
fn the_instagram_authorize_url_has_no_version() {
    let url = client().instagram_authorize_url("https://h/cb", "s", &["instagram_business_basic"]);
    assert!(url.path().ends_with("/ig-www/oauth/authorize"), "{url}");
}

#[test]
fn debug_token_reads_granular_scopes() {
    let body = serde_json::json!({
        "app_id": "42", "type": "USER", "user_id": 7, "is_valid": true, "expires_at": 0,
        "scopes": ["pages_show_list"],
        "granular_scopes": [{"scope": "pages_show_list", "target_ids": ["1", "2"]}]
    });
    let debug: TokenDebug = decode("debug_token", body).unwrap();
    assert_eq!(debug.user_id.as_deref(), Some("7"));
    assert_eq!(
        debug.targets_of("pages_show_list"),
        Some(&["1".to_owned(), "2".to_owned()][..])
    );
    assert_eq!(debug.targets_of("instagram_basic"), None);
}
