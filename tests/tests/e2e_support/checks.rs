//! What the journey checks once every post is published: the client's receiver got each
//! `post.published` with a valid signature, `/metrics` counts the posts, and Meta (the
//! sandbox) holds each exactly once.

use std::time::{Duration, Instant};

use serde_json::Value;

use super::posts::{Compose, POSTS};
use super::receiver::Receiver;
use super::sample;

/// Longer than the state gauges' refresh interval (10 s).
const GAUGE_WAIT: Duration = Duration::from_secs(15);

/// Each post's `post.published` reached the client's receiver with a signature that the
/// `standardwebhooks` package verified, and no delivery failed verification.
pub async fn webhooks_announced(
    receiver: &Receiver,
    posts: &[(String, &Compose)],
    deadline: Instant,
) {
    loop {
        let deliveries = receiver.deliveries().await;
        for delivery in &deliveries {
            assert!(
                !delivery.verified_with.is_empty(),
                "delivery {} did not verify: {delivery:?}",
                delivery.id
            );
        }
        let missing: Vec<&str> = posts
            .iter()
            .filter(|(id, _)| {
                !deliveries.iter().any(|d| {
                    d.event_type.as_deref() == Some("post.published")
                        && d.data["post_id"].as_str() == Some(id.as_str())
                })
            })
            .map(|(_, post)| post.kind)
            .collect();
        if missing.is_empty() {
            let published = deliveries
                .iter()
                .filter(|d| d.event_type.as_deref() == Some("post.published"))
                .collect::<Vec<_>>();
            assert_eq!(published.len(), posts.len(), "{published:#?}");
            for d in published {
                let permalink = d.data["permalink"].as_str().unwrap_or_default();
                assert!(permalink.starts_with("https://"), "{d:?}");
            }
            return;
        }
        assert!(
            Instant::now() < deadline,
            "no verified post.published for {missing:?}; received {deliveries:#?}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// `/metrics` counts one publication and one published outcome per kind.
pub async fn metrics_count(http: &reqwest::Client, base: &str, posts: &[(String, &Compose)]) {
    let metrics = http
        .get(format!("{base}/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let mut total = 0.0;
    for (_, post) in posts {
        let labels = format!("kind=\"{}\",network=\"{}\"", post.kind, post.network);
        let published = sample(&metrics, "herald_posts_published_total", &labels);
        assert_eq!(
            published,
            Some(1.0),
            "herald_posts_published_total{{{labels}}}"
        );
        let finished = format!("{labels},outcome=\"published\"");
        let outcome = sample(&metrics, "herald_posts_finished_total", &finished);
        assert_eq!(
            outcome,
            Some(1.0),
            "herald_posts_finished_total{{{finished}}}"
        );
        total += published.unwrap_or_default();
    }
    let all: f64 = metrics
        .lines()
        .filter(|l| l.starts_with("herald_posts_published_total{"))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum();
    assert_eq!(all, total, "only the journey's posts were published");

    // The state gauges are refreshed from the database every few seconds.
    let deadline = Instant::now() + GAUGE_WAIT;
    loop {
        let metrics = http
            .get(format!("{base}/metrics"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let gauge = sample(&metrics, "herald_posts", "state=\"published\"");
        if gauge == Some(posts.len() as f64) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "herald_posts{{state=\"published\"}} is {gauge:?}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// Meta (the sandbox) holds each post exactly once: the carousel with its two items, the
/// Page photo as a Page post carrying the photo.
pub async fn ledger_holds_each_once(http: &reqwest::Client, base: &str) {
    let ledger: Value = http
        .get(format!("{base}/sandbox/_sandbox/ledger"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let entries = ledger["data"].as_array().cloned().unwrap_or_default();
    for post in POSTS {
        let found: Vec<&Value> = entries
            .iter()
            .filter(|e| e["kind"] == post.ledger_kind)
            .collect();
        assert_eq!(found.len(), 1, "{}: {ledger:#}", post.ledger_kind);
        let children = found[0]["children"].as_array().map(Vec::len);
        assert_eq!(children, Some(post.children), "{:#}", found[0]);
    }
    assert_eq!(entries.len(), POSTS.len(), "{ledger:#}");
}
