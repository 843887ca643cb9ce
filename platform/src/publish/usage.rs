//! Meta's usage headers, as a report the rate limiter can act on.

use serde::{Deserialize, Serialize};

/// Which budget a figure belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "scope", rename_all = "snake_case")]
pub enum BudgetScope {
    /// `X-App-Usage`: the whole app.
    App,
    /// `X-Page-Usage`: one Page.
    Page,
    /// `X-Business-Use-Case-Usage`: one object (Page or IG account) for one use-case type
    /// (`pages`, `instagram`, …).
    BusinessUseCase { object_id: String, use_case: String },
}

/// One budget's use, in percent of its limit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UsageFigure {
    pub scope: BudgetScope,
    pub call_count: f64,
    pub total_cputime: f64,
    pub total_time: f64,
    /// Once throttled: minutes until calls for the object are accepted again.
    pub regain_access_minutes: Option<u64>,
}

impl UsageFigure {
    /// The highest of the three percentages: how close this budget is to its limit.
    pub fn peak_percent(&self) -> f64 {
        self.call_count.max(self.total_cputime).max(self.total_time)
    }
}

/// Everything the usage headers of one response said.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BudgetReport {
    pub figures: Vec<UsageFigure>,
}

impl BudgetReport {
    pub fn peak_percent(&self) -> f64 {
        self.figures
            .iter()
            .map(UsageFigure::peak_percent)
            .fold(0.0, f64::max)
    }
}
