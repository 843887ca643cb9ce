//! The outbox: events written in the same transaction as the change they describe, and
//! delivered to webhook endpoints afterwards by the dispatcher.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::convert::{at, id, json, ms, opt_at, opt_id, require_text, to_json};
use super::schema::outbox_events;
use super::{DbConnection, StoreError, StoreResult};
use crate::ids::{AgencyId, OutboxEventId, TenantId};

/// An event to record, such as `post.published` with its payload.
#[derive(Debug, Clone, PartialEq)]
pub struct NewOutboxEvent {
    pub event_type: String,
    pub payload: serde_json::Value,
}

impl NewOutboxEvent {
    pub fn new(event_type: impl Into<String>, payload: serde_json::Value) -> Self {
        Self {
            event_type: event_type.into(),
            payload,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct OutboxEvent {
    pub id: OutboxEventId,
    pub agency_id: AgencyId,
    pub tenant_id: Option<TenantId>,
    pub event_type: String,
    pub payload: serde_json::Value,
    pub created_at: DateTime<Utc>,
    pub dispatched_at: Option<DateTime<Utc>>,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = outbox_events)]
struct OutboxRow {
    id: String,
    agency_id: String,
    tenant_id: Option<String>,
    event_type: String,
    payload: String,
    created_at: i64,
    dispatched_at: Option<i64>,
}

impl TryFrom<OutboxRow> for OutboxEvent {
    type Error = StoreError;

    fn try_from(row: OutboxRow) -> StoreResult<Self> {
        Ok(OutboxEvent {
            id: id("outbox_events.id", &row.id, OutboxEventId::from_db)?,
            agency_id: id("outbox_events.agency_id", &row.agency_id, AgencyId::from_db)?,
            tenant_id: opt_id(
                "outbox_events.tenant_id",
                row.tenant_id.as_deref(),
                TenantId::from_db,
            )?,
            event_type: row.event_type,
            payload: json("outbox_events.payload", &row.payload)?,
            created_at: at(row.created_at),
            dispatched_at: opt_at(row.dispatched_at),
        })
    }
}

/// Records an event. Call inside the transaction that makes the change it reports.
pub fn insert(
    conn: &mut DbConnection,
    agency: AgencyId,
    tenant: Option<TenantId>,
    event: &NewOutboxEvent,
    now: DateTime<Utc>,
) -> StoreResult<OutboxEvent> {
    require_text("event_type", &event.event_type, 100)?;
    let row = OutboxRow {
        id: OutboxEventId::new().to_db(),
        agency_id: agency.to_db(),
        tenant_id: tenant.map(|t| t.to_db()),
        event_type: event.event_type.clone(),
        payload: to_json("payload", &event.payload)?,
        created_at: ms(now),
        dispatched_at: None,
    };
    diesel::insert_into(outbox_events::table)
        .values(&row)
        .execute(conn)?;
    row.try_into()
}

/// Events not yet handed to the dispatcher, oldest first.
pub fn pending(conn: &mut DbConnection, limit: i64) -> StoreResult<Vec<OutboxEvent>> {
    outbox_events::table
        .filter(outbox_events::dispatched_at.is_null())
        .order((outbox_events::created_at.asc(), outbox_events::id.asc()))
        .limit(limit.clamp(1, 1000))
        .select(OutboxRow::as_select())
        .load(conn)?
        .into_iter()
        .map(OutboxEvent::try_from)
        .collect()
}

/// Marks an event handed over (its deliveries are tracked from then on).
pub fn mark_dispatched(
    conn: &mut DbConnection,
    event: OutboxEventId,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    diesel::update(outbox_events::table.find(event.to_db()))
        .set(outbox_events::dispatched_at.eq(Some(ms(now))))
        .execute(conn)?;
    Ok(())
}

/// One event of `agency`; another agency's event is `NotFound`.
pub fn get(
    conn: &mut DbConnection,
    agency: AgencyId,
    event: OutboxEventId,
) -> StoreResult<OutboxEvent> {
    outbox_events::table
        .filter(outbox_events::id.eq(event.to_db()))
        .filter(outbox_events::agency_id.eq(agency.to_db()))
        .select(OutboxRow::as_select())
        .first(conn)
        .map_err(|e| StoreError::from_diesel("event", e))?
        .try_into()
}

/// A tenant's events, newest first (for tests and the dashboard).
pub fn list_for_tenant(
    conn: &mut DbConnection,
    tenant: TenantId,
    limit: i64,
) -> StoreResult<Vec<OutboxEvent>> {
    outbox_events::table
        .filter(outbox_events::tenant_id.eq(tenant.to_db()))
        .order((outbox_events::created_at.desc(), outbox_events::id.desc()))
        .limit(limit.clamp(1, 1000))
        .select(OutboxRow::as_select())
        .load(conn)?
        .into_iter()
        .map(OutboxEvent::try_from)
        .collect()
}
