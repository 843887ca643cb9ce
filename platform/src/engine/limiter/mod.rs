//! The RateLimiter: one per tenant (owned by its TenantSupervisor), asked before every
//! Graph call. It keeps a governor budget per object (Page or IG account), slows down as
//! Meta's usage figures near 100%, stops calling an object until its regain time once
//! throttled, and counts the Instagram publishing quota and the Facebook reels quota.
//!
//! App-wide usage (`X-App-Usage`) is one budget for the whole node, shared by every
//! tenant's limiter through [`AppBudget`].

pub mod pace;
pub mod quota;

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use chrono::{DateTime, Utc};
use governor::clock::{Clock as _, DefaultClock};
use governor::{DefaultDirectRateLimiter, Quota};

use crate::clock::SharedClock;
use crate::domain::{Network, PostKind};
use crate::metrics::{Metrics, ThrottleScope};
use crate::publish::{BudgetReport, BudgetScope, PublishError, Verdict};
pub use pace::LimiterSettings;
use quota::RollingQuota;

/// What the app-wide usage header said, shared by every tenant's limiter on the node.
#[derive(Debug, Default)]
pub struct AppBudget {
    state: Mutex<Throttle>,
}

#[derive(Debug, Default, Clone)]
struct Throttle {
    peak_percent: f64,
    blocked_until: Option<DateTime<Utc>>,
}

struct ObjectBudget {
    calls: DefaultDirectRateLimiter,
    throttle: Throttle,
}

/// Which rolling quota a publication counts against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum QuotaKind {
    IgPublishing,
    FbReels,
}

fn quota_kind(kind: PostKind) -> Option<QuotaKind> {
    match kind {
        PostKind::FbReel => Some(QuotaKind::FbReels),
        _ if kind.network() == Network::Instagram => Some(QuotaKind::IgPublishing),
        _ => None,
    }
}

/// A tenant's rate limiter. Cheap to share (`Arc`); every method is quick and never
/// blocks a thread (waits are async sleeps).
pub struct RateLimiter {
    settings: LimiterSettings,
    clock: SharedClock,
    app: Arc<AppBudget>,
    metrics: Option<Metrics>,
    objects: Mutex<HashMap<String, ObjectBudget>>,
    quotas: Mutex<HashMap<(String, QuotaKind), RollingQuota>>,
}

const THROTTLED: &str = "Meta asked Herald to slow down for this account";
const NEAR_LIMIT: &str = "Meta's usage figures for this account are near the limit";
const OWN_BUDGET: &str = "Herald's own call budget for this account is spent for now";

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding the lock leaves plain counters behind: still usable.
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl RateLimiter {
    pub fn new(
        settings: LimiterSettings,
        clock: SharedClock,
        app: Arc<AppBudget>,
        metrics: Option<Metrics>,
    ) -> Self {
        Self {
            settings,
            clock,
            app,
            metrics,
            objects: Mutex::new(HashMap::new()),
            quotas: Mutex::new(HashMap::new()),
        }
    }

    fn new_budget(&self) -> ObjectBudget {
        let per_minute = NonZeroU32::new(self.settings.calls_per_minute).unwrap_or(NonZeroU32::MIN);
        let burst = NonZeroU32::new(self.settings.burst).unwrap_or(NonZeroU32::MIN);
        ObjectBudget {
            calls: DefaultDirectRateLimiter::direct(
                Quota::per_minute(per_minute).allow_burst(burst),
            ),
            throttle: Throttle::default(),
        }
    }

    /// Waits for permission to call Meta for `object_id`. Fails with a `DeferUntil` verdict
    /// when the wait would be longer than a step should wait.
    pub async fn before_call(&self, object_id: &str, endpoint: &str) -> Result<(), PublishError> {
        // Throttled by Meta: no call until the regain time.
        if let Some(until) = self.blocked_until(object_id) {
            let wait = (until - self.clock.now()).to_std().unwrap_or_default();
            self.inline_or_defer(wait, until, THROTTLED)?;
            self.sleep(object_id, endpoint, wait).await;
        }

        // Near the limit: a pause that grows with the busiest figure.
        let pause = pace::pause_for(self.peak_percent(object_id), &self.settings);
        if !pause.is_zero() {
            let until = self.clock.now() + chrono::Duration::from_std(pause).unwrap_or_default();
            self.inline_or_defer(pause, until, NEAR_LIMIT)?;
            self.sleep(object_id, endpoint, pause).await;
        }

        // Herald's own steady budget for the object.
        while let Some(wait) = self.take_place(object_id) {
            let until = self.clock.now() + chrono::Duration::from_std(wait).unwrap_or_default();
            self.inline_or_defer(wait, until, OWN_BUDGET)?;
            self.sleep(object_id, endpoint, wait).await;
        }
        Ok(())
    }

    async fn sleep(&self, object_id: &str, endpoint: &str, wait: Duration) {
        let wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX);
        tracing::debug!(
            graph.object = object_id,
            graph.endpoint = endpoint,
            wait_ms,
            "pacing a Graph call"
        );
        tokio::time::sleep(wait).await;
    }

    /// Takes a place in the object's budget: `None` when taken, else how long to wait.
    fn take_place(&self, object_id: &str) -> Option<Duration> {
        let mut objects = lock(&self.objects);
        let budget = objects
            .entry(object_id.to_owned())
            .or_insert_with(|| self.new_budget());
        match budget.calls.check() {
            Ok(()) => None,
            Err(not_until) => Some(not_until.wait_time_from(DefaultClock::default().now())),
        }
    }

    fn peak_percent(&self, object_id: &str) -> f64 {
        let app = lock(&self.app.state).peak_percent;
        let objects = lock(&self.objects);
        objects
            .get(object_id)
            .map_or(0.0, |b| b.throttle.peak_percent)
            .max(app)
    }

    // `PublishError` is the contract's error type; it is what `before_call` must return.
    #[allow(clippy::result_large_err)]
    fn inline_or_defer(
        &self,
        wait: Duration,
        until: DateTime<Utc>,
        reason: &str,
    ) -> Result<Duration, PublishError> {
        if wait <= self.settings.inline_wait_max {
            Ok(wait)
        } else {
            Err(PublishError::new(
                Verdict::DeferUntil {
                    until,
                    reason: reason.to_owned(),
                },
                reason.to_owned(),
            ))
        }
    }

    /// What a response's usage headers said about `object_id` (and the app).
    pub fn usage(&self, object_id: &str, report: &BudgetReport) {
        let now = self.clock.now();
        for figure in &report.figures {
            let single = BudgetReport {
                figures: vec![figure.clone()],
            };
            let blocked = pace::blocked_until(&single, now, &self.settings);
            let peak = figure.peak_percent();
            if let Some(metrics) = &self.metrics {
                metrics.set_graph_budget_peak_ratio(peak / 100.0);
            }
            match &figure.scope {
                BudgetScope::App => {
                    let mut app = lock(&self.app.state);
                    apply(&mut app, peak, blocked);
                    if blocked.is_some() {
                        self.count_throttle(ThrottleScope::App);
                    }
                }
                BudgetScope::Page => {
                    self.update_object(object_id, peak, blocked, ThrottleScope::Page)
                }
                BudgetScope::BusinessUseCase {
                    object_id: object, ..
                } => self.update_object(object, peak, blocked, ThrottleScope::BusinessUseCase),
            }
        }
    }

    fn update_object(
        &self,
        object_id: &str,
        peak: f64,
        blocked: Option<DateTime<Utc>>,
        scope: ThrottleScope,
    ) {
        let mut objects = lock(&self.objects);
        let budget = objects
            .entry(object_id.to_owned())
            .or_insert_with(|| self.new_budget());
        apply(&mut budget.throttle, peak, blocked);
        drop(objects);
        if blocked.is_some() {
            self.count_throttle(scope);
        }
    }

    fn count_throttle(&self, scope: ThrottleScope) {
        if let Some(metrics) = &self.metrics {
            metrics.graph_throttled(scope);
        }
    }

    /// Meta answered a call for `object_id` with a throttling error: no calls until `until`.
    pub fn throttled(&self, object_id: &str, until: DateTime<Utc>) {
        self.update_object(
            object_id,
            100.0,
            Some(until),
            ThrottleScope::BusinessUseCase,
        );
    }

    /// Until when calls for `object_id` are stopped, if they are.
    pub fn blocked_until(&self, object_id: &str) -> Option<DateTime<Utc>> {
        let now = self.clock.now();
        let app = lock(&self.app.state).blocked_until;
        let objects = lock(&self.objects);
        let object = objects
            .get(object_id)
            .and_then(|b| b.throttle.blocked_until);
        object.max(app).filter(|t| *t > now)
    }

    // --- publishing quotas -------------------------------------------------------------

    fn with_quota<R>(
        &self,
        object_id: &str,
        kind: QuotaKind,
        f: impl FnOnce(&mut RollingQuota) -> R,
    ) -> R {
        let mut quotas = lock(&self.quotas);
        let limit = match kind {
            QuotaKind::IgPublishing => self.settings.ig_quota_default,
            QuotaKind::FbReels => self.settings.fb_reels_per_day,
        };
        f(quotas
            .entry((object_id.to_owned(), kind))
            .or_insert_with(|| RollingQuota::new(limit)))
    }

    /// `None` when a post of `kind` may be published to `object_id` now; otherwise when
    /// the quota window frees a place, with the reason in plain words.
    pub fn quota_free_at(
        &self,
        object_id: &str,
        kind: PostKind,
    ) -> Option<(DateTime<Utc>, String)> {
        let quota_kind = quota_kind(kind)?;
        let now = self.clock.now();
        let (free_at, limit) =
            self.with_quota(object_id, quota_kind, |q| (q.free_at(now), q.limit()));
        let free_at = free_at?;
        if let Some(metrics) = &self.metrics {
            metrics.graph_throttled(match quota_kind {
                QuotaKind::IgPublishing => ThrottleScope::IgQuota,
                QuotaKind::FbReels => ThrottleScope::FbReelsQuota,
            });
        }
        let reason = match quota_kind {
            QuotaKind::IgPublishing => format!(
                "the account has used its Instagram publishing quota of {limit} posts in 24 hours"
            ),
            QuotaKind::FbReels => {
                format!("the Page has published its {limit} reels allowed by Meta in 24 hours")
            }
        };
        Some((free_at, reason))
    }

    /// Herald published a post of `kind` to `object_id` at `at`.
    pub fn record_published(&self, object_id: &str, kind: PostKind, at: DateTime<Utc>) {
        if let Some(quota_kind) = quota_kind(kind) {
            self.with_quota(object_id, quota_kind, |q| q.record(at));
        }
    }

    /// What `content_publishing_limit` said for an Instagram account.
    pub fn publishing_limit(&self, object_id: &str, used: u32, total: u32) {
        let now = self.clock.now();
        self.with_quota(object_id, QuotaKind::IgPublishing, |q| {
            q.set_from_meta(used, total, now)
        });
    }
}

fn apply(throttle: &mut Throttle, peak: f64, blocked: Option<DateTime<Utc>>) {
    throttle.peak_percent = peak;
    if blocked.is_some() {
        throttle.blocked_until = throttle.blocked_until.max(blocked);
    }
}

#[cfg(test)]
#[path = "limiter_tests.rs"]
mod tests;
