//! Idempotency keys: the first request with a key is recorded with a hash of its body;
//! a repeat with the same body gets the first answer again, a repeat with another body
//! is a conflict. Keys are scoped by agency. A claim left in progress by a server process
//! that died before answering is taken over by the next request with the same key, so a
//! crash never blocks a client's retry.

use chrono::{DateTime, Duration, Utc};
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

/// How long a claim in progress by another process is trusted on PostgreSQL, where
/// another live node may still be running it. On SQLite one process serves the file, so a
/// claim by any other process was left by one that died.
pub const CLAIM_TRUSTED_FOR: Duration = Duration::minutes(2);

/// Claims `key` for a request whose hash is `request_hash`, on behalf of the server
/// process `claimant` (an id unique to each process start).
pub fn claim_idempotency(
    conn: &mut DbConnection,
    agency: AgencyId,
    key: &str,
    request_hash: &str,
    claimant: &str,
    now: DateTime<Utc>,
) -> StoreResult<IdempotencyClaim> {
    let inserted = diesel::insert_into(idempotency_keys::table)
        .values((
            idempotency_keys::agency_id.eq(agency.to_db()),
            idempotency_keys::idempotency_key.eq(key),
            idempotency_keys::request_hash.eq(request_hash),
            idempotency_keys::created_at.eq(to_millis(now)),
            idempotency_keys::claimed_by.eq(Some(claimant)),
        ))
        .execute(conn);
    match inserted {
        Ok(_) => return Ok(IdempotencyClaim::New),
        Err(err) => match StoreError::from(err) {
            StoreError::Conflict { .. } => {}
            other => return Err(other),
        },
    }

    type Found = (String, Option<i32>, Option<String>, i64, Option<String>);
    let (hash, status, body, created_at, claimed_by): Found = idempotency_keys::table
        .filter(idempotency_keys::agency_id.eq(agency.to_db()))
        .filter(idempotency_keys::idempotency_key.eq(key))
        .select((
            idempotency_keys::request_hash,
            idempotency_keys::response_status,
            idempotency_keys::response_body,
            idempotency_keys::created_at,
            idempotency_keys::claimed_by,
        ))
        .first(conn)
        .map_err(|e| StoreError::from_diesel("idempotency key", e))?;
    if hash != request_hash {
        return Ok(IdempotencyClaim::Mismatch);
    }
    if let (Some(status), Some(body)) = (status.and_then(|s| u16::try_from(s).ok()), body) {
        return Ok(IdempotencyClaim::Replay { status, body });
    }
    let abandoned = claimed_by.as_deref() != Some(claimant)
        && (conn.is_sqlite() || created_at < to_millis(now - CLAIM_TRUSTED_FOR));
    if !abandoned {
        return Ok(IdempotencyClaim::InProgress);
    }
    // Take it over, unless another request just did (it would have moved `created_at`).
    let takeover = diesel::update(
        idempotency_keys::table
            .filter(idempotency_keys::agency_id.eq(agency.to_db()))
            .filter(idempotency_keys::idempotency_key.eq(key))
            .filter(idempotency_keys::response_status.is_null())
            .filter(idempotency_keys::created_at.eq(created_at)),
    )
    .set((
        idempotency_keys::claimed_by.eq(Some(claimant)),
        idempotency_keys::created_at.eq(to_millis(now).max(created_at + 1)),
    ));
    if takeover.execute(conn)? == 1 {
        Ok(IdempotencyClaim::New)
    } else {
        Ok(IdempotencyClaim::InProgress)
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
