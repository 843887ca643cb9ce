//! The whole path on the built binary: an API call creates posts, the engine publishes them
//! through the adapters into the Meta sandbox, and the sandbox's ledger shows each exactly
//! once while the API shows them published with a permalink.

use std::time::{Duration, Instant};

use herald_tests::process::HeraldProcess;
use serde_json::{json, Value};

const SQUARE_JPEG: &[u8] = include_bytes!("../fixtures/media/square_1080.jpg");

struct Api {
    base: String,
    key: String,
    http: reqwest::Client,
}

impl Api {
    async fn get(&self, path: &str) -> Value {
        let response = self
            .http
            .get(format!("{}{path}", self.base))
            .bearer_auth(&self.key)
            .send()
            .await
            .unwrap();
        assert!(
            response.status().is_success(),
            "GET {path}: {}",
            response.status()
        );
        response.json().await.unwrap()
    }

    async fn post(&self, path: &str, key: &str, body: Value) -> (u16, Value) {
        let response = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.key)
            .header("Idempotency-Key", key)
            .json(&body)
            .send()
            .await
            .unwrap();
        (
            response.status().as_u16(),
            response.json().await.unwrap_or(Value::Null),
        )
    }
}

/// Waits for the demo seeding to print its API key.
async fn wait_published(api: &Api, tenant: &str, post: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let view = api
            .get(&format!("/api/v1/tenants/{tenant}/posts/{post}"))
            .await;
        let state = view["state"].as_str().unwrap_or_default().to_owned();
        if state == "published" {
            return view;
        }
        assert!(
            !["failed", "canceled", "unconfirmed"].contains(&state.as_str()),
            "post ended {state}: {view:#}"
        );
        assert!(
            Instant::now() < deadline,
            "post still {state} after 90 s: {view:#}"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn posts_made_through_the_api_reach_the_sandbox_exactly_once() {
    let dir = tempfile::tempdir().unwrap();
    let herald = HeraldProcess::start(dir.path(), &[("HERALD_DEMO", "true")]);
    let api = Api {
        base: herald.base_url.clone(),
        key: herald.demo_api_key(Duration::from_secs(60)),
        http: reqwest::Client::new(),
    };

    // Meta processes media quickly in this test.
    let settings = api
        .http
        .put(format!("{}/sandbox/_sandbox/settings", api.base))
        .json(&json!({"container_processing_ms": 300, "video_processing_ms": 300}))
        .send()
        .await
        .unwrap();
    assert!(settings.status().is_success());

    let tenants = api.get("/api/v1/tenants").await;
    let tenant = tenants["data"][0]["id"]
        .as_str()
        .expect("the demo tenant")
        .to_owned();
    let accounts = api.get(&format!("/api/v1/tenants/{tenant}/accounts")).await;
    let account = |network: &str| {
        accounts["data"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["network"] == network)
            .map(|a| a["id"].as_str().unwrap().to_owned())
            .unwrap_or_else(|| panic!("no {network} account: {accounts:#}"))
    };

    // Upload a photo the way a client developer would.
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(SQUARE_JPEG.to_vec())
            .file_name("square.jpg")
            .mime_str("image/jpeg")
            .unwrap(),
    );
    let media: Value = api
        .http
        .post(format!("{}/api/v1/tenants/{tenant}/media", api.base))
        .bearer_auth(&api.key)
        .multipart(form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let media_id = media["id"]
        .as_str()
        .unwrap_or_else(|| panic!("upload failed: {media:#}"))
        .to_owned();
    assert_eq!(media["facts"]["width"], 1080, "{media:#}");

    let feed_body = json!({"account_id": account("facebook"), "kind": "fb_feed", "caption": "journey: hello from the API"});
    let (status, feed) = api
        .post(
            &format!("/api/v1/tenants/{tenant}/posts"),
            "journey-feed",
            feed_body.clone(),
        )
        .await;
    assert_eq!(status, 201, "{feed:#}");
    // The same key and body replays the first answer instead of making a second post.
    let (again_status, again) = api
        .post(
            &format!("/api/v1/tenants/{tenant}/posts"),
            "journey-feed",
            feed_body,
        )
        .await;
    assert!(again_status == 201 || again_status == 200, "{again:#}");
    assert_eq!(again["id"], feed["id"]);

    let ig_body = json!({"account_id": account("instagram"), "kind": "ig_image", "caption": "journey: an IG image #herald", "media": [media_id]});
    let (status, image) = api
        .post(
            &format!("/api/v1/tenants/{tenant}/posts"),
            "journey-ig",
            ig_body,
        )
        .await;
    assert_eq!(status, 201, "{image:#}");

    let feed = wait_published(&api, &tenant, feed["id"].as_str().unwrap()).await;
    let image = wait_published(&api, &tenant, image["id"].as_str().unwrap()).await;
    assert!(feed["external_id"].is_string(), "{feed:#}");
    assert!(image["external_id"].is_string(), "{image:#}");

    let ledger: Value = api
        .http
        .get(format!("{}/sandbox/_sandbox/ledger", api.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let entries = ledger["data"].as_array().unwrap();
    let with_caption = |caption: &str| {
        entries
            .iter()
            .filter(|e| e["caption"] == caption)
            .collect::<Vec<_>>()
    };
    let feed_entries = with_caption("journey: hello from the API");
    let image_entries = with_caption("journey: an IG image #herald");
    assert_eq!(feed_entries.len(), 1, "{ledger:#}");
    assert_eq!(image_entries.len(), 1, "{ledger:#}");
    assert_eq!(feed_entries[0]["kind"], "fb_post");
    assert_eq!(image_entries[0]["kind"], "ig_image");
    assert_eq!(image_entries[0]["id"], image["external_id"]);

    // Meta throttles the Page and says access returns in a minute: the post waits that
    // long, not a blanket quarter hour, and says why in words and in Meta's own terms.
    let fault = api
        .http
        .post(format!("{}/sandbox/_sandbox/faults", api.base))
        .json(&json!({"method": "POST", "path": "/graph/*/feed", "nth": 1,
                      "action": {"kind": "error", "code": 80001, "regain_minutes": 1}}))
        .send()
        .await
        .unwrap();
    assert!(fault.status().is_success());
    let (status, throttled) = api
        .post(
            &format!("/api/v1/tenants/{tenant}/posts"),
            "journey-throttled",
            json!({"account_id": account("facebook"), "kind": "fb_feed", "caption": "journey: throttled"}),
        )
        .await;
    assert_eq!(status, 201, "{throttled:#}");
    let path = format!(
        "/api/v1/tenants/{tenant}/posts/{}",
        throttled["id"].as_str().unwrap()
    );
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let waiting = loop {
        let view = api.get(&path).await;
        if view["last_error"].is_object() {
            break view;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "never deferred: {view:#}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    };
    let error = &waiting["last_error"];
    assert!(
        error["message"]
            .as_str()
            .is_some_and(|m| m.contains("too many calls")),
        "{waiting:#}"
    );
    assert_eq!(error["error"]["graph"]["code"], 80001, "{waiting:#}");
    assert!(
        error["error"]["verdict"]["reason"]
            .as_str()
            .is_some_and(|r| r.contains("throttling")),
        "{waiting:#}"
    );
    let until: chrono::DateTime<chrono::Utc> =
        serde_json::from_value(error["error"]["verdict"]["until"].clone()).unwrap();
    let wait = until - chrono::Utc::now();
    assert!(
        wait > chrono::Duration::seconds(20) && wait < chrono::Duration::seconds(150),
        "waits {wait} instead of Meta's minute: {waiting:#}"
    );
    let timeline = waiting["timeline"].as_array().unwrap();
    assert!(
        timeline.iter().any(|e| e["detail"]
            .as_str()
            .is_some_and(|d| d.starts_with("Waiting until"))),
        "{waiting:#}"
    );
}
