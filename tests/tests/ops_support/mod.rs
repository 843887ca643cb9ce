//! Shared helpers for the `ops_*` tests: where the ops files are, finding Prometheus's
//! tools, recording a sample of every metric family, and reading metric names out of
//! PromQL, the dashboard and the alert rules.

#![allow(dead_code)]

pub mod promql;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use herald_platform::domain::{PostKind, PostState};
use herald_platform::metrics::{
    ActorKind, GraphEndpoint, GraphOutcome, Metrics, PostOutcome, ThrottleScope, TokenState,
    WebhookEndpointState, WebhookOutcome,
};

/// The repository's root (the workspace).
pub fn repo_root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().unwrap_or(manifest).to_path_buf()
}

/// A file under `ops/`.
pub fn ops_file(relative: &str) -> PathBuf {
    repo_root().join("ops").join(relative)
}

/// Whether `HERALD_TEST_PROMETHEUS=1` asks for the Prometheus tests to run for sure.
pub fn prometheus_required() -> bool {
    std::env::var("HERALD_TEST_PROMETHEUS").is_ok_and(|v| v == "1")
}

/// The path of one of Prometheus's programs (`promtool`, `prometheus`), or `None` when it
/// is missing and not required. Fails the test when `HERALD_TEST_PROMETHEUS=1` and it is
/// missing.
pub fn prometheus_tool(name: &str) -> Option<PathBuf> {
    let candidates = [
        PathBuf::from("/usr/bin").join(name),
        PathBuf::from("/usr/local/bin").join(name),
    ];
    let found = candidates.into_iter().find(|p| p.is_file());
    if found.is_none() {
        assert!(
            !prometheus_required(),
            "HERALD_TEST_PROMETHEUS=1 but `{name}` is not installed (apt-get install prometheus)"
        );
        println!("`{name}` not found: Prometheus checks skipped (set HERALD_TEST_PROMETHEUS=1 to require them)");
    }
    found
}

/// Records at least one sample of every metric family, with label values a real node
/// would produce.
pub fn record_every_family(metrics: &Metrics) {
    let took = Duration::from_millis(80);
    metrics.http_request(Some("/api/v1/tenants/{tenant_id}/posts"), "POST", 201, took);
    metrics.http_request(
        Some("/api/v1/tenants/{tenant_id}/posts/{post_id}"),
        "GET",
        200,
        took,
    );
    metrics.http_request(None, "GET", 404, took);
    metrics.http_request(Some("/api/v1/tenants"), "GET", 500, took);
    for kind in PostKind::ALL {
        metrics.post_published(*kind, Duration::from_secs(12));
    }
    metrics.post_finished(PostKind::IgCarousel, PostOutcome::Failed);
    metrics.post_finished(PostKind::FbReel, PostOutcome::Unconfirmed);
    metrics.schedule_lateness(Duration::from_millis(400));
    metrics.set_posts_by_state(PostState::ALL.iter().map(|s| (*s, 2)));
    metrics.set_posts_overdue(0);
    for endpoint in [GraphEndpoint::IgMediaPublish, GraphEndpoint::FbVideoReels] {
        metrics.graph_request(endpoint, GraphOutcome::Ok, took);
    }
    metrics.graph_request(GraphEndpoint::IgMedia, GraphOutcome::Throttled, took);
    metrics.graph_throttled(ThrottleScope::Page);
    metrics.set_graph_budget_peak_ratio(0.35);
    metrics.set_tokens_by_state([(TokenState::Valid, 9), (TokenState::ExpiringSoon, 1)]);
    metrics.webhook_delivery(WebhookOutcome::Success, Duration::from_millis(900));
    metrics.webhook_delivery(WebhookOutcome::Retry, Duration::from_secs(3));
    metrics.set_webhook_endpoints_by_state([(WebhookEndpointState::Active, 3)]);
    for kind in ActorKind::ALL {
        metrics.actor_started(*kind);
    }
    metrics.actor_restarted(ActorKind::AccountPublisher);
    metrics.set_db_pool(4, 1, 10);
    metrics.set_ready(true);
}

/// The sample names (`herald_x_bucket`, `herald_y_total`, …) in rendered metrics.
pub fn sample_names(exposition: &str) -> BTreeSet<String> {
    exposition
        .lines()
        .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
        .filter_map(|line| line.split(['{', ' ']).next())
        .map(str::to_owned)
        .collect()
}

/// The number of series (sample lines) in rendered metrics.
pub fn series_count(exposition: &str) -> usize {
    exposition
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .count()
}

/// Every query of the Grafana dashboard: (panel title, expr).
pub fn dashboard_queries() -> Vec<(String, String)> {
    let path = ops_file("grafana/herald.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let dashboard: serde_json::Value = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()));
    let mut queries = Vec::new();
    collect_queries(&dashboard["panels"], &mut queries);
    queries
}

fn collect_queries(panels: &serde_json::Value, out: &mut Vec<(String, String)>) {
    for panel in panels.as_array().into_iter().flatten() {
        let title = panel["title"].as_str().unwrap_or("(untitled)").to_owned();
        for target in panel["targets"].as_array().into_iter().flatten() {
            if let Some(expr) = target["expr"].as_str() {
                out.push((title.clone(), expr.to_owned()));
            }
        }
        collect_queries(&panel["panels"], out);
    }
}

/// Every alert of `ops/prometheus/alerts.yml`: (alert name, expr). A small reader for the
/// file's own layout (`- alert: Name` then `expr:` inline or as a `>-` folded block), so
/// the tests need no YAML library.
pub fn alert_rules() -> Vec<(String, String)> {
    let path = ops_file("prometheus/alerts.yml");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let lines: Vec<&str> = text.lines().collect();
    let mut rules = Vec::new();
    let mut name: Option<String> = None;
    let mut i = 0;
    while i < lines.len() {
        let trimmed = lines[i].trim_start();
        if let Some(alert) = trimmed.strip_prefix("- alert:") {
            name = Some(alert.trim().to_owned());
        } else if let Some(expr) = trimmed.strip_prefix("expr:") {
            let expr = expr.trim();
            let indent = lines[i].len() - trimmed.len();
            let text = if expr == ">-" || expr == ">" || expr == "|" || expr == "|-" {
                let mut block = Vec::new();
                while i + 1 < lines.len() {
                    let next = lines[i + 1];
                    let next_indent = next.len() - next.trim_start().len();
                    if !next.trim().is_empty() && next_indent <= indent {
                        break;
                    }
                    block.push(next.trim());
                    i += 1;
                }
                block.join(" ").trim().to_owned()
            } else {
                expr.trim_matches(['"', '\'']).to_owned()
            };
            let alert = name
                .take()
                .unwrap_or_else(|| panic!("expr without an alert: {text}"));
            rules.push((alert, text));
        }
        i += 1;
    }
    rules
}
