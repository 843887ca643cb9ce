//! The Grafana dashboard and its provisioning: the JSON parses, has the rows an SRE looks
//! for, and every query names only metrics that Herald registers.

mod ops_support;

use herald_platform::metrics::Metrics;
use ops_support::promql::metric_names;
use ops_support::{dashboard_queries, ops_file, record_every_family, sample_names};

fn dashboard() -> serde_json::Value {
    let text = std::fs::read_to_string(ops_file("grafana/herald.json")).expect("readable");
    serde_json::from_str(&text).expect("herald.json is JSON")
}

#[test]
fn promql_reader_finds_metric_names() {
    let expr = r#"histogram_quantile(0.95, sum by (le, route) (rate(herald_http_request_duration_seconds_bucket{route!~"/x"}[$__rate_interval])))"#;
    assert_eq!(
        metric_names(expr),
        ["herald_http_request_duration_seconds_bucket"]
    );

    let expr =
        r#"(sum(rate(a_total{x="or b"}[5m])) or vector(0)) / on (job) group_left (v) up > 1e3"#;
    assert_eq!(metric_names(expr), ["a_total", "up"]);
}

#[test]
fn every_dashboard_query_names_only_registered_metrics() {
    let metrics = Metrics::new("0.1.0", "0123abc");
    record_every_family(&metrics);
    let registered = sample_names(&metrics.render());

    let queries = dashboard_queries();
    assert!(queries.len() >= 20, "only {} queries", queries.len());
    for (title, expr) in &queries {
        let names = metric_names(expr);
        assert!(
            !names.is_empty(),
            "panel `{title}`: `{expr}` selects no metric"
        );
        for name in names {
            assert!(
                registered.contains(&name),
                "panel `{title}` queries unknown `{name}`"
            );
        }
    }
}

#[test]
fn every_registered_family_is_on_the_dashboard() {
    let queried: Vec<String> = dashboard_queries()
        .iter()
        .flat_map(|(_, expr)| metric_names(expr))
        .collect();

    for family in herald_platform::metrics::FAMILY_NAMES {
        let shown = queried.iter().any(|name| {
            name == family
                || name
                    .strip_suffix("_bucket")
                    .is_some_and(|base| base == *family)
        });
        assert!(shown, "no panel shows {family}");
    }
}

#[test]
fn dashboard_has_the_rows_an_sre_looks_for() {
    let dashboard = dashboard();
    assert_eq!(dashboard["uid"], "herald");
    let rows: Vec<&str> = dashboard["panels"]
        .as_array()
        .expect("panels")
        .iter()
        .filter(|p| p["type"] == "row")
        .filter_map(|p| p["title"].as_str())
        .collect();

    for wanted in [
        "Traffic",
        "Publishing",
        "Meta",
        "Tokens",
        "Webhooks",
        "Runtime",
    ] {
        assert!(
            rows.iter().any(|r| r.starts_with(wanted)),
            "no `{wanted}` row in {rows:?}"
        );
    }
}

#[test]
fn every_panel_uses_the_prometheus_data_source_variable() {
    let dashboard = dashboard();
    let variables = dashboard["templating"]["list"]
        .as_array()
        .expect("templating");
    assert!(variables
        .iter()
        .any(|v| v["name"] == "DS_PROMETHEUS" && v["type"] == "datasource"));

    for panel in dashboard["panels"].as_array().expect("panels") {
        if panel["type"] == "row" {
            continue;
        }
        assert_eq!(
            panel["datasource"]["uid"], "${DS_PROMETHEUS}",
            "{}",
            panel["title"]
        );
        for target in panel["targets"].as_array().expect("targets") {
            assert_eq!(
                target["datasource"]["uid"], "${DS_PROMETHEUS}",
                "{}",
                panel["title"]
            );
        }
    }
}

#[test]
fn provisioning_points_at_the_dashboard_and_the_data_source() {
    let datasource =
        std::fs::read_to_string(ops_file("grafana/provisioning/datasources/prometheus.yml"))
            .expect("data source provisioning");
    assert!(datasource.contains("uid: prometheus") && datasource.contains("type: prometheus"));

    let dashboards =
        std::fs::read_to_string(ops_file("grafana/provisioning/dashboards/herald.yml"))
            .expect("dashboard provisioning");
    let compose = std::fs::read_to_string(ops_file("docker/compose.yml")).expect("compose");
    let path = dashboards
        .lines()
        .find_map(|l| l.trim().strip_prefix("path:"))
        .map(str::trim)
        .expect("a dashboards path");
    assert!(
        compose.contains(&format!("../grafana/herald.json:{path}/herald.json")),
        "compose.yml does not mount herald.json into {path}"
    );
}
