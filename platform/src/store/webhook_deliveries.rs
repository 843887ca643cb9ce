//! Webhook deliveries: one row per attempt to deliver an outbox event to an endpoint,
//! with what the endpoint answered and when the next attempt is due.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::convert::{at, id, ms, name, opt_at, opt_id, stored_enum};
use super::schema::webhook_deliveries as d;
use super::webhooks::EndpointOwner;
use super::{DbConnection, StoreError, StoreResult};
use crate::ids::{AgencyId, DeliveryId, OutboxEventId, TenantId, WebhookEndpointId};

stored_enum!(
    /// Where an attempt stands.
    DeliveryStatus, "delivery status" {
        Pending => "pending",
        Succeeded => "succeeded",
        Failed => "failed",
        Abandoned => "abandoned",
    }
);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub id: DeliveryId,
    pub agency_id: AgencyId,
    pub tenant_id: Option<TenantId>,
    pub endpoint_id: WebhookEndpointId,
    pub event_id: OutboxEventId,
    pub attempt: i32,
    pub status: DeliveryStatus,
    pub http_status: Option<i32>,
    pub latency_ms: Option<i64>,
    /// The first bytes of the response body, for people to read.
    pub response_start: Option<String>,
    pub error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub next_attempt_at: Option<DateTime<Utc>>,
}

/// One attempt's outcome to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDelivery {
    pub endpoint_id: WebhookEndpointId,
    pub event_id: OutboxEventId,
    pub attempt: i32,
    pub status: DeliveryStatus,
    pub http_status: Option<i32>,
    pub latency_ms: Option<i64>,
    pub response_start: Option<String>,
    pub error: Option<String>,
    pub next_attempt_at: Option<DateTime<Utc>>,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = d)]
struct DeliveryRow {
    id: String,
    agency_id: String,
    tenant_id: Option<String>,
    endpoint_id: String,
    event_id: String,
    attempt: i32,
    status: String,
    http_status: Option<i32>,
    latency_ms: Option<i64>,
    response_start: Option<String>,
    error: Option<String>,
    created_at: i64,
    next_attempt_at: Option<i64>,
}

impl TryFrom<DeliveryRow> for Delivery {
    type Error = StoreError;

    fn try_from(row: DeliveryRow) -> StoreResult<Self> {
        Ok(Delivery {
            id: id("webhook_deliveries.id", &row.id, DeliveryId::from_db)?,
            agency_id: id(
                "webhook_deliveries.agency_id",
                &row.agency_id,
                AgencyId::from_db,
            )?,
            tenant_id: opt_id(
                "webhook_deliveries.tenant_id",
                row.tenant_id.as_deref(),
                TenantId::from_db,
            )?,
            endpoint_id: id(
                "webhook_deliveries.endpoint_id",
                &row.endpoint_id,
                WebhookEndpointId::from_db,
            )?,
            event_id: id(
                "webhook_deliveries.event_id",
                &row.event_id,
                OutboxEventId::from_db,
            )?,
            attempt: row.attempt,
            status: name("webhook_deliveries.status", &row.status)?,
            http_status: row.http_status,
            latency_ms: row.latency_ms,
            response_start: row.response_start,
            error: row.error,
            created_at: at(row.created_at),
            next_attempt_at: opt_at(row.next_attempt_at),
        })
    }
}

/// Records an attempt for an endpoint of `owner`.
pub fn record(
    conn: &mut DbConnection,
    owner: EndpointOwner,
    new: &NewDelivery,
    now: DateTime<Utc>,
) -> StoreResult<Delivery> {
    let row = DeliveryRow {
        id: DeliveryId::new().to_db(),
        agency_id: owner.agency.to_db(),
        tenant_id: owner.tenant.map(|t| t.to_db()),
        endpoint_id: new.endpoint_id.to_db(),
        event_id: new.event_id.to_db(),
        attempt: new.attempt,
        status: new.status.as_str().to_owned(),
        http_status: new.http_status,
        latency_ms: new.latency_ms,
        response_start: new
            .response_start
            .as_ref()
            .map(|s| s.chars().take(500).collect()),
        error: new.error.clone(),
        created_at: ms(now),
        next_attempt_at: new.next_attempt_at.map(ms),
    };
    diesel::insert_into(d::table).values(&row).execute(conn)?;
    row.try_into()
}

/// Pending attempts whose retry time has come, oldest first (for the dispatcher).
pub fn due(conn: &mut DbConnection, now: DateTime<Utc>, limit: i64) -> StoreResult<Vec<Delivery>> {
    d::table
        .filter(d::status.eq(DeliveryStatus::Pending.as_str()))
        .filter(d::next_attempt_at.le(ms(now)))
        .order((d::next_attempt_at.asc(), d::id.asc()))
        .limit(limit.clamp(1, 1000))
        .select(DeliveryRow::as_select())
        .load(conn)?
        .into_iter()
        .map(Delivery::try_from)
        .collect()
}

/// Closes a pending attempt (it was retried, or given up).
pub fn set_status(
    conn: &mut DbConnection,
    delivery: DeliveryId,
    status: DeliveryStatus,
) -> StoreResult<()> {
    diesel::update(d::table.find(delivery.to_db()))
        .set((
            d::status.eq(status.as_str()),
            d::next_attempt_at.eq(None::<i64>),
        ))
        .execute(conn)?;
    Ok(())
}

/// An endpoint's attempts, newest first; an endpoint of another owner has none.
pub fn list_for_endpoint(
    conn: &mut DbConnection,
    owner: EndpointOwner,
    endpoint: WebhookEndpointId,
    limit: i64,
) -> StoreResult<Vec<Delivery>> {
    let query = d::table
        .filter(d::endpoint_id.eq(endpoint.to_db()))
        .filter(d::agency_id.eq(owner.agency.to_db()))
        .into_boxed();
    let query = match owner.tenant {
        Some(t) => query.filter(d::tenant_id.eq(t.to_db())),
        None => query.filter(d::tenant_id.is_null()),
    };
    query
        .order((d::created_at.desc(), d::id.desc()))
        .limit(limit.clamp(1, 500))
        .select(DeliveryRow::as_select())
        .load(conn)?
        .into_iter()
        .map(Delivery::try_from)
        .collect()
}
