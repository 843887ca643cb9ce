//! Every API route, walked with another tenant's key, answers 404 — the same as a
//! missing object — and leaves the other tenant's data unchanged.

mod api_support;

use api_support::spawn;
use reqwest::Method;
use serde_json::json;

#[actix_rt::test]
async fn another_tenants_key_gets_404_on_every_route() {
    let app = spawn().await;
    let a = app.agency("Owner").await;
    let b = app.agency("Stranger").await;
    let t = a.tenant;

    // Objects of every kind under A's tenant.
    let (_, post) = app
        .call(
            Method::POST,
            &format!("/api/v1/tenants/{t}/posts"),
            &a.key,
            None,
            Some(
                json!({"account_id": a.fb_account.to_string(), "kind": "fb_feed", "caption": "x",
                        "publish_at": "2099-01-01T00:00:00Z"}),
            ),
        )
        .await;
    let post = post["id"].as_str().unwrap().to_owned();
    let (_, endpoint) = app
        .call(
            Method::POST,
            &format!("/api/v1/tenants/{t}/webhook-endpoints"),
            &a.key,
            None,
            Some(json!({"url": "http://127.0.0.1:9/hook"})),
        )
        .await;
    let endpoint = endpoint["id"].as_str().unwrap().to_owned();
    let (_, agency_endpoint) = app
        .call(
            Method::POST,
            "/api/v1/webhook-endpoints",
            &a.key,
            None,
            Some(json!({"url": "http://127.0.0.1:9/a"})),
        )
        .await;
    let agency_endpoint = agency_endpoint["id"].as_str().unwrap().to_owned();
    app.call(
        Method::POST,
        &format!("/api/v1/tenants/{t}/webhook-endpoints/{endpoint}/test"),
        &a.key,
        None,
        None,
    )
    .await;
    let (_, deliveries) = app
        .call(
            Method::GET,
            &format!("/api/v1/tenants/{t}/deliveries"),
            &a.key,
            None,
            None,
        )
        .await;
    let delivery = deliveries["data"][0]["id"].as_str().unwrap().to_owned();
    let jpeg = api_support::fixture("square_1080.jpg");
    let media: serde_json::Value = app
        .http
        .post(app.url(&format!("/api/v1/tenants/{t}/media")))
        .bearer_auth(&a.key)
        .multipart(
            reqwest::multipart::Form::new().part("file", reqwest::multipart::Part::bytes(jpeg)),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let media = media["id"].as_str().unwrap().to_owned();

    let tenant_routes: Vec<(Method, String, Option<serde_json::Value>)> = vec![
        (Method::GET, format!("/api/v1/tenants/{t}"), None),
        (Method::GET, format!("/api/v1/tenants/{t}/accounts"), None),
        (
            Method::POST,
            format!("/api/v1/tenants/{t}/connect-links"),
            Some(json!({})),
        ),
        (
            Method::POST,
            format!("/api/v1/tenants/{t}/media"),
            Some(json!({"url": "http://127.0.0.1:9/x.jpg"})),
        ),
        (
            Method::GET,
            format!("/api/v1/tenants/{t}/media/{media}"),
            None,
        ),
        (Method::GET, format!("/api/v1/tenants/{t}/posts"), None),
        (
            Method::POST,
            format!("/api/v1/tenants/{t}/posts"),
            Some(
                json!({"account_id": a.fb_account.to_string(), "kind": "fb_feed", "caption": "x"}),
            ),
        ),
        (
            Method::GET,
            format!("/api/v1/tenants/{t}/posts/{post}"),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/tenants/{t}/posts/{post}/cancel"),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/tenants/{t}/posts/{post}/retry"),
            None,
        ),
        (
            Method::GET,
            format!("/api/v1/tenants/{t}/webhook-endpoints"),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/tenants/{t}/webhook-endpoints"),
            Some(json!({"url": "http://127.0.0.1:9/b"})),
        ),
        (
            Method::GET,
            format!("/api/v1/tenants/{t}/webhook-endpoints/{endpoint}"),
            None,
        ),
        (
            Method::PATCH,
            format!("/api/v1/tenants/{t}/webhook-endpoints/{endpoint}"),
            Some(json!({"enabled": false})),
        ),
        (
            Method::DELETE,
            format!("/api/v1/tenants/{t}/webhook-endpoints/{endpoint}"),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/tenants/{t}/webhook-endpoints/{endpoint}/rotate-secret"),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/tenants/{t}/webhook-endpoints/{endpoint}/test"),
            None,
        ),
        (Method::GET, format!("/api/v1/tenants/{t}/deliveries"), None),
        (
            Method::POST,
            format!("/api/v1/tenants/{t}/deliveries/{delivery}/redeliver"),
            None,
        ),
    ];
    let agency_routes: Vec<(Method, String, Option<serde_json::Value>)> = vec![
        (
            Method::GET,
            format!("/api/v1/webhook-endpoints/{agency_endpoint}"),
            None,
        ),
        (
            Method::PATCH,
            format!("/api/v1/webhook-endpoints/{agency_endpoint}"),
            Some(json!({"enabled": false})),
        ),
        (
            Method::DELETE,
            format!("/api/v1/webhook-endpoints/{agency_endpoint}"),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/webhook-endpoints/{agency_endpoint}/rotate-secret"),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/webhook-endpoints/{agency_endpoint}/test"),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/deliveries/{delivery}/redeliver"),
            None,
        ),
    ];

    // Another agency's keys, agency-wide and tenant-limited.
    for key in [&b.key, &b.tenant_key] {
        for (method, path, body) in tenant_routes.iter() {
            let (status, answer) = app
                .call(method.clone(), path, key, None, body.clone())
                .await;
            assert_eq!(status, 404, "{method} {path}: {answer}");
            assert_eq!(answer["error"]["code"], "not_found", "{method} {path}");
        }
    }
    for (method, path, body) in agency_routes.iter() {
        let (status, answer) = app
            .call(method.clone(), path, &b.key, None, body.clone())
            .await;
        assert_eq!(status, 404, "{method} {path}: {answer}");
    }

    // Lists under the other agency never show A's objects.
    for path in [
        "/api/v1/tenants",
        "/api/v1/webhook-endpoints",
        "/api/v1/deliveries",
    ] {
        let (status, answer) = app.call(Method::GET, path, &b.key, None, None).await;
        assert_eq!(status, 200, "{path}: {answer}");
        let text = answer.to_string();
        for own in [
            t.to_string(),
            endpoint.clone(),
            agency_endpoint.clone(),
            delivery.clone(),
        ] {
            assert!(!text.contains(&own), "{path} leaked {own}");
        }
    }

    // A tenant-limited key of the same agency does not reach a sibling tenant.
    let (_, sibling) = app
        .call(
            Method::POST,
            "/api/v1/tenants",
            &a.key,
            None,
            Some(json!({"name": "Sibling"})),
        )
        .await;
    let sibling = sibling["id"].as_str().unwrap();
    for path in [
        format!("/api/v1/tenants/{sibling}"),
        format!("/api/v1/tenants/{sibling}/posts"),
    ] {
        let (status, _) = app
            .call(Method::GET, &path, &a.tenant_key, None, None)
            .await;
        assert_eq!(status, 404, "{path}");
    }

    // Nothing of A's changed: the post is still scheduled and the endpoint enabled.
    let (status, still) = app
        .call(
            Method::GET,
            &format!("/api/v1/tenants/{t}/posts/{post}"),
            &a.key,
            None,
            None,
        )
        .await;
    assert_eq!((status, still["state"].as_str()), (200, Some("scheduled")));
    let (_, ep) = app
        .call(
            Method::GET,
            &format!("/api/v1/tenants/{t}/webhook-endpoints/{endpoint}"),
            &a.key,
            None,
            None,
        )
        .await;
    assert_eq!(ep["enabled"], true);
}
