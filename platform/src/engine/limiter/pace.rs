//! How fast to call Meta for one object, from what its usage headers said. Plain functions.
//!
//! Meta reports each budget's use in percent. Herald calls at full speed below
//! [`LimiterSettings::slow_from_percent`], then adds a pause before each call that grows
//! with the figure, so it arrives at 100% slowly rather than being throttled; once a
//! figure says "throttled" (an `estimated_time_to_regain_access`, or 100%), it stops
//! calling for that object until the regain time.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::publish::BudgetReport;

/// The limiter's settings, with defaults from META_API.md.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LimiterSettings {
    /// Steady calls per minute Herald allows itself per object.
    pub calls_per_minute: u32,
    /// Calls that may go at once after a quiet spell.
    pub burst: u32,
    /// Usage (percent) from which calls are slowed down.
    pub slow_from_percent: f64,
    /// The pause before each call when a figure reaches 100%.
    pub max_pause: Duration,
    /// How long a step may wait inside `before_call`; longer waits defer the post instead.
    pub inline_wait_max: Duration,
    /// How long to stop calling an object that reached 100% without saying for how long.
    pub throttle_pause: Duration,
    /// The Instagram publishing quota per 24 hours until Meta's own figure is known
    /// (sources say 25, 50 or 100; the sandbox's default is 50).
    pub ig_quota_default: u32,
    /// Facebook reels published through the API per Page per rolling 24 hours.
    pub fb_reels_per_day: u32,
}

impl Default for LimiterSettings {
    fn default() -> Self {
        Self {
            calls_per_minute: 120,
            burst: 20,
            slow_from_percent: 75.0,
            max_pause: Duration::from_secs(10),
            inline_wait_max: Duration::from_secs(5),
            throttle_pause: Duration::from_secs(5 * 60),
            ig_quota_default: 50,
            fb_reels_per_day: 30,
        }
    }
}

/// The pause before a call when the busiest budget is at `peak_percent`.
pub fn pause_for(peak_percent: f64, settings: &LimiterSettings) -> Duration {
    let from = settings.slow_from_percent.clamp(0.0, 99.0);
    if !peak_percent.is_finite() || peak_percent <= from {
        return Duration::ZERO;
    }
    // Quadratic: gentle just above the threshold, steep close to the limit.
    let share = ((peak_percent - from) / (100.0 - from)).min(1.0);
    settings.max_pause.mul_f64(share * share)
}

/// Until when calls must stop, if the report says the object (or the app) is throttled.
pub fn blocked_until(
    report: &BudgetReport,
    now: DateTime<Utc>,
    settings: &LimiterSettings,
) -> Option<DateTime<Utc>> {
    report
        .figures
        .iter()
        .filter_map(|figure| match figure.regain_access_minutes {
            Some(minutes) if minutes > 0 => Some(
                now + chrono::Duration::minutes(
                    i64::try_from(minutes).unwrap_or(i64::MAX / 120_000),
                ),
            ),
            _ if figure.peak_percent() >= 100.0 => {
                chrono::Duration::from_std(settings.throttle_pause)
                    .ok()
                    .map(|pause| now + pause)
            }
            _ => None,
        })
        .max()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::publish::{BudgetScope, UsageFigure};

    fn figure(percent: f64, regain: Option<u64>) -> UsageFigure {
        UsageFigure {
            scope: BudgetScope::BusinessUseCase {
                object_id: "1".into(),
                use_case: "pages".into(),
            },
            call_count: percent,
            total_cputime: 1.0,
            total_time: 1.0,
            regain_access_minutes: regain,
        }
    }

    #[test]
    fn full_speed_until_the_threshold_then_slower_and_slower() {
        let settings = LimiterSettings::default();
        assert_eq!(pause_for(10.0, &settings), Duration::ZERO);
        assert_eq!(pause_for(75.0, &settings), Duration::ZERO);
        let at_80 = pause_for(80.0, &settings);
        let at_95 = pause_for(95.0, &settings);
        assert!(
            at_80 > Duration::ZERO && at_80 < at_95,
            "{at_80:?} {at_95:?}"
        );
        assert_eq!(pause_for(100.0, &settings), settings.max_pause);
        assert_eq!(pause_for(250.0, &settings), settings.max_pause);
        assert_eq!(pause_for(f64::NAN, &settings), Duration::ZERO);
    }

    #[test]
    fn a_regain_time_stops_calls_for_that_long() {
        let settings = LimiterSettings::default();
        let now = Utc::now();
        let report = BudgetReport {
            figures: vec![figure(40.0, None), figure(100.0, Some(12))],
        };
        assert_eq!(
            blocked_until(&report, now, &settings),
            Some(now + chrono::Duration::minutes(12))
        );
    }

    #[test]
    fn a_full_budget_without_a_regain_time_pauses_for_the_default() {
        let settings = LimiterSettings::default();
        let now = Utc::now();
        let report = BudgetReport {
            figures: vec![figure(100.0, None)],
        };
        let until = blocked_until(&report, now, &settings);
        assert_eq!(until, Some(now + chrono::Duration::minutes(5)));
        let calm = BudgetReport {
            figures: vec![figure(99.0, Some(0))],
        };
        assert_eq!(blocked_until(&calm, now, &settings), None);
    }
}
