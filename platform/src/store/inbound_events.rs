//! Events received from Meta's webhooks: stored once per deduplication key, processed
//! asynchronously afterwards.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::convert::{at, id, ms, opt_at};
use super::schema::inbound_meta_events as e;
use super::{DbConnection, StoreError, StoreResult};
use crate::ids::InboundEventId;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboundEvent {
    pub id: InboundEventId,
    pub dedup_key: String,
    /// Meta's `object` (`page`, `instagram`, `user`…).
    pub object: String,
    /// The raw JSON body as received.
    pub payload: String,
    pub received_at: DateTime<Utc>,
    pub processed_at: Option<DateTime<Utc>>,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = e)]
struct EventRow {
    id: String,
    dedup_key: String,
    object: String,
    payload: String,
    received_at: i64,
    processed_at: Option<i64>,
}

impl TryFrom<EventRow> for InboundEvent {
    type Error = StoreError;

    fn try_from(row: EventRow) -> StoreResult<Self> {
        Ok(InboundEvent {
            id: id("inbound_meta_events.id", &row.id, InboundEventId::from_db)?,
            dedup_key: row.dedup_key,
            object: row.object,
            payload: row.payload,
            received_at: at(row.received_at),
            processed_at: opt_at(row.processed_at),
        })
    }
}

/// Stores an event unless one with the same key exists. Returns `None` for a duplicate.
pub fn insert_once(
    conn: &mut DbConnection,
    dedup_key: &str,
    object: &str,
    payload: &str,
    now: DateTime<Utc>,
) -> StoreResult<Option<InboundEvent>> {
    let row = EventRow {
        id: InboundEventId::new().to_db(),
        dedup_key: dedup_key.to_owned(),
        object: object.to_owned(),
        payload: payload.to_owned(),
        received_at: ms(now),
        processed_at: None,
    };
    match diesel::insert_into(e::table).values(&row).execute(conn) {
        Ok(_) => Ok(Some(row.try_into()?)),
        Err(err) => match StoreError::from(err) {
            StoreError::Conflict { .. } => Ok(None),
            other => Err(other),
        },
    }
}

/// Unprocessed events, oldest first.
pub fn unprocessed(conn: &mut DbConnection, limit: i64) -> StoreResult<Vec<InboundEvent>> {
    e::table
        .filter(e::processed_at.is_null())
        .order((e::received_at.asc(), e::id.asc()))
        .limit(limit.clamp(1, 1000))
        .select(EventRow::as_select())
        .load(conn)?
        .into_iter()
        .map(InboundEvent::try_from)
        .collect()
}

pub fn mark_processed(
    conn: &mut DbConnection,
    event: InboundEventId,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    diesel::update(e::table.find(event.to_db()))
        .set(e::processed_at.eq(Some(ms(now))))
        .execute(conn)?;
    Ok(())
}
