//! Call budgets and Meta's usage headers (`X-App-Usage`, `X-Page-Usage`,
//! `X-Business-Use-Case-Usage`), computed from real call counts on the sandbox clock.

use std::collections::{HashMap, VecDeque};

use chrono::{DateTime, Duration, Utc};
use serde_json::json;

use crate::errors::{catalogue, GraphError};
use crate::settings::Settings;

/// Which budget a call is charged to.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Bucket {
    /// App and user tokens: the app's platform budget.
    App,
    /// Page tokens: the Page's business-use-case budget.
    Page(String),
    /// Calls on an IG account: its business-use-case budget.
    Instagram(String),
}

#[derive(Default)]
pub struct Usage {
    calls: HashMap<Bucket, VecDeque<DateTime<Utc>>>,
}

/// Headers to send with one answer.
pub struct UsageHeaders(pub Vec<(&'static str, String)>);

impl Usage {
    fn budget(bucket: &Bucket, s: &Settings, users: usize) -> (u64, Duration) {
        match bucket {
            Bucket::App => (
                u64::from(s.app_calls_per_user_hour) * users.max(1) as u64,
                Duration::hours(1),
            ),
            Bucket::Page(_) => (u64::from(s.page_calls_per_day), Duration::hours(24)),
            Bucket::Instagram(_) => (u64::from(s.ig_calls_per_day), Duration::hours(24)),
        }
    }

    /// The app's usage headers without counting a call, for answers that never reached a
    /// budget (a bad token, a retired version, a fault).
    pub fn peek_app(&mut self, now: DateTime<Utc>, s: &Settings, users: usize) -> UsageHeaders {
        let (budget, window) = Self::budget(&Bucket::App, s, users);
        let calls = self.calls.entry(Bucket::App).or_default();
        while calls.front().is_some_and(|t| *t <= now - window) {
            calls.pop_front();
        }
        let pct = (calls.len() as u64 * 100)
            .checked_div(budget)
            .unwrap_or(100)
            .min(100);
        let figures = json!({"call_count": pct, "total_cputime": pct, "total_time": pct});
        UsageHeaders(vec![("x-app-usage", figures.to_string())])
    }

    /// Counts one call against `bucket`, or refuses it with Meta's throttling error once the
    /// budget is spent. Either way answers the usage headers to send.
    pub fn charge(
        &mut self,
        bucket: &Bucket,
        now: DateTime<Utc>,
        s: &Settings,
        users: usize,
    ) -> (UsageHeaders, Result<(), GraphError>) {
        let (budget, window) = Self::budget(bucket, s, users);
        let calls = self.calls.entry(bucket.clone()).or_default();
        while calls.front().is_some_and(|t| *t <= now - window) {
            calls.pop_front();
        }
        let throttled = calls.len() as u64 >= budget;
        if !throttled {
            calls.push_back(now);
        }
        let pct = (calls.len() as u64 * 100)
            .checked_div(budget)
            .unwrap_or(100)
            .min(100);
        let regain_min = if throttled {
            calls
                .front()
                .map(|t| ((*t + window - now).num_seconds() + 59) / 60)
                .unwrap_or(0)
                .max(1)
        } else {
            0
        };
        let figures = json!({"call_count": pct, "total_cputime": pct, "total_time": pct});
        let mut headers = Vec::new();
        let err = match bucket {
            Bucket::App => {
                headers.push(("x-app-usage", figures.to_string()));
                catalogue(400, 4, None)
            }
            Bucket::Page(id) | Bucket::Instagram(id) => {
                let kind = if matches!(bucket, Bucket::Page(_)) {
                    "pages"
                } else {
                    "instagram"
                };
                let buc = json!({ id.as_str(): [{
                    "type": kind, "call_count": pct, "total_cputime": pct, "total_time": pct,
                    "estimated_time_to_regain_access": regain_min
                }]});
                headers.push(("x-business-use-case-usage", buc.to_string()));
                if kind == "pages" {
                    headers.push(("x-page-usage", figures.to_string()));
                    catalogue(400, 80001, None)
                } else {
                    catalogue(400, 80002, None)
                }
            }
        };
        let outcome = if throttled { Err(err) } else { Ok(()) };
        (UsageHeaders(headers), outcome)
    }
}
