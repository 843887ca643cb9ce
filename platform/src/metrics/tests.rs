//! Unit tests of the metrics registry: names, labels and the rendered text.

use std::collections::BTreeSet;
use std::time::Duration;

use super::*;
use crate::domain::PostState;

/// Records one sample of every family.
fn record_everything(metrics: &Metrics) {
    let ms = Duration::from_millis(120);
    metrics.http_request(Some("/api/v1/tenants/{tenant_id}/posts"), "POST", 201, ms);
    metrics.http_request(None, "GET", 404, ms);
    metrics.post_published(PostKind::IgReel, Duration::from_secs(42));
    metrics.post_finished(PostKind::FbFeed, PostOutcome::Failed);
    metrics.schedule_lateness(Duration::from_millis(300));
    metrics.set_posts_by_state([(PostState::Scheduled, 3), (PostState::Published, 7)]);
    metrics.set_posts_overdue(1);
    metrics.graph_request(GraphEndpoint::IgMediaPublish, GraphOutcome::Ok, ms);
    metrics.graph_throttled(ThrottleScope::BusinessUseCase);
    metrics.set_graph_budget_peak_ratio(0.4);
    metrics.set_tokens_by_state([(TokenState::Valid, 4), (TokenState::NeedsReconnect, 1)]);
    metrics.webhook_delivery(WebhookOutcome::Success, Duration::from_secs(2));
    metrics.set_webhook_endpoints_by_state([(WebhookEndpointState::Active, 2)]);
    metrics.actor_started(ActorKind::Scheduler);
    metrics.actor_restarted(ActorKind::AccountPublisher);
    metrics.set_db_pool(3, 2, 10);
    metrics.set_ready(true);
    metrics.lease_changes(LeaseChangeKind::TakenOver, 2);
}

/// The `# TYPE` names in rendered text.
fn typed_names(text: &str) -> BTreeSet<String> {
    text.lines()
        .filter_map(|line| line.strip_prefix("# TYPE "))
        .filter_map(|rest| rest.split_whitespace().next())
        .map(str::to_owned)
        .collect()
}

/// A sample line's value, e.g. `herald_ready 1` → 1.0.
fn value_of(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|line| {
            line.strip_prefix(series)
                .and_then(|rest| rest.strip_prefix(' '))
        })
        .and_then(|v| v.trim().parse().ok())
}

#[test]
fn every_family_is_registered_and_rendered() {
    let metrics = Metrics::new("1.2.3", "abc1234");
    record_everything(&metrics);
    let text = metrics.render();

    let expected: BTreeSet<String> = FAMILY_NAMES.iter().map(|n| n.to_string()).collect();
    assert_eq!(typed_names(&text), expected);
}

#[test]
fn names_follow_prometheus_conventions() {
    let metrics = Metrics::new("1.2.3", "abc1234");
    record_everything(&metrics);
    let text = metrics.render();

    for line in text.lines().filter_map(|l| l.strip_prefix("# TYPE ")) {
        let mut parts = line.split_whitespace();
        let (name, kind) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
        assert!(
            name.starts_with("herald_"),
            "{name} lacks the herald_ prefix"
        );
        assert_eq!(
            kind == "counter",
            name.ends_with("_total"),
            "{name} is a {kind}"
        );
        if kind == "histogram" {
            assert!(name.ends_with("_seconds"), "{name} should be in seconds");
        }
    }
}

#[test]
fn rendered_text_parses_as_exposition_format() {
    let metrics = Metrics::new("1.2.3", "abc1234");
    record_everything(&metrics);
    let text = metrics.render();

    for line in text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        let (series, value) = line
            .rsplit_once(' ')
            .unwrap_or_else(|| panic!("bad: {line}"));
        assert!(
            value.parse::<f64>().is_ok(),
            "value of `{line}` is not a number"
        );
        let name = series.split('{').next().unwrap_or("");
        assert!(
            name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'),
            "bad name in `{line}`"
        );
        if let Some(labels) = series.strip_prefix(name) {
            assert!(labels.is_empty() || (labels.starts_with('{') && labels.ends_with('}')));
        }
    }
    assert_eq!(
        value_of(
            &text,
            r#"herald_build_info{git_sha="abc1234",version="1.2.3"}"#
        ),
        Some(1.0)
    );
}

#[test]
fn typed_calls_land_in_the_right_series() {
    let metrics = Metrics::new("1.2.3", "abc1234");
    record_everything(&metrics);
    let text = metrics.render();

    let route = r#"method="POST",route="/api/v1/tenants/{tenant_id}/posts",status_class="2xx""#;
    assert_eq!(
        value_of(&text, &format!("herald_http_requests_total{{{route}}}")),
        Some(1.0)
    );
    let unmatched = r#"method="GET",route="unmatched",status_class="4xx""#;
    assert_eq!(
        value_of(&text, &format!("herald_http_requests_total{{{unmatched}}}")),
        Some(1.0)
    );
    let published = r#"kind="ig_reel",network="instagram",outcome="published""#;
    assert_eq!(
        value_of(
            &text,
            &format!("herald_posts_finished_total{{{published}}}")
        ),
        Some(1.0)
    );
    let reel = r#"kind="ig_reel",network="instagram""#;
    assert_eq!(
        value_of(&text, &format!("herald_posts_published_total{{{reel}}}")),
        Some(1.0)
    );
    assert_eq!(
        value_of(&text, r#"herald_posts{state="queued"}"#),
        Some(0.0)
    );
    assert_eq!(
        value_of(&text, r#"herald_posts{state="published"}"#),
        Some(7.0)
    );
    assert_eq!(
        value_of(&text, r#"herald_tokens{state="needs_reconnect"}"#),
        Some(1.0)
    );
    assert_eq!(
        value_of(&text, r#"herald_db_pool_connections{state="in_use"}"#),
        Some(2.0)
    );
    assert_eq!(value_of(&text, "herald_db_pool_max"), Some(10.0));
    assert_eq!(value_of(&text, "herald_ready"), Some(1.0));
}

#[test]
fn known_label_sets_exist_before_any_event() {
    let text = Metrics::new("1.2.3", "abc1234").render();

    let failed = r#"kind="fb_reel",network="facebook",outcome="failed""#;
    assert_eq!(
        value_of(&text, &format!("herald_posts_finished_total{{{failed}}}")),
        Some(0.0)
    );
    assert_eq!(
        value_of(&text, r#"herald_graph_throttled_total{scope="ig_quota"}"#),
        Some(0.0)
    );
    assert_eq!(
        value_of(
            &text,
            r#"herald_webhook_deliveries_total{outcome="failed"}"#
        ),
        Some(0.0)
    );
    assert_eq!(
        value_of(&text, r#"herald_actors{kind="scheduler"}"#),
        Some(0.0)
    );
    assert_eq!(value_of(&text, "herald_ready"), Some(0.0));
    // A kind is only ever paired with its own network.
    assert!(!text.contains(r#"kind="fb_feed",network="instagram""#));
}

#[test]
fn gauges_set_from_counts_forget_states_that_emptied() {
    let metrics = Metrics::new("1.2.3", "abc1234");
    metrics.set_posts_by_state([(PostState::Queued, 5)]);
    metrics.set_posts_by_state([(PostState::Scheduled, 2)]);
    let text = metrics.render();

    assert_eq!(
        value_of(&text, r#"herald_posts{state="queued"}"#),
        Some(0.0)
    );
    assert_eq!(
        value_of(&text, r#"herald_posts{state="scheduled"}"#),
        Some(2.0)
    );
}

#[test]
fn budget_ratio_is_clamped_to_zero_one() {
    let metrics = Metrics::new("1.2.3", "abc1234");
    metrics.set_graph_budget_peak_ratio(1.7);
    assert_eq!(
        value_of(&metrics.render(), "herald_graph_budget_peak_ratio"),
        Some(1.0)
    );
    metrics.set_graph_budget_peak_ratio(f64::NAN);
    assert_eq!(
        value_of(&metrics.render(), "herald_graph_budget_peak_ratio"),
        Some(0.0)
    );
}

#[test]
fn clones_share_one_registry_and_instances_do_not() {
    let a = Metrics::new("1.2.3", "abc1234");
    let b = a.clone();
    let other = Metrics::new("1.2.3", "abc1234");
    b.set_ready(true);

    assert_eq!(value_of(&a.render(), "herald_ready"), Some(1.0));
    assert_eq!(value_of(&other.render(), "herald_ready"), Some(0.0));
}

#[test]
fn actors_count_up_and_down() {
    let metrics = Metrics::new("1.2.3", "abc1234");
    metrics.actor_started(ActorKind::TenantSupervisor);
    metrics.actor_started(ActorKind::TenantSupervisor);
    metrics.actor_stopped(ActorKind::TenantSupervisor);
    let text = metrics.render();

    assert_eq!(
        value_of(&text, r#"herald_actors{kind="tenant_supervisor"}"#),
        Some(1.0)
    );
}
