//! Every create accepts an `Idempotency-Key`: the same key and body replays the first
//! answer; the same key with another body is a 409.

mod api_support;

use api_support::{fixture, spawn};
use reqwest::Method;
use serde_json::json;

/// Sends `first` twice and then `other` with one key; checks replay and conflict.
async fn check(
    app: &api_support::TestApp,
    key: &str,
    path: &str,
    first: serde_json::Value,
    other: serde_json::Value,
) -> serde_json::Value {
    let idem = format!("idem-{}", uuid::Uuid::new_v4().simple());
    let (s1, b1) = app
        .call(Method::POST, path, key, Some(&idem), Some(first.clone()))
        .await;
    assert!((200..300).contains(&s1), "{path}: {s1} {b1}");
    let (s2, mut b2) = app
        .call(Method::POST, path, key, Some(&idem), Some(first))
        .await;
    assert_eq!(s2, s1, "{path}: replay status");
    let mut without_secret = b1.clone();
    if let Some(o) = without_secret.as_object_mut() {
        o.remove("secret");
    }
    if let Some(o) = b2.as_object_mut() {
        o.remove("secret");
    }
    assert_eq!(b2, without_secret, "{path}: replay body");
    let (s3, b3) = app
        .call(Method::POST, path, key, Some(&idem), Some(other))
        .await;
    assert_eq!(s3, 409, "{path}: {b3}");
    assert_eq!(b3["error"]["code"], "idempotency_key_reused", "{path}");
    assert_eq!(b3["error"]["field"], "Idempotency-Key");
    b1
}

#[actix_rt::test]
async fn a_refused_request_does_not_use_up_its_key() {
    let app = spawn().await;
    let a = app.agency("Acme").await;
    let idem = "fix-and-retry";
    let (refused, body) = app
        .call(
            Method::POST,
            "/api/v1/tenants",
            &a.key,
            Some(idem),
            Some(json!({"name": ""})),
        )
        .await;
    assert!((400..500).contains(&refused), "{refused} {body}");
    assert_eq!(body["error"]["field"], "name", "{body}");
    let (created, tenant) = app
        .call(
            Method::POST,
            "/api/v1/tenants",
            &a.key,
            Some(idem),
            Some(json!({"name": "Fixed"})),
        )
        .await;
    assert_eq!(created, 201, "{tenant}");
    let (replayed, again) = app
        .call(
            Method::POST,
            "/api/v1/tenants",
            &a.key,
            Some(idem),
            Some(json!({"name": "Fixed"})),
        )
        .await;
    assert_eq!(replayed, 201);
    assert_eq!(again["id"], tenant["id"]);
}

#[actix_rt::test]
async fn every_create_replays_its_first_answer_and_refuses_another_body() {
    let app = spawn().await;
    let a = app.agency("Acme").await;
    let t = a.tenant;

    let tenant = check(
        &app,
        &a.key,
        "/api/v1/tenants",
        json!({"name": "One"}),
        json!({"name": "Two"}),
    )
    .await;
    assert!(tenant["id"].as_str().unwrap().starts_with("ten_"));

    let link = check(
        &app,
        &a.key,
        &format!("/api/v1/tenants/{t}/connect-links"),
        json!({}),
        json!({"x": 1}),
    )
    .await;
    assert!(link["url"].as_str().unwrap().contains("/connect/"));

    let post = check(
        &app,
        &a.key,
        &format!("/api/v1/tenants/{t}/posts"),
        json!({"account_id": a.fb_account.to_string(), "kind": "fb_feed", "caption": "hello"}),
        json!({"account_id": a.fb_account.to_string(), "kind": "fb_feed", "caption": "changed"}),
    )
    .await;
    assert_eq!(post["state"], "queued");

    for path in [
        format!("/api/v1/tenants/{t}/webhook-endpoints"),
        "/api/v1/webhook-endpoints".to_owned(),
    ] {
        let endpoint = check(
            &app,
            &a.key,
            &path,
            json!({"url": "http://127.0.0.1:9/hook"}),
            json!({"url": "http://127.0.0.1:9/other"}),
        )
        .await;
        assert!(endpoint["secret"].as_str().unwrap().starts_with("whsec_"));
        let id = endpoint["id"].as_str().unwrap();
        let rotated = check(
            &app,
            &a.key,
            &format!("{path}/{id}/rotate-secret"),
            json!({}),
            json!({"a": 1}),
        )
        .await;
        assert_ne!(rotated["secret"], endpoint["secret"]);
        let test = check(
            &app,
            &a.key,
            &format!("{path}/{id}/test"),
            json!({}),
            json!({"a": 1}),
        )
        .await;
        assert!(test["id"].as_str().unwrap().starts_with("evt_"));
    }

    let deliveries_path = format!("/api/v1/tenants/{t}/deliveries");
    let (status, list) = app
        .call(Method::GET, &deliveries_path, &a.key, None, None)
        .await;
    assert_eq!(status, 200, "{list}");
    let delivery = list["data"][0]["id"].as_str().unwrap().to_owned();
    let redelivered = check(
        &app,
        &a.key,
        &format!("{deliveries_path}/{delivery}/redeliver"),
        json!({}),
        json!({"a": 1}),
    )
    .await;
    assert!(redelivered["id"].as_str().unwrap().starts_with("dlv_"));
}

/// A multipart body with a fixed boundary, so a retry sends the same bytes.
fn multipart(bytes: &[u8], name: &str) -> (String, Vec<u8>) {
    let boundary = "herald-test-boundary";
    let mut body = format!(
        "--{boundary}\r\ncontent-disposition: form-data; name=\"file\"; filename=\"{name}\"\r\ncontent-type: application/octet-stream\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

#[actix_rt::test]
async fn media_upload_replays_probes_and_serves_by_signed_url() {
    let app = spawn().await;
    let a = app.agency("Media").await;
    let url = app.url(&format!("/api/v1/tenants/{}/media", a.tenant));
    let (content_type, body) = multipart(&fixture("square_1080.jpg"), "a.jpg");
    let send = |body: Vec<u8>| {
        app.http
            .post(&url)
            .bearer_auth(&a.key)
            .header("Idempotency-Key", "media-1")
            .header("content-type", content_type.clone())
            .body(body)
            .send()
    };

    let first = send(body.clone()).await.unwrap();
    assert_eq!(first.status(), 201);
    let first: serde_json::Value = first.json().await.unwrap();
    assert_eq!(first["facts"]["mime"], "image/jpeg");
    assert_eq!(first["facts"]["width"], 1080);

    let again = send(body).await.unwrap();
    assert_eq!(again.status(), 201);
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    assert_eq!(again.json::<serde_json::Value>().await.unwrap(), first);

    let (_, other) = multipart(&fixture("portrait_4x5.jpg"), "b.jpg");
    let conflict = send(other).await.unwrap();
    assert_eq!(conflict.status(), 409);

    // The signed URL serves the bytes; a tampered one is "not found".
    let media_id: herald_platform::ids::MediaId = first["id"].as_str().unwrap().parse().unwrap();
    let until = app.services.clock.now() + chrono::Duration::hours(1);
    let signed = herald_web::services::media::signed_url(&app.services, media_id, until);
    let path = signed.trim_start_matches("http://127.0.0.1:9");
    let served = app.http.get(app.url(path)).send().await.unwrap();
    assert_eq!(served.status(), 200);
    assert_eq!(served.headers()["content-type"], "image/jpeg");
    assert_eq!(
        served.bytes().await.unwrap().as_ref(),
        fixture("square_1080.jpg").as_slice()
    );
    let tampered = app
        .http
        .get(app.url(&path.replace("sig=", "sig=00")))
        .send()
        .await
        .unwrap();
    assert_eq!(tampered.status(), 404);
}
