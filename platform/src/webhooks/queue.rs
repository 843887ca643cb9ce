//! The dispatcher's view of the database: outbox events fanned out into deliveries,
//! due deliveries claimed, and each attempt recorded with what follows it.
//!
//! Every attempt is one `webhook_deliveries` row: `pending` until it is made, then
//! `succeeded` or `failed`; a retry is a new `pending` row with the next attempt number;
//! `abandoned` marks an attempt that will never be made (the endpoint was disabled).
//! Claims and fan-out are guarded updates, so several nodes sharing PostgreSQL never send
//! the same attempt twice.

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;

use super::events::{subscribes, EventType};
use super::rules::{failing_since_after, Decision};
use crate::clock::{from_millis, to_millis};
use crate::ids::{DeliveryId, OutboxEventId};
use crate::store::schema::{outbox_events, webhook_deliveries, webhook_endpoints};
use crate::store::{DbConnection, StoreError, StoreResult};

/// An outbox event as the dispatcher reads it.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = outbox_events)]
pub struct EventRow {
    pub id: String,
    pub agency_id: String,
    pub tenant_id: Option<String>,
    pub event_type: String,
    pub payload: String,
    pub created_at: i64,
}

/// An endpoint as the dispatcher reads it (secrets still sealed).
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = webhook_endpoints)]
pub struct EndpointRow {
    pub id: String,
    pub agency_id: String,
    pub tenant_id: Option<String>,
    pub url: String,
    pub secret: String,
    pub previous_secret: Option<String>,
    pub previous_secret_expires_at: Option<i64>,
    pub event_types: String,
    pub enabled: bool,
    pub failing_since: Option<i64>,
}

impl EndpointRow {
    /// The subscribed event types (a JSON list; unreadable means none, so nothing leaks).
    pub fn subscribed(&self) -> Option<Vec<String>> {
        serde_json::from_str(&self.event_types).ok()
    }

    /// The stored form of the tenant or agency the endpoint's secret is bound to.
    pub fn secret_scope(&self) -> &str {
        self.tenant_id.as_deref().unwrap_or(&self.agency_id)
    }
}

/// A claimed attempt, with what is needed to make it.
#[derive(Debug, Clone)]
pub struct DueDelivery {
    pub id: String,
    pub attempt: i32,
    pub endpoint: EndpointRow,
    pub event: EventRow,
}

impl DueDelivery {
    /// The `webhook-id`: the event's id, stable across retries and endpoints.
    pub fn message_id(&self) -> String {
        OutboxEventId::from_db(&self.event.id)
            .map(|id| id.to_string())
            .unwrap_or_else(|_| self.event.id.clone())
    }
}

/// What one attempt produced, for the log.
#[derive(Debug, Clone, Default)]
pub struct AttemptLog {
    pub http_status: Option<u16>,
    pub latency_ms: i64,
    pub response_start: Option<String>,
    pub error: Option<String>,
}

#[derive(Insertable)]
#[diesel(table_name = webhook_deliveries)]
struct NewDelivery<'a> {
    id: String,
    agency_id: &'a str,
    tenant_id: Option<&'a str>,
    endpoint_id: &'a str,
    event_id: &'a str,
    attempt: i32,
    status: &'static str,
    created_at: i64,
    next_attempt_at: Option<i64>,
}

/// Queues attempt `attempt` of `event` to `endpoint`, due at `due`.
pub fn enqueue(
    conn: &mut DbConnection,
    endpoint: &EndpointRow,
    event_id: &str,
    attempt: i32,
    due: DateTime<Utc>,
    now: DateTime<Utc>,
) -> StoreResult<String> {
    let id = DeliveryId::new().to_db();
    diesel::insert_into(webhook_deliveries::table)
        .values(NewDelivery {
            id: id.clone(),
            agency_id: &endpoint.agency_id,
            tenant_id: endpoint.tenant_id.as_deref(),
            endpoint_id: &endpoint.id,
            event_id,
            attempt,
            status: "pending",
            created_at: to_millis(now),
            next_attempt_at: Some(to_millis(due)),
        })
        .execute(conn)?;
    Ok(id)
}

/// Turns up to `limit` undispatched outbox events into first attempts for every enabled
/// endpoint that subscribes to them. Returns how many events were dispatched.
pub fn fan_out(conn: &mut DbConnection, now: DateTime<Utc>, limit: i64) -> StoreResult<usize> {
    let events: Vec<EventRow> = outbox_events::table
        .filter(outbox_events::dispatched_at.is_null())
        .order(outbox_events::created_at.asc())
        .limit(limit)
        .select(EventRow::as_select())
        .load(conn)?;

    let mut dispatched = 0;
    for event in events {
        let taken = conn.transaction(|conn| -> StoreResult<bool> {
            // Whoever marks the event first fans it out; another node skips it.
            let marked = diesel::update(
                outbox_events::table
                    .filter(outbox_events::id.eq(&event.id))
                    .filter(outbox_events::dispatched_at.is_null()),
            )
            .set(outbox_events::dispatched_at.eq(to_millis(now)))
            .execute(conn)?;
            if marked == 0 {
                return Ok(false);
            }
            for endpoint in endpoints_for(conn, &event)? {
                enqueue(conn, &endpoint, &event.id, 1, now, now)?;
            }
            Ok(true)
        })?;
        dispatched += usize::from(taken);
    }
    Ok(dispatched)
}

fn endpoints_for(conn: &mut DbConnection, event: &EventRow) -> StoreResult<Vec<EndpointRow>> {
    let candidates: Vec<EndpointRow> = webhook_endpoints::table
        .filter(webhook_endpoints::agency_id.eq(&event.agency_id))
        .filter(webhook_endpoints::enabled.eq(true))
        .select(EndpointRow::as_select())
        .load(conn)?;
    Ok(candidates
        .into_iter()
        .filter(|e| e.tenant_id.is_none() || e.tenant_id == event.tenant_id)
        .filter(|e| {
            e.subscribed()
                .is_some_and(|list| subscribes(&list, &event.event_type))
        })
        .collect())
}

/// Claims up to `limit` due attempts: each is pushed `lease` into the future so no other
/// node takes it while it is being made. An attempt whose node died is retried once the
/// lease has passed.
pub fn claim_due(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    lease: Duration,
    limit: i64,
) -> StoreResult<Vec<DueDelivery>> {
    let rows: Vec<(String, i32, String, String, Option<i64>)> = webhook_deliveries::table
        .filter(webhook_deliveries::status.eq("pending"))
        .filter(webhook_deliveries::next_attempt_at.le(to_millis(now)))
        .order(webhook_deliveries::next_attempt_at.asc())
        .limit(limit)
        .select((
            webhook_deliveries::id,
            webhook_deliveries::attempt,
            webhook_deliveries::endpoint_id,
            webhook_deliveries::event_id,
            webhook_deliveries::next_attempt_at,
        ))
        .load(conn)?;

    let mut claimed = Vec::new();
    for (id, attempt, endpoint_id, event_id, due_at) in rows {
        let won = diesel::update(
            webhook_deliveries::table
                .filter(webhook_deliveries::id.eq(&id))
                .filter(webhook_deliveries::status.eq("pending"))
                .filter(webhook_deliveries::next_attempt_at.eq(due_at)),
        )
        .set(webhook_deliveries::next_attempt_at.eq(to_millis(now + lease)))
        .execute(conn)?;
        if won == 0 {
            continue;
        }
        let endpoint = webhook_endpoints::table
            .find(&endpoint_id)
            .select(EndpointRow::as_select())
            .first(conn)
            .map_err(|e| StoreError::from_diesel("webhook endpoint", e))?;
        let event = outbox_events::table
            .find(&event_id)
            .select(EventRow::as_select())
            .first(conn)
            .map_err(|e| StoreError::from_diesel("event", e))?;
        if !endpoint.enabled {
            abandon(conn, &id)?;
            continue;
        }
        claimed.push(DueDelivery {
            id,
            attempt,
            endpoint,
            event,
        });
    }
    Ok(claimed)
}

fn abandon(conn: &mut DbConnection, delivery_id: &str) -> StoreResult<()> {
    diesel::update(webhook_deliveries::table.find(delivery_id))
        .set((
            webhook_deliveries::status.eq("abandoned"),
            webhook_deliveries::next_attempt_at.eq(None::<i64>),
        ))
        .execute(conn)?;
    Ok(())
}

/// Records a made attempt and applies the decision: the next attempt queued, or the
/// endpoint disabled (its other pending attempts abandoned and the agency told).
pub fn record(
    conn: &mut DbConnection,
    due: &DueDelivery,
    log: &AttemptLog,
    decision: &Decision,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    conn.transaction(|conn| {
        let delivered = matches!(decision, Decision::Delivered);
        diesel::update(webhook_deliveries::table.find(&due.id))
            .set((
                webhook_deliveries::status.eq(if delivered { "succeeded" } else { "failed" }),
                webhook_deliveries::http_status.eq(log.http_status.map(i32::from)),
                webhook_deliveries::latency_ms.eq(Some(log.latency_ms)),
                webhook_deliveries::response_start.eq(log.response_start.as_deref()),
                webhook_deliveries::error.eq(log.error.as_deref()),
                webhook_deliveries::next_attempt_at.eq(None::<i64>),
            ))
            .execute(conn)?;

        let failing =
            failing_since_after(delivered, due.endpoint.failing_since.map(from_millis), now);
        diesel::update(webhook_endpoints::table.find(&due.endpoint.id))
            .set(webhook_endpoints::failing_since.eq(failing.map(to_millis)))
            .execute(conn)?;

        match decision {
            Decision::Delivered | Decision::GiveUp => Ok(()),
            Decision::RetryAt(at) => enqueue(
                conn,
                &due.endpoint,
                &due.event.id,
                due.attempt + 1,
                *at,
                now,
            )
            .map(|_| ()),
            Decision::DisableEndpoint(reason) => {
                disable_endpoint(conn, &due.endpoint, reason.as_str(), now)
            }
        }
    })
}

/// Disables an endpoint, abandons its pending attempts, and writes a
/// `webhook_endpoint.disabled` event for the agency's other endpoints.
pub fn disable_endpoint(
    conn: &mut DbConnection,
    endpoint: &EndpointRow,
    reason: &str,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    diesel::update(webhook_endpoints::table.find(&endpoint.id))
        .set((
            webhook_endpoints::enabled.eq(false),
            webhook_endpoints::disabled_reason.eq(Some(reason)),
            webhook_endpoints::updated_at.eq(to_millis(now)),
        ))
        .execute(conn)?;
    diesel::update(
        webhook_deliveries::table
            .filter(webhook_deliveries::endpoint_id.eq(&endpoint.id))
            .filter(webhook_deliveries::status.eq("pending")),
    )
    .set((
        webhook_deliveries::status.eq("abandoned"),
        webhook_deliveries::next_attempt_at.eq(None::<i64>),
    ))
    .execute(conn)?;

    let endpoint_id = crate::ids::WebhookEndpointId::from_db(&endpoint.id)
        .map(|id| id.to_string())
        .unwrap_or_else(|_| endpoint.id.clone());
    let payload = serde_json::json!({
        "endpoint_id": endpoint_id,
        "url": endpoint.url,
        "reason": reason,
    });
    insert_event(
        conn,
        &endpoint.agency_id,
        None,
        EventType::EndpointDisabled,
        &payload,
        now,
    )?;
    Ok(())
}

#[derive(Insertable)]
#[diesel(table_name = outbox_events)]
struct NewEvent<'a> {
    id: String,
    agency_id: &'a str,
    tenant_id: Option<&'a str>,
    event_type: &'a str,
    payload: String,
    created_at: i64,
}

/// Writes an event to the outbox. Call it inside the transaction of the change it reports.
/// `agency_id` and `tenant_id` are stored forms.
pub fn insert_event(
    conn: &mut DbConnection,
    agency_id: &str,
    tenant_id: Option<&str>,
    event_type: EventType,
    payload: &serde_json::Value,
    now: DateTime<Utc>,
) -> StoreResult<OutboxEventId> {
    let id = OutboxEventId::new();
    diesel::insert_into(outbox_events::table)
        .values(NewEvent {
            id: id.to_db(),
            agency_id,
            tenant_id,
            event_type: event_type.as_str(),
            payload: payload.to_string(),
            created_at: to_millis(now),
        })
        .execute(conn)?;
    Ok(id)
}

/// Loads one endpoint by its stored id (no tenant check: callers check ownership).
pub fn endpoint_row(conn: &mut DbConnection, endpoint_id: &str) -> StoreResult<EndpointRow> {
    webhook_endpoints::table
        .find(endpoint_id)
        .select(EndpointRow::as_select())
        .first(conn)
        .map_err(|e| StoreError::from_diesel("webhook endpoint", e))
}
