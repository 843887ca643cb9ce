//! Bad input answers 4xx in the one error shape, naming the field at fault; never a 500.
//! Also: paging with cursors, and the post lifecycle's refusals.

mod api_support;

use api_support::spawn;
use reqwest::Method;
use serde_json::json;

#[actix_rt::test]
async fn bad_input_names_the_field_and_is_never_a_500() {
    let app = spawn().await;
    let a = app.agency("Errors").await;
    let t = a.tenant;
    let fb = a.fb_account.to_string();
    let ig = a.ig_account.to_string();
    let posts = format!("/api/v1/tenants/{t}/posts");
    let endpoints = format!("/api/v1/tenants/{t}/webhook-endpoints");

    let cases: Vec<(Method, String, Option<serde_json::Value>, u16, &str)> = vec![
        (
            Method::POST,
            "/api/v1/tenants".into(),
            Some(json!({})),
            422,
            "name",
        ),
        (
            Method::POST,
            "/api/v1/tenants".into(),
            Some(json!({"name": 5})),
            422,
            "name",
        ),
        (
            Method::POST,
            "/api/v1/tenants".into(),
            Some(json!({"name": "  "})),
            422,
            "name",
        ),
        (
            Method::POST,
            "/api/v1/tenants".into(),
            Some(json!({"name": "x", "extra": 1})),
            422,
            "extra",
        ),
        (
            Method::POST,
            posts.clone(),
            Some(json!({"kind": "fb_feed"})),
            422,
            "account_id",
        ),
        (
            Method::POST,
            posts.clone(),
            Some(json!({"account_id": "nope", "kind": "fb_feed"})),
            422,
            "account_id",
        ),
        (
            Method::POST,
            posts.clone(),
            Some(
                json!({"account_id": "acc_0193a0a0a0a07000800000000000000f", "kind": "fb_feed", "caption": "x"}),
            ),
            422,
            "account_id",
        ),
        (
            Method::POST,
            posts.clone(),
            Some(json!({"account_id": fb, "kind": "ig_video"})),
            422,
            "kind",
        ),
        (
            Method::POST,
            posts.clone(),
            Some(json!({"account_id": fb, "kind": "ig_image"})),
            422,
            "kind",
        ),
        (
            Method::POST,
            posts.clone(),
            Some(json!({"account_id": ig, "kind": "ig_image", "media": ["med_x"]})),
            422,
            "media[0]",
        ),
        (
            Method::POST,
            posts.clone(),
            Some(
                json!({"account_id": ig, "kind": "ig_image", "media": ["med_0193a0a0a0a07000800000000000000f"]}),
            ),
            422,
            "media[0]",
        ),
        (
            Method::POST,
            posts.clone(),
            Some(json!({"account_id": ig, "kind": "ig_image", "media": "one"})),
            422,
            "media",
        ),
        (
            Method::POST,
            posts.clone(),
            Some(json!({"account_id": ig, "kind": "ig_image"})),
            422,
            "media",
        ),
        (
            Method::POST,
            posts.clone(),
            Some(json!({"account_id": fb, "kind": "fb_feed", "caption": "x".repeat(3000)})),
            422,
            "caption",
        ),
        (
            Method::POST,
            posts.clone(),
            Some(
                json!({"account_id": fb, "kind": "fb_feed", "caption": "x", "publish_at": "tomorrow"}),
            ),
            422,
            "publish_at",
        ),
        (
            Method::POST,
            posts.clone(),
            Some(
                json!({"account_id": fb, "kind": "fb_feed", "caption": "x", "publish_at": "2001-01-01T00:00:00Z"}),
            ),
            422,
            "publish_at",
        ),
        (
            Method::POST,
            posts.clone(),
            Some(
                json!({"account_id": fb, "kind": "fb_feed", "caption": "x", "options": {"bogus": 1}}),
            ),
            422,
            "options",
        ),
        (
            Method::POST,
            posts.clone(),
            Some(json!({"account_id": fb, "kind": "fb_feed", "caption": 7})),
            422,
            "caption",
        ),
        (
            Method::GET,
            format!("{posts}?state=flying"),
            None,
            422,
            "state",
        ),
        (
            Method::GET,
            format!("{posts}?kind=ig_video"),
            None,
            422,
            "kind",
        ),
        (
            Method::GET,
            format!("{posts}?account_id=acc_nope"),
            None,
            422,
            "account_id",
        ),
        (Method::GET, format!("{posts}?limit=0"), None, 422, "limit"),
        (
            Method::GET,
            format!("{posts}?limit=many"),
            None,
            422,
            "limit",
        ),
        (
            Method::GET,
            format!("{posts}?cursor=%%%"),
            None,
            422,
            "cursor",
        ),
        (
            Method::GET,
            format!("{posts}/post_nope"),
            None,
            404,
            "post_id",
        ),
        (
            Method::GET,
            "/api/v1/tenants/ten_nope".into(),
            None,
            404,
            "tenant_id",
        ),
        (Method::POST, endpoints.clone(), Some(json!({})), 422, "url"),
        (
            Method::POST,
            endpoints.clone(),
            Some(json!({"url": "ftp://example.com/x"})),
            422,
            "url",
        ),
        (
            Method::POST,
            endpoints.clone(),
            Some(json!({"url": "http://169.254.169.254/latest"})),
            422,
            "url",
        ),
        (
            Method::POST,
            endpoints.clone(),
            Some(json!({"url": "http://u:p@example.com/"})),
            422,
            "url",
        ),
        (
            Method::POST,
            endpoints.clone(),
            Some(json!({"url": "http://127.0.0.1:9/", "event_types": ["post.exploded"]})),
            422,
            "event_types[0]",
        ),
        (
            Method::POST,
            endpoints.clone(),
            Some(json!({"url": "http://127.0.0.1:9/", "enabled": "yes"})),
            422,
            "enabled",
        ),
        (
            Method::POST,
            format!("/api/v1/tenants/{t}/media"),
            Some(json!({"url": "http://10.0.0.1/a.jpg"})),
            422,
            "url",
        ),
        (
            Method::POST,
            format!("/api/v1/tenants/{t}/media"),
            Some(json!({})),
            422,
            "url",
        ),
        (
            Method::GET,
            format!("/api/v1/tenants/{t}/deliveries?endpoint_id=whe_x"),
            None,
            422,
            "endpoint_id",
        ),
    ];
    for (method, path, body, status, field) in cases {
        let (got, answer) = app
            .call(method.clone(), &path, &a.key, None, body.clone())
            .await;
        assert_eq!(got, status, "{method} {path} {body:?}: {answer}");
        assert_eq!(
            answer["error"]["field"], field,
            "{method} {path} {body:?}: {answer}"
        );
        assert!(answer["error"]["code"]
            .as_str()
            .is_some_and(|c| !c.is_empty()));
        assert!(answer["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()));
    }

    // Bodies that are not JSON objects, bad idempotency keys, missing and wrong keys.
    for raw in ["not json", "[1,2]", "{\"name\":"] {
        let resp = app
            .http
            .post(app.url("/api/v1/tenants"))
            .bearer_auth(&a.key)
            .header("content-type", "application/json")
            .body(raw)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 400, "{raw}");
    }
    // A body over the limit is refused in the same JSON shape, naming the limit.
    let huge = serde_json::json!({"name": "a".repeat(2 * 1024 * 1024)}).to_string();
    let resp = app
        .http
        .post(app.url("/api/v1/tenants"))
        .bearer_auth(&a.key)
        .header("content-type", "application/json")
        .body(huge)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 413);
    let answer: serde_json::Value = resp.json().await.expect("a JSON error body");
    assert_eq!(answer["error"]["code"], "payload_too_large", "{answer}");
    assert_eq!(answer["error"]["field"], "body", "{answer}");
    assert!(
        answer["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("1 MiB")),
        "{answer}"
    );
    let (status, answer) = app
        .call(
            Method::POST,
            "/api/v1/tenants",
            &a.key,
            Some(&"k".repeat(300)),
            Some(json!({"name": "x"})),
        )
        .await;
    assert_eq!(
        (status, answer["error"]["field"].as_str()),
        (400, Some("Idempotency-Key"))
    );
    let resp = app
        .http
        .get(app.url("/api/v1/tenants"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    let answer: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(answer["error"]["field"], "Authorization");
    let (status, _) = app
        .call(
            Method::GET,
            "/api/v1/tenants",
            "hrld_000000000000_00",
            None,
            None,
        )
        .await;
    assert_eq!(status, 401);
    let (status, _) = app
        .call(Method::GET, "/api/v1/nowhere", &a.key, None, None)
        .await;
    assert_eq!(status, 404);

    // A media upload that is not an image or video names the file.
    let resp = app
        .http
        .post(app.url(&format!("/api/v1/tenants/{t}/media")))
        .bearer_auth(&a.key)
        .multipart(reqwest::multipart::Form::new().part(
            "file",
            reqwest::multipart::Part::bytes(b"GIF89a nope".to_vec()),
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 422);
    let answer: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(answer["error"]["field"], "file");
}

#[actix_rt::test]
async fn revoked_keys_stop_working_and_limited_keys_cannot_act_agency_wide() {
    let app = spawn().await;
    let a = app.agency("Keys").await;
    let (status, _) = app
        .call(
            Method::POST,
            "/api/v1/tenants",
            &a.tenant_key,
            None,
            Some(json!({"name": "x"})),
        )
        .await;
    assert_eq!(status, 403);
    let (status, _) = app
        .call(
            Method::GET,
            "/api/v1/webhook-endpoints",
            &a.tenant_key,
            None,
            None,
        )
        .await;
    assert_eq!(status, 403);

    let keys = herald_web::services::api_keys::list_api_keys(&app.services, a.id).unwrap();
    assert_eq!(keys.len(), 2);
    assert!(keys
        .iter()
        .all(|k| k.prefix.starts_with("hrld_") && !k.hash.contains(&k.prefix)));
    assert!(
        keys.iter().any(|k| k.last_used_at.is_some()),
        "last use is recorded"
    );
    let limited = keys.iter().find(|k| k.tenant_id.is_some()).unwrap();
    herald_web::services::api_keys::revoke_api_key(&app.services, a.id, limited.id).unwrap();
    let (status, _) = app
        .call(
            Method::GET,
            &format!("/api/v1/tenants/{}", a.tenant),
            &a.tenant_key,
            None,
            None,
        )
        .await;
    assert_eq!(status, 401);
}

#[actix_rt::test]
async fn lists_page_with_cursors() {
    let app = spawn().await;
    let a = app.agency("Pages").await;
    for n in 0..4 {
        app.call(
            Method::POST,
            "/api/v1/tenants",
            &a.key,
            None,
            Some(json!({"name": format!("T{n}")})),
        )
        .await;
    }
    let mut seen = Vec::new();
    let mut path = "/api/v1/tenants?limit=2".to_owned();
    loop {
        let (status, page) = app.call(Method::GET, &path, &a.key, None, None).await;
        assert_eq!(status, 200, "{page}");
        for t in page["data"].as_array().unwrap() {
            seen.push(t["id"].as_str().unwrap().to_owned());
        }
        match page["next_cursor"].as_str() {
            Some(cursor) => path = format!("/api/v1/tenants?limit=2&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(seen.len(), 5, "{seen:?}");
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 5);
}

#[actix_rt::test]
async fn posts_show_their_timeline_and_refuse_impossible_moves() {
    let app = spawn().await;
    let a = app.agency("Life").await;
    let t = a.tenant;
    let (status, post) = app
        .call(Method::POST, &format!("/api/v1/tenants/{t}/posts"), &a.key, None,
            Some(json!({"account_id": a.fb_account.to_string(), "kind": "fb_feed", "caption": "later",
                        "publish_at": "2099-01-01T00:00:00Z"})))
        .await;
    assert_eq!(status, 201, "{post}");
    assert_eq!(post["state"], "scheduled");
    let id = post["id"].as_str().unwrap();

    let (status, got) = app
        .call(
            Method::GET,
            &format!("/api/v1/tenants/{t}/posts/{id}"),
            &a.key,
            None,
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(got["timeline"][0]["to_state"], "scheduled");

    let (status, retried) = app
        .call(
            Method::POST,
            &format!("/api/v1/tenants/{t}/posts/{id}/retry"),
            &a.key,
            None,
            None,
        )
        .await;
    assert_eq!(
        (status, retried["error"]["code"].as_str()),
        (409, Some("invalid_state"))
    );
    let (status, canceled) = app
        .call(
            Method::POST,
            &format!("/api/v1/tenants/{t}/posts/{id}/cancel"),
            &a.key,
            None,
            None,
        )
        .await;
    assert_eq!(
        (status, canceled["state"].as_str()),
        (200, Some("canceled"))
    );
    let (status, again) = app
        .call(
            Method::POST,
            &format!("/api/v1/tenants/{t}/posts/{id}/cancel"),
            &a.key,
            None,
            None,
        )
        .await;
    assert_eq!(
        (status, again["error"]["code"].as_str()),
        (409, Some("invalid_state"))
    );

    let (_, list) = app
        .call(
            Method::GET,
            &format!("/api/v1/tenants/{t}/posts?state=canceled"),
            &a.key,
            None,
            None,
        )
        .await;
    assert_eq!(list["data"].as_array().unwrap().len(), 1);
    let (_, list) = app
        .call(
            Method::GET,
            &format!("/api/v1/tenants/{t}/posts?state=scheduled"),
            &a.key,
            None,
            None,
        )
        .await;
    assert_eq!(list["data"].as_array().unwrap().len(), 0);
}
