//! Refreshes the gauges that come from database counts (posts by state, overdue posts,
//! tokens, webhook endpoints) on a fixed interval, so Prometheus reads current values.

use std::time::Duration;

use herald_platform::clock::SharedClock;
use herald_platform::metrics::{Metrics, TokenState, WebhookEndpointState};
use herald_platform::store::{gauges, Store};

/// How often the counts are read.
pub const REFRESH_EVERY: Duration = Duration::from_secs(10);

/// Starts the refresher on the current actix system.
pub fn spawn(store: Store, metrics: Metrics, clock: SharedClock) {
    actix_rt::spawn(async move {
        let mut tick = actix_rt::time::interval(REFRESH_EVERY);
        loop {
            tick.tick().await;
            let store = store.clone();
            let now = clock.now();
            let counts = tokio::task::spawn_blocking(move || {
                let mut conn = store.conn()?;
                gauges::read(&mut conn, now)
            })
            .await;
            match counts {
                Ok(Ok(counts)) => publish(&metrics, &counts),
                Ok(Err(err)) => tracing::warn!(error = %err, "cannot read the gauge counts"),
                Err(err) => tracing::warn!(error = %err, "the gauge count task failed"),
            }
        }
    });
}

fn publish(metrics: &Metrics, counts: &gauges::GaugeCounts) {
    metrics.set_posts_by_state(counts.posts_by_state.iter().copied());
    metrics.set_posts_overdue(counts.posts_overdue);
    metrics.set_tokens_by_state([
        (TokenState::Valid, counts.accounts_valid),
        (TokenState::ExpiringSoon, counts.connections_expiring_soon),
        (
            TokenState::NeedsReconnect,
            counts.accounts_needing_reconnect,
        ),
    ]);
    metrics.set_webhook_endpoints_by_state([
        (WebhookEndpointState::Active, counts.endpoints_active),
        (WebhookEndpointState::Failing, counts.endpoints_failing),
        (WebhookEndpointState::Disabled, counts.endpoints_disabled),
    ]);
}
