//! Idempotency keys: the first request with a key is recorded with a hash of its body;
//! a repeat with the same body gets the first answer again, a repeat with another body
//! is a conflict. Keys are scoped by agency.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::schema::idempotency_keys;
use super::{DbConnection, StoreError, StoreResult};
use crate::clock::to_millis;
use crate::ids::AgencyId;

/// What claiming a key found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdempotencyClaim {
    /// First use: go ahead, then [`finish_idempotency`].
    New,
    /// Same key, same request, finished: answer this again.
    Replay { status: u16, body: String },
    /// Same key, same request, still running.
    InProgress,
    /// Same key, another request.
    Mismatch,
}

/// Claims `key` for a request whose hash is `request_hash`.
pub fn claim_idempotency(
    conn: &mut DbConnection,
    agency: AgencyId,
    key: &str,
    request_hash: &str,
    now: DateTime<Utc>,
) -> StoreResult<IdempotencyClaim> {
    let inserted = diesel::insert_into(idempotency_keys::table)
        .values((
            idempotency_keys::agency_id.eq(agency.to_db()),
            idempotency_keys::idempotency_key.eq(key),
            idempotency_keys::request_hash.eq(request_hash),
            idempotency_keys::created_at.eq(to_millis(now)),
        ))
        .execute(conn);
    match inserted {
        Ok(_) => return Ok(IdempotencyClaim::New),
        Err(err) => match StoreError::from(err) {
            StoreError::Conflict { .. } => {}
            other => return Err(other),
        },
    }

    let (hash, status, body): (String, Option<i32>, Option<String>) = idempotency_keys::table
        .filter(idempotency_keys::agency_id.eq(agency.to_db()))
        .filter(idempotency_keys::idempotency_key.eq(key))
        .select((
            idempotency_keys::request_hash,
            idempotency_keys::response_status,
            idempotency_keys::response_body,
        ))
        .first(conn)
        .map_err(|e| StoreError::from_diesel("idempotency key", e))?;
    if hash != request_hash {
        return Ok(IdempotencyClaim::Mismatch);
    }
    match (status.and_then(|s| u16::try_from(s).ok()), body) {
        (Some(status), Some(body)) => Ok(IdempotencyClaim::Replay { status, body }),
        _ => Ok(IdempotencyClaim::InProgress),
    }
}

/// Records the answer to replay.
pub fn finish_idempotency(
    conn: &mut DbConnection,
    agency: AgencyId,
    key: &str,
    status: u16,
    body: &str,
) -> StoreResult<()> {
    diesel::update(
        idempotency_keys::table
            .filter(idempotency_keys::agency_id.eq(agency.to_db()))
            .filter(idempotency_keys::idempotency_key.eq(key)),
    )
    .set((
        idempotency_keys::response_status.eq(Some(i32::from(status))),
        idempotency_keys::response_body.eq(Some(body)),
    ))
    .execute(conn)?;
    Ok(())
}

/// Forgets a claim whose request failed unexpectedly, so the client may retry it.
pub fn release_idempotency(
    conn: &mut DbConnection,
    agency: AgencyId,
    key: &str,
) -> StoreResult<()> {
    diesel::delete(
        idempotency_keys::table
            .filter(idempotency_keys::agency_id.eq(agency.to_db()))
            .filter(idempotency_keys::idempotency_key.eq(key))
            .filter(idempotency_keys::response_status.is_null()),
    )
    .execute(conn)?;
    Ok(())
}
