//! The REST API on PostgreSQL: creates with idempotency keys, another tenant's key, and
//! field errors, on a fresh database under `HERALD_TEST_POSTGRES_URL`.

mod api_support;

use reqwest::Method;
use serde_json::json;

#[actix_rt::test]
async fn the_api_behaves_the_same_on_postgres() {
    if std::env::var("HERALD_TEST_POSTGRES_URL").is_err() {
        println!("PostgreSQL suite skipped");
        return;
    }
    let app = api_support::spawn_on(true)
        .await
        .expect("a PostgreSQL database for the test");
    let a = app.agency("Pg").await;
    let b = app.agency("Other").await;
    let t = a.tenant;

    let posts = format!("/api/v1/tenants/{t}/posts");
    let body = json!({"account_id": a.fb_account.to_string(), "kind": "fb_feed", "caption": "pg"});
    let (s1, first) = app
        .call(
            Method::POST,
            &posts,
            &a.key,
            Some("pg-1"),
            Some(body.clone()),
        )
        .await;
    assert_eq!(s1, 201, "{first}");
    let (s2, again) = app
        .call(Method::POST, &posts, &a.key, Some("pg-1"), Some(body))
        .await;
    assert_eq!((s2, &again), (201, &first));
    let (s3, conflict) = app
        .call(Method::POST, &posts, &a.key, Some("pg-1"), Some(json!({"account_id": a.fb_account.to_string(), "kind": "fb_feed", "caption": "other"})))
        .await;
    assert_eq!(
        (s3, conflict["error"]["code"].as_str()),
        (409, Some("idempotency_key_reused"))
    );

    let id = first["id"].as_str().unwrap();
    for path in [
        format!("/api/v1/tenants/{t}"),
        format!("{posts}/{id}"),
        posts.clone(),
    ] {
        let (status, _) = app.call(Method::GET, &path, &b.key, None, None).await;
        assert_eq!(status, 404, "{path}");
    }
    let (status, answer) = app
        .call(
            Method::POST,
            &posts,
            &a.key,
            None,
            Some(json!({"account_id": "x", "kind": "fb_feed"})),
        )
        .await;
    assert_eq!(
        (status, answer["error"]["field"].as_str()),
        (422, Some("account_id"))
    );

    let (status, endpoint) = app
        .call(
            Method::POST,
            &format!("/api/v1/tenants/{t}/webhook-endpoints"),
            &a.key,
            Some("pg-2"),
            Some(json!({"url": "http://127.0.0.1:9/h"})),
        )
        .await;
    assert_eq!(status, 201, "{endpoint}");
    let (status, page) = app
        .call(Method::GET, "/api/v1/tenants?limit=1", &a.key, None, None)
        .await;
    assert_eq!(
        (status, page["data"].as_array().map(Vec::len)),
        (200, Some(1))
    );
}
