//! The committed OpenAPI document (`web/openapi.json`) is the one the code generates, and
//! the server serves it. To refresh the file after changing the API, run this test with
//! `HERALD_UPDATE_OPENAPI=1`.

mod api_support;

const COMMITTED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/openapi.json");

#[test]
fn the_committed_document_matches_the_code() {
    let generated = herald_web::api::openapi::document();
    if std::env::var("HERALD_UPDATE_OPENAPI").as_deref() == Ok("1") {
        std::fs::write(COMMITTED, format!("{generated}\n")).unwrap();
    }
    let committed = std::fs::read_to_string(COMMITTED).unwrap_or_default();
    assert!(
        committed.trim_end() == generated.trim_end(),
        "web/openapi.json differs from the code; run `HERALD_UPDATE_OPENAPI=1 cargo test -p herald-web --test api_openapi` and commit the file"
    );
    let doc: serde_json::Value = serde_json::from_str(&generated).unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    for path in [
        "/api/v1/tenants",
        "/api/v1/tenants/{tenant_id}/posts",
        "/api/v1/webhook-endpoints",
    ] {
        assert!(doc["paths"][path].is_object(), "{path} is not documented");
    }
}

#[actix_rt::test]
async fn the_server_serves_the_document() {
    let app = api_support::spawn().await;
    let resp = app
        .http
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let served: serde_json::Value = resp.json().await.unwrap();
    let generated: serde_json::Value =
        serde_json::from_str(&herald_web::api::openapi::document()).unwrap();
    assert_eq!(served, generated);
}
