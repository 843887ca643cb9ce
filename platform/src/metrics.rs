//! Herald's Prometheus metrics: one registry per process, owned by [`Metrics`], with a
//! typed method for every event worth counting.
//!
//! Callers never pass a free-form label: every label value comes from an enum in
//! [`labels`] or from the domain (`Network`, `PostKind`, `PostState`), except the HTTP
//! route, which must be the matched route *pattern* (`/api/v1/tenants/{tenant_id}/posts`),
//! never the request path. So no series carries a tenant, account, post or user id, and
//! the number of series does not grow with tenants. Label sets that are known in advance
//! are created at zero on start, so rates and alerts work before the first event.

pub mod labels;

mod families;

use std::sync::Arc;
use std::time::Duration;

use prometheus::{Registry, TextEncoder};

use crate::domain::{PostKind, PostState};
use families::Families;
pub use labels::{
    ActorKind, GraphEndpoint, GraphOutcome, HttpMethod, LeaseChangeKind, PoolState, PostOutcome,
    StatusClass, ThrottleScope, TokenState, WebhookEndpointState, WebhookOutcome,
};

/// The `Content-Type` of [`Metrics::render`]'s output.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// The route label of a request that matched no route.
pub const UNMATCHED_ROUTE: &str = "unmatched";

/// Every family name Herald registers, for dashboards and tests to check against.
pub const FAMILY_NAMES: &[&str] = &[
    "herald_build_info",
    "herald_http_requests_total",
    "herald_http_request_duration_seconds",
    "herald_posts_published_total",
    "herald_posts_finished_total",
    "herald_publish_latency_seconds",
    "herald_schedule_lateness_seconds",
    "herald_posts",
    "herald_posts_overdue",
    "herald_graph_requests_total",
    "herald_graph_request_duration_seconds",
    "herald_graph_throttled_total",
    "herald_graph_budget_peak_ratio",
    "herald_tokens",
    "herald_webhook_deliveries_total",
    "herald_webhook_delivery_lag_seconds",
    "herald_webhook_endpoints",
    "herald_actors",
    "herald_actor_restarts_total",
    "herald_db_pool_connections",
    "herald_db_pool_max",
    "herald_ready",
    "herald_lease_changes_total",
];

/// The process's metrics. Cheap to clone: clones share one registry.
#[derive(Clone)]
pub struct Metrics {
    inner: Arc<Inner>,
}

struct Inner {
    registry: Registry,
    families: Families,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

impl Metrics {
    /// A fresh registry (not Prometheus's global one) with every family registered and
    /// `herald_build_info{version, git_sha}` set to 1.
    pub fn new(version: &str, git_sha: &str) -> Self {
        let registry = Registry::new();
        // Names, help texts and label names are constants checked by this module's tests,
        // so registration can only fail on a programming error.
        let families = Families::register(&registry)
            .expect("metric families are valid and registered once per registry");
        families
            .build_info
            .with_label_values(&[version, git_sha])
            .set(1);

        let metrics = Metrics {
            inner: Arc::new(Inner { registry, families }),
        };
        metrics.create_known_series();
        metrics
    }

    /// The registry, for a caller that must register a collector of its own.
    pub fn registry(&self) -> &Registry {
        &self.inner.registry
    }

    /// Every series in Prometheus's text exposition format ([`CONTENT_TYPE`]).
    pub fn render(&self) -> String {
        let families = self.inner.registry.gather();
        match TextEncoder::new().encode_to_string(&families) {
            Ok(text) => text,
            Err(err) => {
                tracing::error!(error = %err, "could not encode metrics");
                String::new()
            }
        }
    }

    fn f(&self) -> &Families {
        &self.inner.families
    }

    /// Creates, at zero, every series whose labels are known in advance.
    fn create_known_series(&self) {
        let f = self.f();
        for kind in PostKind::ALL {
            let network = kind.network().as_str();
            f.posts_published
                .with_label_values(&[network, kind.as_str()]);
            for outcome in PostOutcome::ALL {
                f.posts_finished
                    .with_label_values(&[network, kind.as_str(), outcome.as_str()]);
            }
        }
        for state in PostState::ALL {
            f.posts.with_label_values(&[state.as_str()]);
        }
        for scope in ThrottleScope::ALL {
            f.graph_throttled.with_label_values(&[scope.as_str()]);
        }
        for state in TokenState::ALL {
            f.tokens.with_label_values(&[state.as_str()]);
        }
        for outcome in WebhookOutcome::ALL {
            f.webhook_deliveries.with_label_values(&[outcome.as_str()]);
        }
        for state in WebhookEndpointState::ALL {
            f.webhook_endpoints.with_label_values(&[state.as_str()]);
        }
        for kind in ActorKind::ALL {
            f.actors.with_label_values(&[kind.as_str()]);
            f.actor_restarts.with_label_values(&[kind.as_str()]);
        }
        for state in PoolState::ALL {
            f.pool_connections.with_label_values(&[state.as_str()]);
        }
        for change in LeaseChangeKind::ALL {
            f.lease_changes.with_label_values(&[change.as_str()]);
        }
    }

    // --- HTTP ---------------------------------------------------------------------------

    /// One answered request. `route` is the matched route pattern (actix-web's
    /// `HttpRequest::match_pattern()`), `None` when no route matched; `method` is the
    /// request method as on the wire.
    pub fn http_request(&self, route: Option<&str>, method: &str, status: u16, took: Duration) {
        let route = route.unwrap_or(UNMATCHED_ROUTE);
        let method = HttpMethod::from_name(method).as_str();
        let class = StatusClass::of(status).as_str();
        self.f()
            .http_requests
            .with_label_values(&[route, method, class])
            .inc();
        self.f()
            .http_duration
            .with_label_values(&[route, method])
            .observe(took.as_secs_f64());
    }

    // --- Publishing ---------------------------------------------------------------------

    /// A post went live on Meta, `since_due` after its due time.
    pub fn post_published(&self, kind: PostKind, since_due: Duration) {
        let labels = [kind.network().as_str(), kind.as_str()];
        self.post_finished(kind, PostOutcome::Published);
        self.f()
            .publish_latency
            .with_label_values(&labels)
            .observe(since_due.as_secs_f64());
    }

    /// A post reached a final state. For a publication prefer [`Metrics::post_published`],
    /// which also records the latency.
    pub fn post_finished(&self, kind: PostKind, outcome: PostOutcome) {
        let network = kind.network().as_str();
        let f = self.f();
        f.posts_finished
            .with_label_values(&[network, kind.as_str(), outcome.as_str()])
            .inc();
        if outcome == PostOutcome::Published {
            f.posts_published
                .with_label_values(&[network, kind.as_str()])
                .inc();
        }
    }

    /// The scheduler claimed a post `lateness` after its due time (zero if on time).
    pub fn schedule_lateness(&self, lateness: Duration) {
        self.f().schedule_lateness.observe(lateness.as_secs_f64());
    }

    /// Sets `herald_posts{state}` from a count of stored posts; states missing from
    /// `counts` are set to 0.
    pub fn set_posts_by_state(&self, counts: impl IntoIterator<Item = (PostState, u64)>) {
        set_all(
            &self.f().posts,
            PostState::ALL.iter().map(|s| s.as_str()),
            counts,
            |s| s.as_str(),
        );
    }

    /// Sets the number of posts more than a minute past due and not yet being published.
    pub fn set_posts_overdue(&self, count: u64) {
        self.f().posts_overdue.set(saturating_i64(count));
    }

    // --- Meta Graph API -----------------------------------------------------------------

    /// One Graph call, how it ended and how long it took.
    pub fn graph_request(&self, endpoint: GraphEndpoint, outcome: GraphOutcome, took: Duration) {
        let f = self.f();
        f.graph_requests
            .with_label_values(&[endpoint.as_str(), outcome.as_str()])
            .inc();
        f.graph_duration
            .with_label_values(&[endpoint.as_str()])
            .observe(took.as_secs_f64());
    }

    /// Meta throttled a call, or a quota was reached, in `scope`.
    pub fn graph_throttled(&self, scope: ThrottleScope) {
        self.f()
            .graph_throttled
            .with_label_values(&[scope.as_str()])
            .inc();
    }

    /// Sets the highest recent use of any Meta budget, as a ratio (clamped to 0..=1).
    /// Meta's headers give percentages: pass `percent / 100.0`.
    pub fn set_graph_budget_peak_ratio(&self, ratio: f64) {
        let ratio = if ratio.is_nan() {
            0.0
        } else {
            ratio.clamp(0.0, 1.0)
        };
        self.f().graph_budget_peak.set(ratio);
    }

    // --- Tokens -------------------------------------------------------------------------

    /// Sets `herald_tokens{state}` from a count of stored tokens; states missing from
    /// `counts` are set to 0.
    pub fn set_tokens_by_state(&self, counts: impl IntoIterator<Item = (TokenState, u64)>) {
        set_all(
            &self.f().tokens,
            TokenState::ALL.iter().map(|s| s.as_str()),
            counts,
            |s| s.as_str(),
        );
    }

    // --- Outbound webhooks --------------------------------------------------------------

    /// One delivery attempt. `since_event` is the time from the event to this attempt; it
    /// is recorded as delivery lag when the attempt succeeded.
    pub fn webhook_delivery(&self, outcome: WebhookOutcome, since_event: Duration) {
        self.f()
            .webhook_deliveries
            .with_label_values(&[outcome.as_str()])
            .inc();
        if outcome == WebhookOutcome::Success {
            self.f().webhook_lag.observe(since_event.as_secs_f64());
        }
    }

    /// Sets `herald_webhook_endpoints{state}`; states missing from `counts` are set to 0.
    pub fn set_webhook_endpoints_by_state(
        &self,
        counts: impl IntoIterator<Item = (WebhookEndpointState, u64)>,
    ) {
        let all = WebhookEndpointState::ALL.iter().map(|s| s.as_str());
        set_all(&self.f().webhook_endpoints, all, counts, |s| s.as_str());
    }

    // --- Runtime ------------------------------------------------------------------------

    /// An actor of `kind` started (call from `Actor::started`).
    pub fn actor_started(&self, kind: ActorKind) {
        self.f().actors.with_label_values(&[kind.as_str()]).inc();
    }

    /// An actor of `kind` stopped (call from `Actor::stopped`).
    pub fn actor_stopped(&self, kind: ActorKind) {
        self.f().actors.with_label_values(&[kind.as_str()]).dec();
    }

    /// A supervisor restarted an actor of `kind` after a failure (call from
    /// `Supervised::restarting`).
    pub fn actor_restarted(&self, kind: ActorKind) {
        self.f()
            .actor_restarts
            .with_label_values(&[kind.as_str()])
            .inc();
    }

    /// Sets the database pool's connections (from r2d2's `Pool::state()` and
    /// `max_size()`).
    pub fn set_db_pool(&self, idle: u32, in_use: u32, max: u32) {
        let f = self.f();
        f.pool_connections
            .with_label_values(&[PoolState::Idle.as_str()])
            .set(idle.into());
        f.pool_connections
            .with_label_values(&[PoolState::InUse.as_str()])
            .set(in_use.into());
        f.pool_max.set(max.into());
    }

    /// `count` tenant leases changed hands this way on this node.
    pub fn lease_changes(&self, change: LeaseChangeKind, count: usize) {
        self.f()
            .lease_changes
            .with_label_values(&[change.as_str()])
            .inc_by(u64::try_from(count).unwrap_or(u64::MAX));
    }

    /// Sets `herald_ready` to what `/readyz` last answered.
    pub fn set_ready(&self, ready: bool) {
        self.f().ready.set(i64::from(ready));
    }
}

/// Sets one gauge per label value: the given counts, and 0 for every other known value.
fn set_all<T>(
    gauges: &prometheus::IntGaugeVec,
    all: impl Iterator<Item = &'static str>,
    counts: impl IntoIterator<Item = (T, u64)>,
    name: impl Fn(&T) -> &'static str,
) {
    let counts: Vec<(&'static str, u64)> = counts
        .into_iter()
        .map(|(value, n)| (name(&value), n))
        .collect();
    for label in all {
        let total: u64 = counts
            .iter()
            .filter(|(l, _)| *l == label)
            .map(|(_, n)| n)
            .sum();
        gauges
            .with_label_values(&[label])
            .set(saturating_i64(total));
    }
}

fn saturating_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests;
