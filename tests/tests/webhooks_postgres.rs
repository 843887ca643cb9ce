//! Delivery with retries on PostgreSQL (a fresh database under `HERALD_TEST_POSTGRES_URL`):
//! claims and the schedule behave as on SQLite.

mod webhooks_support;

use std::time::Duration;

use herald_platform::webhooks::EventType;
use serde_json::json;
use webhooks_support::{env_on, Answer, Receiver};

fn fresh_database() -> Option<String> {
    let base = std::env::var("HERALD_TEST_POSTGRES_URL").ok()?;
    let (prefix, _) = base.rsplit_once('/')?;
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?
        .as_nanos();
    let name = format!("herald_webhooks_{}_{nanos}", std::process::id());
    let created = std::process::Command::new("psql")
        .arg(format!("{prefix}/postgres"))
        .arg("-q")
        .arg("-c")
        .arg(format!("CREATE DATABASE {name}"))
        .status()
        .ok()?;
    created.success().then(|| format!("{prefix}/{name}"))
}

#[actix_rt::test]
async fn retries_and_delivery_on_postgres() {
    if std::env::var("HERALD_TEST_POSTGRES_URL").is_err() {
        println!("PostgreSQL suite skipped");
        return;
    }
    let url = fresh_database().expect("a PostgreSQL database for the test");
    let receiver = Receiver::start().await;
    receiver
        .then(Answer::Status(500))
        .then(Answer::StatusWithRetryAfter(503, "120".into()));
    let env = env_on(Some(url), Duration::from_secs(2));
    let endpoint = env.endpoint(&format!("{}/hook", receiver.base)).endpoint.id;
    let event = env.event(EventType::PostPublished, json!({"post_id": "p"}));

    env.round().await;
    let due = env.pending_due(endpoint).unwrap();
    assert!((due - env.now()).num_seconds() <= 6);
    env.advance_to(due);
    env.round().await;
    let at = env.now();
    let due = env.pending_due(endpoint).unwrap();
    assert!(
        (due - at).num_seconds() >= 119,
        "Retry-After was not honoured"
    );
    env.advance_to(due);
    assert_eq!(env.round().await.delivered, 1);

    let log = env.deliveries(endpoint);
    let statuses: Vec<&str> = log.iter().map(|d| d.status.as_str()).collect();
    assert_eq!(statuses, ["failed", "failed", "succeeded"]);
    assert!(receiver
        .seen()
        .iter()
        .all(|s| s.headers["webhook-id"] == event));
}
