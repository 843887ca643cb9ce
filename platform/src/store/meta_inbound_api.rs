//! What Meta sends Herald: webhook events stored once (a duplicate is ignored by its
//! dedup key), and the deauthorize and data-deletion callbacks, which disconnect or
//! delete a Meta user's connections across tenants.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::schema::{accounts, inbound_meta_events, meta_connections};
use super::{DbConnection, StoreError, StoreResult};
use crate::clock::{from_millis, to_millis};
use crate::ids::{AccountId, InboundEventId, TenantId};

/// Stores an event unless one with the same `dedup_key` is already stored. True when it
/// is new.
pub fn insert_inbound_once(
    conn: &mut DbConnection,
    dedup_key: &str,
    object: &str,
    payload: &str,
    now: DateTime<Utc>,
) -> StoreResult<bool> {
    let inserted = diesel::insert_into(inbound_meta_events::table)
        .values((
            inbound_meta_events::id.eq(InboundEventId::new().to_db()),
            inbound_meta_events::dedup_key.eq(dedup_key),
            inbound_meta_events::object.eq(object),
            inbound_meta_events::payload.eq(payload),
            inbound_meta_events::received_at.eq(to_millis(now)),
        ))
        .execute(conn);
    match inserted {
        Ok(_) => Ok(true),
        Err(err) => match StoreError::from(err) {
            StoreError::Conflict { .. } => Ok(false),
            other => Err(other),
        },
    }
}

/// Marks a stored event processed.
pub fn mark_inbound_processed(
    conn: &mut DbConnection,
    dedup_key: &str,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    diesel::update(inbound_meta_events::table.filter(inbound_meta_events::dedup_key.eq(dedup_key)))
        .set(inbound_meta_events::processed_at.eq(Some(to_millis(now))))
        .execute(conn)?;
    Ok(())
}

/// A stored event: its payload, when it arrived and when it was processed.
pub type InboundRecord = (String, DateTime<Utc>, Option<DateTime<Utc>>);

/// A stored event by its dedup key.
pub fn get_inbound(conn: &mut DbConnection, dedup_key: &str) -> StoreResult<Option<InboundRecord>> {
    let row: Option<(String, i64, Option<i64>)> = inbound_meta_events::table
        .filter(inbound_meta_events::dedup_key.eq(dedup_key))
        .select((
            inbound_meta_events::payload,
            inbound_meta_events::received_at,
            inbound_meta_events::processed_at,
        ))
        .first(conn)
        .optional()?;
    Ok(row.map(|(p, r, d)| (p, from_millis(r), d.map(from_millis))))
}

/// The accounts, with their tenants, that a Meta user's connections hold.
pub fn accounts_of_meta_user(
    conn: &mut DbConnection,
    meta_user_id: &str,
) -> StoreResult<Vec<(TenantId, AccountId)>> {
    let connection_ids: Vec<String> = meta_connections::table
        .filter(meta_connections::meta_user_id.eq(meta_user_id))
        .select(meta_connections::id)
        .load(conn)?;
    let rows: Vec<(String, String)> = accounts::table
        .filter(accounts::connection_id.eq_any(connection_ids))
        .select((accounts::tenant_id, accounts::id))
        .load(conn)?;
    rows.into_iter()
        .map(|(t, a)| {
            Ok((
                TenantId::from_db(&t).map_err(|e| StoreError::corrupt("accounts.tenant_id", e))?,
                AccountId::from_db(&a).map_err(|e| StoreError::corrupt("accounts.id", e))?,
            ))
        })
        .collect()
}

/// Deauthorize: the user's connections and accounts become `disconnected`, their tokens
/// (Page tokens) are dropped; the user token stays sealed but unused,
/// as Meta has already invalidated it. Returns how many connections changed.
pub fn disconnect_meta_user(
    conn: &mut DbConnection,
    meta_user_id: &str,
    now: DateTime<Utc>,
) -> StoreResult<usize> {
    let connection_ids: Vec<String> = meta_connections::table
        .filter(meta_connections::meta_user_id.eq(meta_user_id))
        .select(meta_connections::id)
        .load(conn)?;
    diesel::update(accounts::table.filter(accounts::connection_id.eq_any(&connection_ids)))
        .set((
            accounts::status.eq("disconnected"),
            accounts::page_token.eq(None::<String>),
            accounts::updated_at.eq(to_millis(now)),
        ))
        .execute(conn)?;
    let changed = diesel::update(
        meta_connections::table.filter(meta_connections::id.eq_any(&connection_ids)),
    )
    .set((
        meta_connections::status.eq("disconnected"),
        meta_connections::updated_at.eq(to_millis(now)),
    ))
    .execute(conn)?;
    Ok(changed)
}

/// Data deletion: the user's connections are deleted, and with them (by cascade) their
/// accounts and those accounts' posts. Returns how many connections were deleted.
pub fn delete_meta_user(conn: &mut DbConnection, meta_user_id: &str) -> StoreResult<usize> {
    Ok(diesel::delete(
        meta_connections::table.filter(meta_connections::meta_user_id.eq(meta_user_id)),
    )
    .execute(conn)?)
}
