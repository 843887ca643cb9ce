//! Helpers for tests that go through the Facebook Login dialog and the code exchange.

use serde_json::Value;

use super::{Env, V};

pub const APP: &str = "100000000000001";
pub const SECRET: &str = "sandbox-app-secret";
pub const SCOPES: &str = "pages_show_list,pages_manage_posts,pages_read_engagement,\
    business_management,instagram_basic,instagram_content_publish";
pub const REDIRECT: &str = "http://127.0.0.1:9/oauth/callback";

pub fn location(r: &reqwest::Response) -> url::Url {
    let loc = r
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    url::Url::parse(loc).expect("redirect location is a URL")
}

pub fn param(u: &url::Url, k: &str) -> Option<String> {
    u.query_pairs()
        .find(|(key, _)| key == k)
        .map(|(_, v)| v.into_owned())
}

/// Grants `pages` and `igs` in the dialog and answers the redirect.
pub async fn consent(
    env: &Env,
    user: &str,
    pages: &[String],
    igs: &[String],
    extra: &[(&str, &str)],
) -> url::Url {
    let mut form: Vec<(String, String)> = vec![
        ("client_id".into(), APP.into()),
        ("redirect_uri".into(), REDIRECT.into()),
        ("state".into(), "st4te".into()),
        ("scope".into(), SCOPES.into()),
        ("user_id".into(), user.into()),
        ("decision".into(), "continue".into()),
    ];
    form.extend(pages.iter().map(|p| ("page".to_string(), p.clone())));
    form.extend(igs.iter().map(|p| ("ig".to_string(), p.clone())));
    form.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    let r = env
        .http
        .post(format!("{}/www/{V}/dialog/oauth/decide", env.base))
        .form(&form)
        .send()
        .await
        .expect("decide");
    assert_eq!(r.status().as_u16(), 302);
    location(&r)
}

pub async fn exchange(
    env: &Env,
    code: &str,
    redirect: &str,
    verifier: Option<&str>,
) -> (u16, Value) {
    let mut q = vec![
        ("client_id", APP),
        ("client_secret", SECRET),
        ("redirect_uri", redirect),
        ("code", code),
    ];
    if let Some(v) = verifier {
        q.push(("code_verifier", v));
    }
    let r = env
        .http
        .get(env.graph("oauth/access_token"))
        .query(&q)
        .send()
        .await
        .expect("exchange");
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}
