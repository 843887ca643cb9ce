//! Meta's calls into Herald: the subscription check, signed notifications (stored once,
//! forwarded as `comment.received`), and the deauthorize and data-deletion callbacks.
//! Forged, truncated, empty, wrong-version and stale signatures are refused.

mod api_support;

use api_support::{spawn, META_APP_SECRET, META_VERIFY_TOKEN};
use herald_web::meta_webhooks::{signature, signed_request};
use serde_json::json;

#[actix_rt::test]
async fn the_subscription_check_compares_the_verify_token() {
    let app = spawn().await;
    let ok = app
        .http
        .get(app.url(&format!(
            "/webhooks/meta?hub.mode=subscribe&hub.verify_token={META_VERIFY_TOKEN}&hub.challenge=12345"
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    assert_eq!(ok.text().await.unwrap(), "12345");
    for query in [
        "hub.mode=subscribe&hub.verify_token=wrong&hub.challenge=1",
        "hub.mode=subscribe&hub.challenge=1",
        &format!("hub.mode=unsubscribe&hub.verify_token={META_VERIFY_TOKEN}&hub.challenge=1"),
    ] {
        let resp = app
            .http
            .get(app.url(&format!("/webhooks/meta?{query}")))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 403, "{query}");
    }
}

fn comment_body(page: &str, comment: &str) -> Vec<u8> {
    json!({"object": "page", "entry": [{"id": page, "time": 1, "changes": [{"field": "feed", "value": {
        "item": "comment", "verb": "add", "comment_id": comment, "post_id": format!("{page}_1"),
        "message": "Nice!", "from": {"id": "9", "name": "Fan"}}}]}]})
    .to_string()
    .into_bytes()
}

#[actix_rt::test]
async fn notifications_are_verified_stored_once_and_forwarded() {
    let app = spawn().await;
    let a = app.agency("Comments").await;
    let page = {
        let s = app.services.clone();
        let tenant = a.tenant;
        let account = a.fb_account;
        actix_web::web::block(move || {
            let mut conn = s.store.conn().unwrap();
            herald_platform::store::accounts_api::get_tenant_account(&mut conn, tenant, account)
                .unwrap()
                .external_id
        })
        .await
        .unwrap()
    };
    let body = comment_body(&page, "c-1");
    let post = |body: Vec<u8>, sig: Option<String>| {
        let mut req = app
            .http
            .post(app.url("/webhooks/meta"))
            .header("content-type", "application/json")
            .body(body);
        if let Some(sig) = sig {
            req = req.header("X-Hub-Signature-256", sig);
        }
        req.send()
    };

    // Refused: missing, empty, truncated, wrong version, forged, and a body changed after signing.
    let good = signature::sign(META_APP_SECRET.as_bytes(), &body);
    let bad = [
        None,
        Some("sha256=".to_owned()),
        Some("v1,".to_owned()),
        Some(good[..30].to_owned()),
        Some(good.replace("sha256=", "sha1=")),
        Some(signature::sign(b"forged", &body)),
    ];
    for sig in bad {
        let resp = post(body.clone(), sig.clone()).await.unwrap();
        assert_eq!(resp.status(), 401, "{sig:?}");
    }
    let mut changed = body.clone();
    changed.extend_from_slice(b" ");
    assert_eq!(
        post(changed, Some(good.clone())).await.unwrap().status(),
        401
    );

    // Accepted twice (Meta retries), stored and forwarded once.
    for _ in 0..2 {
        let resp = post(body.clone(), Some(good.clone())).await.unwrap();
        assert_eq!(resp.status(), 200);
    }
    // Processing happens after the answer: wait for it (briefly) to show in the outbox.
    let mut comments = Vec::new();
    for _ in 0..100 {
        let s = app.services.clone();
        let tenant = a.tenant;
        let events = actix_web::web::block(move || {
            let mut conn = s.store.conn().unwrap();
            herald_platform::store::outbox::list_for_tenant(&mut conn, tenant, 100).unwrap()
        })
        .await
        .unwrap();
        comments = events
            .into_iter()
            .filter(|e| e.event_type == "comment.received")
            .collect();
        if !comments.is_empty() {
            break;
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    actix_web::rt::time::sleep(std::time::Duration::from_millis(100)).await;
    assert_eq!(comments.len(), 1, "{comments:?}");
    let data = &comments[0].payload;
    assert_eq!(data["comment_id"], "c-1");
    assert_eq!(data["account_id"], a.fb_account.to_string());
    assert_eq!(data["tenant_id"], a.tenant.to_string());
}

fn signed(user: &str, issued_at: i64) -> String {
    signed_request::sign(
        META_APP_SECRET.as_bytes(),
        &json!({"algorithm": "HMAC-SHA256", "user_id": user, "issued_at": issued_at}),
    )
}

#[actix_rt::test]
async fn deauthorize_and_data_deletion_verify_the_signed_request() {
    let app = spawn().await;
    let a = app.agency("Meta user").await;
    let user = {
        let s = app.services.clone();
        let tenant = a.tenant;
        actix_web::web::block(move || {
            let mut conn = s.store.conn().unwrap();
            herald_platform::store::connections::list(&mut conn, tenant).unwrap()[0]
                .meta_user_id
                .clone()
        })
        .await
        .unwrap()
    };
    let now = chrono::Utc::now().timestamp();
    let form = |value: String| {
        app.http
            .post(app.url("/webhooks/meta/deauthorize"))
            .form(&[("signed_request", value)])
            .send()
    };

    let good = signed(&user, now);
    let (sig, payload) = good.split_once('.').unwrap();
    let refused = [
        String::new(),
        "v1,".to_owned(),
        format!("{}.{payload}", &sig[..8]),
        good[..good.len() - 4].to_owned(),
        signed_request::sign(
            b"forged",
            &json!({"algorithm": "HMAC-SHA256", "user_id": user, "issued_at": now}),
        ),
        signed_request::sign(
            META_APP_SECRET.as_bytes(),
            &json!({"algorithm": "HMAC-SHA1", "user_id": user, "issued_at": now}),
        ),
        signed(&user, now - 7200),
    ];
    for value in refused {
        let resp = form(value.clone()).await.unwrap();
        assert_eq!(resp.status(), 400, "{value}");
    }
    // Nothing changed yet.
    let (status, accounts) = app
        .call(
            reqwest::Method::GET,
            &format!("/api/v1/tenants/{}/accounts", a.tenant),
            &a.key,
            None,
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert!(accounts["data"]
        .as_array()
        .unwrap()
        .iter()
        .all(|acc| acc["status"] == "active"));

    let resp = form(good).await.unwrap();
    assert_eq!(resp.status(), 200);
    let (_, accounts) = app
        .call(
            reqwest::Method::GET,
            &format!("/api/v1/tenants/{}/accounts", a.tenant),
            &a.key,
            None,
            None,
        )
        .await;
    assert!(
        accounts["data"]
            .as_array()
            .unwrap()
            .iter()
            .all(|acc| acc["status"] == "disconnected"),
        "{accounts}"
    );

    // Data deletion: a status URL and a code; the accounts are gone.
    let resp = app
        .http
        .post(app.url("/webhooks/meta/data-deletion"))
        .form(&[("signed_request", signed(&user, now))])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let answer: serde_json::Value = resp.json().await.unwrap();
    let code = answer["confirmation_code"].as_str().unwrap();
    let status_url = answer["url"].as_str().unwrap();
    assert!(status_url.ends_with(&format!("/webhooks/meta/deletion/{code}")));
    let (_, accounts) = app
        .call(
            reqwest::Method::GET,
            &format!("/api/v1/tenants/{}/accounts", a.tenant),
            &a.key,
            None,
            None,
        )
        .await;
    assert_eq!(accounts["data"].as_array().unwrap().len(), 0);

    let page = app
        .http
        .get(app.url(&format!("/webhooks/meta/deletion/{code}")))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("completed"));
    let unknown = app
        .http
        .get(app.url("/webhooks/meta/deletion/000000000000000000000000"))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);
}
