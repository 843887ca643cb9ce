//! Metric cardinality does not follow tenants: the same activity spread over 1 or over
//! 1,000 tenants yields the same series, and no id ever appears in `/metrics`.

mod ops_support;

use std::time::Duration;

use herald_platform::domain::{PostKind, PostState};
use herald_platform::metrics::{
    ActorKind, GraphEndpoint, GraphOutcome, Metrics, PostOutcome, ThrottleScope, TokenState,
    WebhookOutcome,
};
use ops_support::series_count;

/// What one tenant's day looks like to the metrics: API calls on its routes, a post of
/// every kind, Graph calls, throttling, webhooks, and its own actors.
fn tenant_activity(metrics: &Metrics) {
    let took = Duration::from_millis(30);
    metrics.http_request(Some("/api/v1/tenants/{tenant_id}"), "GET", 200, took);
    metrics.http_request(Some("/api/v1/tenants/{tenant_id}/posts"), "POST", 201, took);
    metrics.http_request(
        Some("/api/v1/tenants/{tenant_id}/posts/{post_id}"),
        "GET",
        404,
        took,
    );
    metrics.http_request(Some("/api/v1/tenants/{tenant_id}/media"), "POST", 422, took);
    for kind in PostKind::ALL {
        metrics.post_published(*kind, Duration::from_secs(5));
        metrics.post_finished(*kind, PostOutcome::Failed);
    }
    metrics.schedule_lateness(Duration::from_millis(200));
    metrics.graph_request(GraphEndpoint::IgMedia, GraphOutcome::Ok, took);
    metrics.graph_request(GraphEndpoint::IgMediaPublish, GraphOutcome::Throttled, took);
    metrics.graph_request(GraphEndpoint::FbFeed, GraphOutcome::NeedsReauth, took);
    metrics.graph_throttled(ThrottleScope::IgQuota);
    metrics.webhook_delivery(WebhookOutcome::Success, Duration::from_secs(1));
    metrics.webhook_delivery(WebhookOutcome::Retry, Duration::from_secs(1));
    metrics.actor_started(ActorKind::TenantSupervisor);
    metrics.actor_started(ActorKind::TokenRefresher);
    metrics.actor_started(ActorKind::RateLimiter);
    metrics.actor_started(ActorKind::AccountPublisher);
}

/// Renders after `tenants` tenants' activity and the periodic counts they lead to.
fn render_with_tenants(tenants: u64) -> String {
    let metrics = Metrics::new("0.1.0", "0123abc");
    for _ in 0..tenants {
        tenant_activity(&metrics);
    }
    metrics.set_posts_by_state([
        (PostState::Published, 9 * tenants),
        (PostState::Failed, tenants),
    ]);
    metrics.set_tokens_by_state([(TokenState::Valid, 2 * tenants)]);
    metrics.set_db_pool(2, 3, 10);
    metrics.set_ready(true);
    metrics.render()
}

#[test]
fn series_count_is_the_same_for_1_and_1000_tenants() {
    let one = render_with_tenants(1);
    let thousand = render_with_tenants(1_000);

    assert_eq!(series_count(&one), series_count(&thousand));
    // The series are the same ones: only the values differ.
    let names = |text: &str| -> Vec<String> {
        text.lines()
            .filter(|l| !l.starts_with('#'))
            .filter_map(|l| l.rsplit_once(' ').map(|(series, _)| series.to_owned()))
            .collect()
    };
    assert_eq!(names(&one), names(&thousand));
    assert!(thousand.contains(r#"herald_actors{kind="tenant_supervisor"} 1000"#));
}

#[test]
fn metrics_carry_route_patterns_never_ids() {
    let text = render_with_tenants(3);

    assert!(text.contains(r#"route="/api/v1/tenants/{tenant_id}/posts""#));
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let looks_like_id = line
            .split(|c: char| !c.is_ascii_hexdigit() && c != '-')
            .any(|part| part.len() >= 16 && part.chars().filter(|c| *c == '-').count() >= 3);
        assert!(!looks_like_id, "a series carries an id: {line}");
    }
}
