//! The webhook dispatcher: one per node, it drains the outbox into signed deliveries.
//!
//! [`Dispatcher::run_once`] does one round (fan out new events, claim due attempts, make
//! them, record them) and is what tests call after moving their clock forward;
//! [`WebhookDispatcher`] is the actix actor that runs a round every [`TICK`].

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration as StdDuration, Instant};

use actix::prelude::*;
use chrono::{DateTime, Duration, Utc};

use super::events::envelope;
use super::queue::{self, AttemptLog, DueDelivery};
use super::rules::{self, Decision};
use super::schedule::random_jitter;
use super::signing::{signature_header, SigningSecret};
use super::transport::{WebhookRequest, WebhookTransport};
use crate::clock::{from_millis, SharedClock};
use crate::metrics::{Metrics, WebhookOutcome};
use crate::store::{Store, StoreError};
use crate::vault::{Binding, Keyring, SecretColumn};

/// How often the actor looks for work.
pub const TICK: StdDuration = StdDuration::from_millis(500);

/// How long a claimed attempt is reserved for the node that claimed it.
pub const CLAIM_LEASE: Duration = Duration::minutes(2);

/// Events fanned out and attempts claimed per round.
pub const BATCH: i64 = 50;

/// What one round did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RoundReport {
    pub events_dispatched: usize,
    pub attempts: usize,
    pub delivered: usize,
}

/// Everything a round needs.
#[derive(Clone)]
pub struct Dispatcher {
    pub store: Store,
    pub keyring: Arc<Keyring>,
    pub transport: Arc<dyn WebhookTransport>,
    pub clock: SharedClock,
    pub metrics: Option<Metrics>,
}

impl Dispatcher {
    /// One round: fan out new events, then make every due attempt (concurrently).
    pub async fn run_once(&self) -> Result<RoundReport, StoreError> {
        let store = self.store.clone();
        let now = self.clock.now();
        let (events_dispatched, due) = blocking(move || {
            let mut conn = store.conn()?;
            let dispatched = queue::fan_out(&mut conn, now, BATCH)?;
            let due = queue::claim_due(&mut conn, now, CLAIM_LEASE, BATCH)?;
            Ok((dispatched, due))
        })
        .await?;

        let attempts = due.len();
        let results = futures::future::join_all(due.into_iter().map(|d| self.attempt(d))).await;
        let mut delivered = 0;
        for result in results {
            delivered += usize::from(result?);
        }
        Ok(RoundReport {
            events_dispatched,
            attempts,
            delivered,
        })
    }

    /// Makes one attempt and records it; true when delivered.
    async fn attempt(&self, due: DueDelivery) -> Result<bool, StoreError> {
        let started_at = self.clock.now();
        let span = tracing::info_span!(
            "webhook.attempt",
            webhook.endpoint_id = %due.endpoint.id,
            webhook.event_id = %due.message_id(),
            webhook.attempt = due.attempt,
        );
        let _enter = span.enter();

        let (log, decision) = match self.secrets(&due.endpoint, started_at) {
            Ok(secrets) => self.send(&due, &secrets, started_at).await,
            Err(problem) => {
                tracing::error!(error = %problem, "cannot open the endpoint's signing secret");
                let log = AttemptLog {
                    error: Some(problem),
                    ..AttemptLog::default()
                };
                let decision = rules::decide(
                    &Err(super::TransportError::Other("secret".into())),
                    u32::try_from(due.attempt).unwrap_or(u32::MAX),
                    due.endpoint.failing_since.map(from_millis),
                    started_at,
                    random_jitter(),
                );
                (log, decision)
            }
        };

        let delivered = decision == Decision::Delivered;
        self.observe(&decision, started_at, due.event.created_at);
        let store = self.store.clone();
        let now = self.clock.now();
        blocking(move || queue::record(&mut *store.conn()?, &due, &log, &decision, now)).await?;
        Ok(delivered)
    }

    async fn send(
        &self,
        due: &DueDelivery,
        secrets: &[SigningSecret],
        now: DateTime<Utc>,
    ) -> (AttemptLog, Decision) {
        let message_id = due.message_id();
        let timestamp = now.timestamp();
        let data: serde_json::Value = serde_json::from_str(&due.event.payload)
            .unwrap_or_else(|_| serde_json::Value::String(due.event.payload.clone()));
        let body = envelope(
            &due.event.event_type,
            from_millis(due.event.created_at),
            &data,
        );
        let request = WebhookRequest {
            url: due.endpoint.url.clone(),
            headers: vec![
                ("content-type".into(), "application/json".into()),
                ("user-agent".into(), "Herald-Webhooks/1".into()),
                ("webhook-id".into(), message_id.clone()),
                ("webhook-timestamp".into(), timestamp.to_string()),
                (
                    "webhook-signature".into(),
                    signature_header(secrets, &message_id, timestamp, &body),
                ),
            ],
            body,
        };

        let clock_started = Instant::now();
        let result = self.transport.send(request).await;
        let latency_ms = i64::try_from(clock_started.elapsed().as_millis()).unwrap_or(i64::MAX);
        let attempt = u32::try_from(due.attempt).unwrap_or(u32::MAX);
        let failing_since = due.endpoint.failing_since.map(from_millis);
        let decision = rules::decide(&result, attempt, failing_since, now, random_jitter());

        let log = match &result {
            Ok(answer) => AttemptLog {
                http_status: Some(answer.status),
                latency_ms,
                response_start: Some(rules::response_start(&answer.body_start)),
                error: None,
            },
            Err(err) => AttemptLog {
                latency_ms,
                error: Some(err.to_string()),
                ..AttemptLog::default()
            },
        };
        tracing::info!(
            http.status = log.http_status,
            latency_ms,
            decision = ?decision,
            "webhook attempt made"
        );
        (log, decision)
    }

    /// The secrets to sign with: the current one and, during a rotation, the previous one.
    fn secrets(
        &self,
        endpoint: &queue::EndpointRow,
        now: DateTime<Utc>,
    ) -> Result<Vec<SigningSecret>, String> {
        let scope = endpoint.secret_scope();
        let open = |column: SecretColumn, sealed: &str| -> Result<SigningSecret, String> {
            let binding = Binding::new(column, scope, endpoint.id.as_str());
            let clear = self
                .keyring
                .open(&binding, sealed)
                .map_err(|e| e.to_string())?;
            SigningSecret::parse(clear.expose()).map_err(|e| e.to_string())
        };

        let mut secrets = vec![open(SecretColumn::WebhookSecret, &endpoint.secret)?];
        let previous_active = endpoint
            .previous_secret_expires_at
            .is_some_and(|at| from_millis(at) > now);
        if let (Some(sealed), true) = (&endpoint.previous_secret, previous_active) {
            secrets.push(open(SecretColumn::WebhookPreviousSecret, sealed)?);
        }
        Ok(secrets)
    }

    fn observe(&self, decision: &Decision, now: DateTime<Utc>, event_created_ms: i64) {
        let Some(metrics) = &self.metrics else { return };
        let outcome = match decision {
            Decision::Delivered => WebhookOutcome::Success,
            Decision::RetryAt(_) => WebhookOutcome::Retry,
            Decision::GiveUp => WebhookOutcome::Failed,
            Decision::DisableEndpoint(_) => WebhookOutcome::Disabled,
        };
        let lag = (now - from_millis(event_created_ms))
            .to_std()
            .unwrap_or_default();
        metrics.webhook_delivery(outcome, lag);
    }
}

async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
) -> Result<T, StoreError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|err| StoreError::Unavailable(format!("blocking task failed: {err}")))?
}

/// The per-node actor: runs a round every [`TICK`], never two at once.
pub struct WebhookDispatcher {
    dispatcher: Arc<Dispatcher>,
    busy: Arc<AtomicBool>,
}

impl WebhookDispatcher {
    pub fn new(dispatcher: Dispatcher) -> Self {
        Self {
            dispatcher: Arc::new(dispatcher),
            busy: Arc::new(AtomicBool::new(false)),
        }
    }
}

impl Actor for WebhookDispatcher {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        if let Some(metrics) = &self.dispatcher.metrics {
            metrics.actor_started(crate::metrics::ActorKind::WebhookDispatcher);
        }
        ctx.run_interval(TICK, |actor, _ctx| {
            if actor.busy.swap(true, Ordering::SeqCst) {
                return;
            }
            let dispatcher = actor.dispatcher.clone();
            let busy = actor.busy.clone();
            actix::spawn(async move {
                if let Err(err) = dispatcher.run_once().await {
                    tracing::error!(error = %err, "webhook dispatch round failed");
                }
                busy.store(false, Ordering::SeqCst);
            });
        });
    }

    fn stopped(&mut self, _ctx: &mut Self::Context) {
        if let Some(metrics) = &self.dispatcher.metrics {
            metrics.actor_stopped(crate::metrics::ActorKind::WebhookDispatcher);
        }
    }
}

/// Asks for a round now and answers what it did (tests, and `redeliver`).
#[derive(Message)]
#[rtype(result = "Result<RoundReport, StoreError>")]
pub struct RunNow;

impl Handler<RunNow> for WebhookDispatcher {
    type Result = ResponseFuture<Result<RoundReport, StoreError>>;

    fn handle(&mut self, _msg: RunNow, _ctx: &mut Self::Context) -> Self::Result {
        let dispatcher = self.dispatcher.clone();
        Box::pin(async move { dispatcher.run_once().await })
    }
}
