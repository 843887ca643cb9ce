//! Meta's usage headers (`X-App-Usage`, `X-Page-Usage`, `X-Business-Use-Case-Usage`),
//! read from every response into a [`BudgetReport`] for the rate limiter.

use std::collections::BTreeMap;

use herald_platform::publish::{BudgetReport, BudgetScope, UsageFigure};
use reqwest::header::HeaderMap;
use serde::Deserialize;

pub const APP_USAGE: &str = "x-app-usage";
pub const PAGE_USAGE: &str = "x-page-usage";
pub const BUSINESS_USE_CASE_USAGE: &str = "x-business-use-case-usage";

#[derive(Deserialize)]
struct Figures {
    #[serde(default)]
    call_count: f64,
    #[serde(default)]
    total_cputime: f64,
    #[serde(default)]
    total_time: f64,
}

#[derive(Deserialize)]
struct BucFigures {
    #[serde(default, rename = "type")]
    use_case: String,
    #[serde(default)]
    call_count: f64,
    #[serde(default)]
    total_cputime: f64,
    #[serde(default)]
    total_time: f64,
    #[serde(default)]
    estimated_time_to_regain_access: Option<u64>,
}

/// Reads every usage header present. A malformed header is skipped, never an error: the
/// answer itself is still good.
pub fn parse_usage(headers: &HeaderMap) -> BudgetReport {
    let mut report = BudgetReport::default();
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());

    for (name, scope) in [
        (APP_USAGE, BudgetScope::App),
        (PAGE_USAGE, BudgetScope::Page),
    ] {
        if let Some(figures) = text(name).and_then(|t| serde_json::from_str::<Figures>(t).ok()) {
            report.figures.push(UsageFigure {
                scope,
                call_count: figures.call_count,
                total_cputime: figures.total_cputime,
                total_time: figures.total_time,
                regain_access_minutes: None,
            });
        }
    }

    let buc = text(BUSINESS_USE_CASE_USAGE)
        .and_then(|t| serde_json::from_str::<BTreeMap<String, Vec<BucFigures>>>(t).ok());
    for (object_id, entries) in buc.unwrap_or_default() {
        for entry in entries {
            report.figures.push(UsageFigure {
                scope: BudgetScope::BusinessUseCase {
                    object_id: object_id.clone(),
                    use_case: entry.use_case,
                },
                call_count: entry.call_count,
                total_cputime: entry.total_cputime,
                total_time: entry.total_time,
                regain_access_minutes: entry.estimated_time_to_regain_access,
            });
        }
    }
    report
}

/// The longest wait any figure asks for, in minutes (0 when none does).
pub fn regain_access_minutes(report: &BudgetReport) -> u64 {
    report
        .figures
        .iter()
        .filter_map(|f| f.regain_access_minutes)
        .max()
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use reqwest::header::HeaderValue;

    use super::*;

    #[test]
    fn reads_all_three_headers() {
        let mut headers = HeaderMap::new();
        headers.insert(
            APP_USAGE,
            HeaderValue::from_static(r#"{"call_count":12,"total_cputime":3,"total_time":5}"#),
        );
        headers.insert(
            PAGE_USAGE,
            HeaderValue::from_static(r#"{"call_count":40,"total_cputime":1,"total_time":2}"#),
        );
        headers.insert(
            BUSINESS_USE_CASE_USAGE,
            HeaderValue::from_static(concat!(
                r#"{"1789":[{"type":"instagram","call_count":100,"total_cputime":20,"#,
                r#""total_time":30,"estimated_time_to_regain_access":7}]}"#
            )),
        );
        let report = parse_usage(&headers);
        assert_eq!(report.figures.len(), 3);
        assert_eq!(report.peak_percent(), 100.0);
        assert_eq!(regain_access_minutes(&report), 7);
        assert!(report.figures.iter().any(|f| f.scope
            == BudgetScope::BusinessUseCase {
                object_id: "1789".into(),
                use_case: "instagram".into()
            }));
    }

    #[test]
    fn a_malformed_header_is_skipped() {
        let mut headers = HeaderMap::new();
        headers.insert(APP_USAGE, HeaderValue::from_static("not json"));
        headers.insert(
            PAGE_USAGE,
            HeaderValue::from_static(r#"{"call_count":40,"total_cputime":1,"total_time":2}"#),
        );
        let report = parse_usage(&headers);
        assert_eq!(report.figures.len(), 1);
        assert_eq!(report.figures[0].scope, BudgetScope::Page);
    }
}
