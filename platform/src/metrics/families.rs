//! The metric families Herald exports, created and registered in one place so their names,
//! help texts, labels and buckets can be read together.

use prometheus::{
    Gauge, Histogram, HistogramOpts, HistogramVec, IntCounterVec, IntGauge, IntGaugeVec, Opts,
    Registry,
};

/// Request durations: a fast API, with room for slow uploads.
const HTTP_BUCKETS: &[f64] = &[
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];
/// Graph calls: Meta answers in tens of milliseconds to tens of seconds (uploads).
const GRAPH_BUCKETS: &[f64] = &[0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0];
/// Due → published: includes Meta's media processing, which can take minutes.
const PUBLISH_BUCKETS: &[f64] = &[
    1.0, 5.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0,
];
/// Due → claimed by the scheduler: should stay under a second or two.
const LATENESS_BUCKETS: &[f64] = &[
    0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 900.0, 3600.0,
];
/// Event → delivered to the client's endpoint, retries included.
const WEBHOOK_LAG_BUCKETS: &[f64] = &[
    0.1, 0.5, 1.0, 5.0, 15.0, 60.0, 300.0, 900.0, 3600.0, 21600.0,
];

/// Every family, registered in one registry.
pub(crate) struct Families {
    pub build_info: IntGaugeVec,
    pub http_requests: IntCounterVec,
    pub http_duration: HistogramVec,
    pub posts_published: IntCounterVec,
    pub posts_finished: IntCounterVec,
    pub publish_latency: HistogramVec,
    pub schedule_lateness: Histogram,
    pub posts: IntGaugeVec,
    pub posts_overdue: IntGauge,
    pub graph_requests: IntCounterVec,
    pub graph_duration: HistogramVec,
    pub graph_throttled: IntCounterVec,
    pub graph_budget_peak: Gauge,
    pub tokens: IntGaugeVec,
    pub webhook_deliveries: IntCounterVec,
    pub webhook_lag: Histogram,
    pub webhook_endpoints: IntGaugeVec,
    pub actors: IntGaugeVec,
    pub actor_restarts: IntCounterVec,
    pub pool_connections: IntGaugeVec,
    pub pool_max: IntGauge,
    pub ready: IntGauge,
    pub lease_changes: IntCounterVec,
}

impl Families {
    /// Creates every family and registers it in `registry`.
    pub fn register(registry: &Registry) -> prometheus::Result<Self> {
        let families = Families {
            build_info: gauges(
                "herald_build_info",
                "Always 1; the labels say which build is running.",
                &["version", "git_sha"],
            )?,
            http_requests: counters(
                "herald_http_requests_total",
                "HTTP requests answered, by matched route pattern, method and status class.",
                &["route", "method", "status_class"],
            )?,
            http_duration: histograms(
                "herald_http_request_duration_seconds",
                "Time to answer an HTTP request, by matched route pattern and method.",
                &["route", "method"],
                HTTP_BUCKETS,
            )?,
            posts_published: counters(
                "herald_posts_published_total",
                "Posts published to Meta.",
                &["network", "kind"],
            )?,
            posts_finished: counters(
                "herald_posts_finished_total",
                "Posts that reached a final state, by outcome.",
                &["network", "kind", "outcome"],
            )?,
            publish_latency: histograms(
                "herald_publish_latency_seconds",
                "Time from a post's due time to its publication on Meta.",
                &["network", "kind"],
                PUBLISH_BUCKETS,
            )?,
            schedule_lateness: histogram(
                "herald_schedule_lateness_seconds",
                "How long after its due time the scheduler claimed a post.",
                LATENESS_BUCKETS,
            )?,
            posts: gauges("herald_posts", "Posts stored, by state.", &["state"])?,
            posts_overdue: IntGauge::new(
                "herald_posts_overdue",
                "Posts past their due time by more than a minute and not yet being published.",
            )?,
            graph_requests: counters(
                "herald_graph_requests_total",
                "Calls to Meta's Graph API, by endpoint and outcome.",
                &["endpoint", "outcome"],
            )?,
            graph_duration: histograms(
                "herald_graph_request_duration_seconds",
                "Time a Graph API call took, by endpoint.",
                &["endpoint"],
                GRAPH_BUCKETS,
            )?,
            graph_throttled: counters(
                "herald_graph_throttled_total",
                "Times Meta throttled Herald or a quota was reached, by scope.",
                &["scope"],
            )?,
            graph_budget_peak: Gauge::new(
                "herald_graph_budget_peak_ratio",
                "Highest use of any Meta rate budget reported recently, from 0 to 1.",
            )?,
            tokens: gauges("herald_tokens", "Stored Meta tokens, by state.", &["state"])?,
            webhook_deliveries: counters(
                "herald_webhook_deliveries_total",
                "Outbound webhook delivery attempts, by outcome.",
                &["outcome"],
            )?,
            webhook_lag: histogram(
                "herald_webhook_delivery_lag_seconds",
                "Time from an event to its successful delivery to the endpoint.",
                WEBHOOK_LAG_BUCKETS,
            )?,
            webhook_endpoints: gauges(
                "herald_webhook_endpoints",
                "Outbound webhook endpoints, by state.",
                &["state"],
            )?,
            actors: gauges("herald_actors", "Actors running, by kind.", &["kind"])?,
            actor_restarts: counters(
                "herald_actor_restarts_total",
                "Actors restarted by their supervisor after a failure, by kind.",
                &["kind"],
            )?,
            pool_connections: gauges(
                "herald_db_pool_connections",
                "Database pool connections, by state.",
                &["state"],
            )?,
            pool_max: IntGauge::new(
                "herald_db_pool_max",
                "Largest number of connections the database pool may open.",
            )?,
            ready: IntGauge::new(
                "herald_ready",
                "1 when /readyz answers ready (database, migrations, scheduler, dispatcher).",
            )?,
            lease_changes: counters(
                "herald_lease_changes_total",
                concat!(
                    "Tenant leases this node acquired, took over, released, or lost (`lost`: ",
                    "held last round and no longer: lapsed while idle, or taken by another node)."
                ),
                &["change"],
            )?,
        };
        families.register_all(registry)?;
        Ok(families)
    }

    fn register_all(&self, registry: &Registry) -> prometheus::Result<()> {
        registry.register(Box::new(self.build_info.clone()))?;
        registry.register(Box::new(self.http_requests.clone()))?;
        registry.register(Box::new(self.http_duration.clone()))?;
        registry.register(Box::new(self.posts_published.clone()))?;
        registry.register(Box::new(self.posts_finished.clone()))?;
        registry.register(Box::new(self.publish_latency.clone()))?;
        registry.register(Box::new(self.schedule_lateness.clone()))?;
        registry.register(Box::new(self.posts.clone()))?;
        registry.register(Box::new(self.posts_overdue.clone()))?;
        registry.register(Box::new(self.graph_requests.clone()))?;
        registry.register(Box::new(self.graph_duration.clone()))?;
        registry.register(Box::new(self.graph_throttled.clone()))?;
        registry.register(Box::new(self.graph_budget_peak.clone()))?;
        registry.register(Box::new(self.tokens.clone()))?;
        registry.register(Box::new(self.webhook_deliveries.clone()))?;
        registry.register(Box::new(self.webhook_lag.clone()))?;
        registry.register(Box::new(self.webhook_endpoints.clone()))?;
        registry.register(Box::new(self.actors.clone()))?;
        registry.register(Box::new(self.actor_restarts.clone()))?;
        registry.register(Box::new(self.pool_connections.clone()))?;
        registry.register(Box::new(self.pool_max.clone()))?;
        registry.register(Box::new(self.ready.clone()))?;
        registry.register(Box::new(self.lease_changes.clone()))?;
        Ok(())
    }
}

fn counters(name: &str, help: &str, labels: &[&str]) -> prometheus::Result<IntCounterVec> {
    IntCounterVec::new(Opts::new(name, help), labels)
}

fn gauges(name: &str, help: &str, labels: &[&str]) -> prometheus::Result<IntGaugeVec> {
    IntGaugeVec::new(Opts::new(name, help), labels)
}

fn histograms(
    name: &str,
    help: &str,
    labels: &[&str],
    buckets: &[f64],
) -> prometheus::Result<HistogramVec> {
    HistogramVec::new(
        HistogramOpts::new(name, help).buckets(buckets.to_vec()),
        labels,
    )
}

fn histogram(name: &str, help: &str, buckets: &[f64]) -> prometheus::Result<Histogram> {
    Histogram::with_opts(HistogramOpts::new(name, help).buckets(buckets.to_vec()))
}
