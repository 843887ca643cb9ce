//! Herald's deliveries verified by the independent `standardwebhooks` package from PyPI
//! (`tests/receivers/standard_webhooks_receiver.py`), through secret rotations.

mod webhooks_support;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use herald_platform::webhooks::EventType;
use herald_web::services::webhook_endpoints;
use serde_json::json;
use webhooks_support::env;

struct Python {
    child: Child,
    base: String,
}

impl Drop for Python {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_receiver(initial_secret: &str) -> Python {
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/receivers/standard_webhooks_receiver.py"
    );
    let mut child = Command::new("python3")
        .arg(script)
        .arg(initial_secret)
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3 runs the receiver (pip install standardwebhooks)");
    let stdout = child.stdout.take().unwrap();
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).unwrap();
    let port = line.trim().strip_prefix("PORT ").unwrap_or_else(|| {
        panic!("the receiver did not start (is `standardwebhooks` installed?): {line:?}")
    });
    Python {
        child,
        base: format!("http://127.0.0.1:{port}"),
    }
}

async fn log(http: &reqwest::Client, receiver: &Python) -> Vec<serde_json::Value> {
    http.get(format!("{}/_log", receiver.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

async fn add_secret(http: &reqwest::Client, receiver: &Python, secret: &str) {
    let resp = http
        .post(format!("{}/_secrets", receiver.base))
        .body(secret.to_owned())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 204);
}

#[actix_rt::test]
async fn standardwebhooks_verifies_deliveries_through_rotations() {
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    // The receiver starts with an unrelated secret: Herald's delivery must be refused.
    let stranger = herald_platform::webhooks::SigningSecret::generate();
    let receiver = start_receiver(stranger.expose());
    let env = env(Duration::from_secs(5));
    let made = env.endpoint(&format!("{}/hook", receiver.base));
    let endpoint = made.endpoint.id;

    let first = env.event(EventType::PostPublished, json!({"post_id": "post_a"}));
    env.round().await;
    let entries = log(&http, &receiver).await;
    assert_eq!(entries.len(), 1);
    assert_eq!(
        entries[0]["verified_with"],
        json!([]),
        "a stranger's secret verified Herald's delivery"
    );
    assert_eq!(env.deliveries(endpoint)[0].http_status, Some(400));

    // With the endpoint's secret (index 1) the retry verifies.
    add_secret(&http, &receiver, made.secret.expose()).await;
    env.advance_to(env.pending_due(endpoint).unwrap());
    assert_eq!(env.round().await.delivered, 1);
    let entries = log(&http, &receiver).await;
    assert_eq!(entries[1]["id"], json!(first));
    assert_eq!(entries[1]["type"], "post.published");
    assert_eq!(entries[1]["verified_with"], json!([1]));

    // Rotation: deliveries verify with the old secret and the new one (index 2).
    let rotated = webhook_endpoints::rotate_secret(&env.services, env.scope(), endpoint).unwrap();
    add_secret(&http, &receiver, rotated.secret.expose()).await;
    env.event(EventType::PostFailed, json!({"post_id": "post_b"}));
    assert_eq!(env.round().await.delivered, 1);
    let entries = log(&http, &receiver).await;
    assert_eq!(entries[2]["verified_with"], json!([1, 2]));

    // A second rotation drops the first secret: only the last two verify.
    let again = webhook_endpoints::rotate_secret(&env.services, env.scope(), endpoint).unwrap();
    add_secret(&http, &receiver, again.secret.expose()).await;
    env.event(EventType::CommentReceived, json!({"comment_id": "c1"}));
    assert_eq!(env.round().await.delivered, 1);
    let entries = log(&http, &receiver).await;
    assert_eq!(entries[3]["verified_with"], json!([2, 3]));
    assert_eq!(entries[3]["type"], "comment.received");
}

#[actix_rt::test]
async fn after_the_overlap_only_the_new_secret_signs() {
    let receiver = webhooks_support::Receiver::start().await;
    let env = env(Duration::from_secs(5));
    let made = env.endpoint(&format!("{}/hook", receiver.base));
    let rotated =
        webhook_endpoints::rotate_secret(&env.services, env.scope(), made.endpoint.id).unwrap();
    env.clock
        .advance(webhook_endpoints::ROTATION_OVERLAP + chrono::Duration::minutes(1));
    env.event(EventType::PostPublished, json!({}));
    env.round().await;

    let seen = receiver.seen();
    let header = &seen[0].headers["webhook-signature"];
    assert_eq!(header.split(' ').count(), 1, "{header}");
    let id = &seen[0].headers["webhook-id"];
    let ts: i64 = seen[0].headers["webhook-timestamp"].parse().unwrap();
    let new = herald_platform::webhooks::SigningSecret::parse(rotated.secret.expose()).unwrap();
    let old = herald_platform::webhooks::SigningSecret::parse(made.secret.expose()).unwrap();
    assert!(new.verify(header, id, ts, seen[0].body.as_bytes()));
    assert!(!old.verify(header, id, ts, seen[0].body.as_bytes()));
}
