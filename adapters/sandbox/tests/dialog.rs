//! The Facebook Login dialog over plain HTTP: consent, partial grants, single-use codes,
//! redirect_uri, PKCE, cancel.

mod common;

use base64::Engine;
use common::login::*;
use common::*;
use serde_json::Value;
use sha2::{Digest, Sha256};

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
async fn dialog_shows_the_newest_user_and_lets_you_switch() {
    let env = start().await;
    let first = env.user().await;
    let second: Value = env
        .http
        .post(format!("{}/_sandbox/users", env.base))
        .json(&serde_json::json!({"name": "Grace", "pages": [{"name": "Grace's Garage"}]}))
        .send()
        .await
        .expect("user")
        .json()
        .await
        .expect("json");
    let dialog = |as_user: Option<String>| {
        let mut q = vec![
            ("client_id", APP.to_string()),
            ("redirect_uri", REDIRECT.to_string()),
            ("state", "s".to_string()),
        ];
        q.extend(as_user.map(|u| ("as_user", u)));
        env.http
            .get(format!("{}/www/{V}/dialog/oauth", env.base))
            .query(&q)
            .send()
    };
    let html = dialog(None)
        .await
        .expect("dialog")
        .text()
        .await
        .unwrap_or_default();
    assert!(html.contains("Grace&#39;s Garage"), "{html}");
    assert!(html.contains("as_user="), "a link to switch user: {html}");
    let first_id = first["id"].as_str().map(String::from);
    let html = dialog(first_id)
        .await
        .expect("dialog")
        .text()
        .await
        .unwrap_or_default();
    assert!(html.contains("Ada&#39;s Bakery") && !html.contains("Grace&#39;s Garage\" checked"));
    assert!(second["id"].is_string());
}
