//! Tokens: long-lived exchange, Page tokens, expiry, invalidation, lost Page role, Instagram
//! Login tokens.

mod common;

use common::login::*;
use common::*;
use serde_json::{json, Value};

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
