//! Login dialog over plain HTTP, code exchange, long-lived tokens, debug_token, token death,
//! and Instagram Login token rules.

mod common;

use base64::Engine;
use common::*;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

const APP: &str = "100000000000001";
const SECRET: &str = "sandbox-app-secret";
const SCOPES: &str = "pages_show_list,pages_manage_posts,pages_read_engagement,\
    business_management,instagram_basic,instagram_content_publish";
const REDIRECT: &str = "http://127.0.0.1:9/oauth/callback";

fn location(r: &reqwest::Response) -> url::Url {
    let loc = r
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    url::Url::parse(loc).expect("redirect location is a URL")
}

fn param(u: &url::Url, k: &str) -> Option<String> {
    u.query_pairs()
        .find(|(key, _)| key == k)
        .map(|(_, v)| v.into_owned())
}

/// Grants `pages` and `igs` in the dialog and answers the redirect.
async fn consent(
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

async fn exchange(env: &Env, code: &str, redirect: &str, verifier: Option<&str>) -> (u16, Value) {
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

#[actix_web::test]
async fn dialog_lists_pages_and_checks_redirect_uri() {
    let env = start().await;
    env.user().await;
    let ok = env
        .http
        .get(format!("{}/www/{V}/dialog/oauth", env.base))
        .query(&[
            ("client_id", APP),
            ("redirect_uri", REDIRECT),
            ("state", "s"),
            ("response_type", "code"),
        ])
        .send()
        .await
        .expect("dialog");
    assert_eq!(ok.status().as_u16(), 200);
    let html = ok.text().await.unwrap_or_default();
    assert!(
        html.contains("Ada&#39;s Bakery") && html.contains("type=\"checkbox\""),
        "{html}"
    );
    let bad = env
        .http
        .get(format!("{}/www/{V}/dialog/oauth", env.base))
        .query(&[
            ("client_id", APP),
            ("redirect_uri", "https://evil.example/cb"),
            ("state", "s"),
        ])
        .send()
        .await
        .expect("dialog");
    assert_eq!(
        bad.status().as_u16(),
        400,
        "a non-whitelisted redirect is never followed"
    );
    assert!(bad.headers().get("location").is_none());
}

#[actix_web::test]
async fn partial_grant_shows_in_granular_scopes() {
    let env = start().await;
    let user = env.user().await;
    let uid = user["id"].as_str().unwrap_or("").to_string();
    // Grant only the Page without IG, and the IG account of the other Page.
    let back = consent(&env, &uid, &[page_id(&user, 1)], &[ig_id(&user)], &[]).await;
    assert_eq!(param(&back, "state").as_deref(), Some("st4te"));
    let code = param(&back, "code").expect("code");
    let (st, v) = exchange(&env, &code, REDIRECT, None).await;
    assert_eq!(st, 200, "{v}");
    let short = v["access_token"].as_str().unwrap_or("").to_string();
    assert!(v["expires_in"]
        .as_i64()
        .is_some_and(|e| e > 0 && e < 86_400));

    let (st, again) = exchange(&env, &code, REDIRECT, None).await;
    assert_eq!(
        (st, codes(&again)),
        (400, (100, Some(36009))),
        "codes are single-use"
    );

    let app_token = format!("{APP}|{SECRET}");
    let (_, dbg, _) = env
        .get(
            &env.graph(&format!("debug_token?input_token={short}")),
            &app_token,
        )
        .await;
    let data = &dbg["data"];
    assert_eq!(data["is_valid"], true);
    assert_eq!(data["type"], "USER");
    let target = |scope: &str| -> Vec<Value> {
        data["granular_scopes"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|g| g["scope"] == scope)
            .and_then(|g| g["target_ids"].as_array().cloned())
            .unwrap_or_default()
    };
    assert_eq!(
        target("pages_manage_posts"),
        vec![Value::String(page_id(&user, 1))]
    );
    assert_eq!(
        target("instagram_content_publish"),
        vec![Value::String(ig_id(&user))]
    );

    let (_, accts, _) = env.get(&env.graph("me/accounts"), &short).await;
    assert_eq!(
        accts["data"].as_array().map(Vec::len),
        Some(1),
        "only the granted Page: {accts}"
    );
    // The IG account's Page was not granted: the IG account cannot be used.
    let page_tok = accts["data"][0]["access_token"]
        .as_str()
        .unwrap_or("")
        .to_string();
    let (st, e) = env
        .post(
            &env.graph(&format!("{}/media", ig_id(&user))),
            &page_tok,
            &[("image_url", &env.media_url("square_1080.jpg"))],
        )
        .await;
    assert_eq!((st, codes(&e)), (400, (100, Some(33))));
}

#[actix_web::test]
async fn code_expires_redirect_must_match_and_cancel_denies() {
    let env = start().await;
    let user = env.user().await;
    let uid = user["id"].as_str().unwrap_or("").to_string();
    let code = param(
        &consent(&env, &uid, &[page_id(&user, 0)], &[], &[]).await,
        "code",
    )
    .expect("code");
    let (st, e) = exchange(&env, &code, "http://127.0.0.1:9/other", None).await;
    assert_eq!((st, codes(&e)), (400, (100, Some(36008))));

    let code = param(
        &consent(&env, &uid, &[page_id(&user, 0)], &[], &[]).await,
        "code",
    )
    .expect("code");
    env.advance(601).await;
    let (st, e) = exchange(&env, &code, REDIRECT, None).await;
    assert_eq!(
        (st, codes(&e)),
        (400, (100, Some(36007))),
        "ten-minute life"
    );

    let r = env
        .http
        .post(format!("{}/www/{V}/dialog/oauth/decide", env.base))
        .form(&[
            ("client_id", APP),
            ("redirect_uri", REDIRECT),
            ("state", "s1"),
            ("user_id", uid.as_str()),
            ("decision", "cancel"),
        ])
        .send()
        .await
        .expect("cancel");
    let back = location(&r);
    assert_eq!(param(&back, "error").as_deref(), Some("access_denied"));
    assert_eq!(param(&back, "state").as_deref(), Some("s1"));
    assert!(param(&back, "code").is_none());
}

#[actix_web::test]
async fn pkce_is_checked_when_a_challenge_was_sent() {
    let env = start().await;
    let user = env.user().await;
    let uid = user["id"].as_str().unwrap_or("").to_string();
    let verifier = "a-verifier-that-is-long-enough-for-pkce-0123456789";
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(Sha256::digest(verifier.as_bytes()));
    let extra = [
        ("code_challenge", challenge.as_str()),
        ("code_challenge_method", "S256"),
    ];
    let code = param(
        &consent(&env, &uid, &[page_id(&user, 0)], &[], &extra).await,
        "code",
    )
    .expect("code");
    let (st, _) = exchange(&env, &code, REDIRECT, Some("wrong")).await;
    assert_eq!(st, 400);
    let code = param(
        &consent(&env, &uid, &[page_id(&user, 0)], &[], &extra).await,
        "code",
    )
    .expect("code");
    let (st, v) = exchange(&env, &code, REDIRECT, Some(verifier)).await;
    assert_eq!(st, 200, "{v}");
}

#[actix_web::test]
async fn long_lived_exchange_and_page_tokens_without_expiry() {
    let env = start().await;
    let user = env.user().await;
    let uid = user["id"].as_str().unwrap_or("").to_string();
    let code = param(
        &consent(&env, &uid, &[page_id(&user, 0)], &[ig_id(&user)], &[]).await,
        "code",
    )
    .expect("code");
    let short = exchange(&env, &code, REDIRECT, None).await.1["access_token"]
        .as_str()
        .unwrap_or("")
        .to_string();
    let r = env
        .http
        .get(env.graph("oauth/access_token"))
        .query(&[
            ("grant_type", "fb_exchange_token"),
            ("client_id", APP),
            ("client_secret", SECRET),
            ("fb_exchange_token", short.as_str()),
        ])
        .send()
        .await
        .expect("ll");
    let v: Value = r.json().await.unwrap_or(Value::Null);
    assert_eq!(v["expires_in"], 5_184_000);
    let long = v["access_token"].as_str().unwrap_or("").to_string();
    let (_, accts, _) = env.get(&env.graph("me/accounts"), &long).await;
    let page_tok = accts["data"][0]["access_token"]
        .as_str()
        .unwrap_or("")
        .to_string();
    let app = format!("{APP}|{SECRET}");
    let (_, dbg, _) = env
        .get(
            &env.graph(&format!("debug_token?input_token={page_tok}")),
            &app,
        )
        .await;
    assert_eq!(
        (
            dbg["data"]["type"].as_str(),
            dbg["data"]["expires_at"].as_i64()
        ),
        (Some("PAGE"), Some(0))
    );

    // The short-lived token dies after hours; the long-lived one after about 60 days.
    env.advance(3 * 3600).await;
    let (st, e, _) = env.get(&env.graph("me"), &short).await;
    assert_eq!((st, codes(&e)), (400, (190, Some(463))));
    let (st, _, _) = env.get(&env.graph("me"), &long).await;
    assert_eq!(st, 200);
    env.advance(61 * 86_400).await;
    let (st, e, _) = env.get(&env.graph("me"), &long).await;
    assert_eq!((st, codes(&e)), (400, (190, Some(463))));
    let (st, _, _) = env.get(&env.graph("me"), &page_tok).await;
    assert_eq!(
        st, 200,
        "a Page token from a long-lived token never expires"
    );
}

#[actix_web::test]
async fn invalidated_tokens_answer_190_with_subcode() {
    let env = start().await;
    for sub in [458, 460, 463, 464, 467, 492] {
        let user = env.user().await;
        let utok = user["access_token"].as_str().unwrap_or("").to_string();
        let r = env
            .http
            .post(format!("{}/_sandbox/tokens/invalidate", env.base))
            .json(&json!({"token": utok, "subcode": sub}))
            .send()
            .await
            .expect("inv");
        assert_eq!(r.status().as_u16(), 200);
        let (st, e, _) = env.get(&env.graph("me"), &utok).await;
        assert_eq!((st, codes(&e)), (400, (190, Some(sub))));
        // Page tokens die with the user token they came from.
        let (st, e) = env
            .post(
                &env.graph(&format!("{}/feed", page_id(&user, 0))),
                &page_token(&user, 0),
                &[("message", "x")],
            )
            .await;
        assert_eq!((st, codes(&e)), (400, (190, Some(sub))));
    }
}

#[actix_web::test]
async fn lost_page_role_fails_for_that_page_only() {
    let env = start().await;
    let user = env.user().await;
    let r = env
        .http
        .post(format!("{}/_sandbox/roles/revoke", env.base))
        .json(&json!({"page_id": page_id(&user, 0), "user_id": user["id"]}))
        .send()
        .await
        .expect("revoke");
    assert_eq!(r.status().as_u16(), 200);
    let (st, e) = env
        .post(
            &env.graph(&format!("{}/feed", page_id(&user, 0))),
            &page_token(&user, 0),
            &[("message", "x")],
        )
        .await;
    assert_eq!((st, codes(&e).0), (400, 190));
    assert!(e["error"]["message"]
        .as_str()
        .is_some_and(|m| m.contains("must be granted before impersonating a user's page")));
    let (st, _) = env
        .post(
            &env.graph(&format!("{}/feed", page_id(&user, 1))),
            &page_token(&user, 1),
            &[("message", "x")],
        )
        .await;
    assert_eq!(st, 200);
}

#[actix_web::test]
async fn instagram_login_code_exchange_and_refresh_rules() {
    let env = start().await;
    let user = env.user().await;
    let uid = user["id"].as_str().unwrap_or("").to_string();
    let ig = user["instagram_login"]["id"]
        .as_str()
        .unwrap_or("")
        .to_string();
    let r = env
        .http
        .get(format!("{}/ig-www/oauth/authorize", env.base))
        .query(&[
            ("client_id", APP),
            ("redirect_uri", REDIRECT),
            ("state", "i"),
            ("response_type", "code"),
        ])
        .send()
        .await
        .expect("ig dialog");
    assert_eq!(r.status().as_u16(), 200);
    let r = env
        .http
        .post(format!("{}/ig-www/oauth/authorize/decide", env.base))
        .form(&[
            ("client_id", APP),
            ("redirect_uri", REDIRECT),
            ("state", "i"),
            ("user_id", uid.as_str()),
            ("ig", ig.as_str()),
            ("decision", "continue"),
        ])
        .send()
        .await
        .expect("decide");
    let code = param(&location(&r), "code").expect("code");
    let r = env
        .http
        .post(format!("{}/ig-api/oauth/access_token", env.base))
        .form(&[
            ("client_id", APP),
            ("client_secret", SECRET),
            ("grant_type", "authorization_code"),
            ("redirect_uri", REDIRECT),
            ("code", code.as_str()),
        ])
        .send()
        .await
        .expect("exchange");
    let v: Value = r.json().await.unwrap_or(Value::Null);
    assert_eq!(v["data"][0]["user_id"], Value::String(ig.clone()), "{v}");
    let short = v["data"][0]["access_token"]
        .as_str()
        .unwrap_or("")
        .to_string();

    let ig_graph = |p: &str| format!("{}/ig-graph/{p}", env.base);
    let r = env
        .http
        .get(ig_graph("access_token"))
        .query(&[
            ("grant_type", "ig_exchange_token"),
            ("client_secret", SECRET),
            ("access_token", short.as_str()),
        ])
        .send()
        .await
        .expect("x");
    let v: Value = r.json().await.unwrap_or(Value::Null);
    assert_eq!(v["expires_in"], 5_184_000, "{v}");
    let long = v["access_token"].as_str().unwrap_or("").to_string();

    let refresh = |t: String| {
        env.http
            .get(ig_graph("refresh_access_token"))
            .query(&[
                ("grant_type", "ig_refresh_token".to_string()),
                ("access_token", t),
            ])
            .send()
    };
    assert_eq!(
        refresh(long.clone()).await.expect("r").status().as_u16(),
        400,
        "too young to refresh"
    );
    env.advance(25 * 3600).await;
    let r = refresh(long.clone()).await.expect("r");
    assert_eq!(r.status().as_u16(), 200);
    env.advance(60 * 86_400).await;
    assert_eq!(
        refresh(long).await.expect("r").status().as_u16(),
        400,
        "an expired token cannot be refreshed"
    );
}
