//! Idempotency keys of the REST API: the first request with a key claims it; a repeat
//! with the same request gets the stored response; a repeat with another request is a
//! conflict.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::convert::{ms, require_text};
use super::schema::idempotency_keys as k;
use super::{DbConnection, StoreError, StoreResult};
use crate::ids::AgencyId;

/// What claiming a key found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// First use: go ahead, then [`finish`].
    New,
    /// The same request finished before: answer this again.
    Replay { status: i32, body: String },
    /// The same request is still running elsewhere.
    InProgress,
    /// The key was used for a different request.
    Mismatch,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = k)]
struct KeyRow {
    agency_id: String,
    idempotency_key: String,
    request_hash: String,
    response_status: Option<i32>,
    response_body: Option<String>,
    created_at: i64,
}

pub fn claim(
    conn: &mut DbConnection,
    agency: AgencyId,
    key: &str,
    request_hash: &str,
    now: DateTime<Utc>,
) -> StoreResult<Claim> {
    require_text("Idempotency-Key", key, 255)?;
    let row = KeyRow {
        agency_id: agency.to_db(),
        idempotency_key: key.to_owned(),
        request_hash: request_hash.to_owned(),
        response_status: None,
        response_body: None,
        created_at: ms(now),
    };
    match diesel::insert_into(k::table).values(&row).execute(conn) {
        Ok(_) => return Ok(Claim::New),
        Err(err) => match StoreError::from(err) {
            StoreError::Conflict { .. } => {}
            other => return Err(other),
        },
    }
    let existing: KeyRow = k::table
        .find((agency.to_db(), key))
        .select(KeyRow::as_select())
        .first(conn)
        .map_err(|e| StoreError::from_diesel("idempotency key", e))?;
    Ok(
        match (
            existing.request_hash == request_hash,
            existing.response_status,
            existing.response_body,
        ) {
            (false, _, _) => Claim::Mismatch,
            (true, Some(status), Some(body)) => Claim::Replay { status, body },
            (true, _, _) => Claim::InProgress,
        },
    )
}

/// Stores the response of a claimed key.
pub fn finish(
    conn: &mut DbConnection,
    agency: AgencyId,
    key: &str,
    status: i32,
    body: &str,
) -> StoreResult<()> {
    diesel::update(k::table.find((agency.to_db(), key)))
        .set((
            k::response_status.eq(Some(status)),
            k::response_body.eq(Some(body)),
        ))
        .execute(conn)?;
    Ok(())
}

/// Frees a claimed key whose request failed before producing a response.
pub fn release(conn: &mut DbConnection, agency: AgencyId, key: &str) -> StoreResult<()> {
    diesel::delete(k::table.find((agency.to_db(), key))).execute(conn)?;
    Ok(())
}

/// Forgets keys created before `before`.
pub fn delete_older_than(conn: &mut DbConnection, before: DateTime<Utc>) -> StoreResult<usize> {
    Ok(diesel::delete(k::table.filter(k::created_at.lt(ms(before)))).execute(conn)?)
}
