//! API keys: stored as a SHA-256 hash (keys are long random strings, so a fast hash is
//! enough), found by their visible prefix, limited optionally to one tenant.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::schema::api_keys;
use super::{DbConnection, StoreError, StoreResult};
use crate::clock::{from_millis, to_millis};
use crate::ids::{AgencyId, ApiKeyId, TenantId};

/// A stored key (never the key itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKeyRecord {
    pub id: ApiKeyId,
    pub agency_id: AgencyId,
    pub tenant_id: Option<TenantId>,
    pub prefix: String,
    /// Hex SHA-256 of the whole key.
    pub hash: String,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

type Row = (
    String,
    String,
    Option<String>,
    String,
    String,
    String,
    i64,
    Option<i64>,
    Option<i64>,
);

const COLUMNS: (
    api_keys::id,
    api_keys::agency_id,
    api_keys::tenant_id,
    api_keys::prefix,
    api_keys::hash,
    api_keys::name,
    api_keys::created_at,
    api_keys::last_used_at,
    api_keys::revoked_at,
) = (
    api_keys::id,
    api_keys::agency_id,
    api_keys::tenant_id,
    api_keys::prefix,
    api_keys::hash,
    api_keys::name,
    api_keys::created_at,
    api_keys::last_used_at,
    api_keys::revoked_at,
);

fn record(row: Row) -> StoreResult<ApiKeyRecord> {
    let corrupt = |c: &'static str| move |e| StoreError::corrupt(c, e);
    Ok(ApiKeyRecord {
        id: ApiKeyId::from_db(&row.0).map_err(corrupt("api_keys.id"))?,
        agency_id: AgencyId::from_db(&row.1).map_err(corrupt("api_keys.agency_id"))?,
        tenant_id: row
            .2
            .as_deref()
            .map(TenantId::from_db)
            .transpose()
            .map_err(corrupt("api_keys.tenant_id"))?,
        prefix: row.3,
        hash: row.4,
        name: row.5,
        created_at: from_millis(row.6),
        last_used_at: row.7.map(from_millis),
        revoked_at: row.8.map(from_millis),
    })
}

/// Stores a new key's prefix and hash.
pub fn insert_api_key(conn: &mut DbConnection, key: &ApiKeyRecord) -> StoreResult<()> {
    diesel::insert_into(api_keys::table)
        .values((
            api_keys::id.eq(key.id.to_db()),
            api_keys::agency_id.eq(key.agency_id.to_db()),
            api_keys::tenant_id.eq(key.tenant_id.map(|t| t.to_db())),
            api_keys::prefix.eq(&key.prefix),
            api_keys::hash.eq(&key.hash),
            api_keys::name.eq(&key.name),
            api_keys::created_at.eq(to_millis(key.created_at)),
        ))
        .execute(conn)?;
    Ok(())
}

/// The key with this visible prefix, revoked or not.
pub fn find_api_key_by_prefix(
    conn: &mut DbConnection,
    prefix: &str,
) -> StoreResult<Option<ApiKeyRecord>> {
    let row: Option<Row> = api_keys::table
        .filter(api_keys::prefix.eq(prefix))
        .select(COLUMNS)
        .first(conn)
        .optional()?;
    row.map(record).transpose()
}

/// Records a use, at most once a minute per key (so reads do not all become writes).
pub fn touch_api_key(
    conn: &mut DbConnection,
    key: ApiKeyId,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    let stale_before = to_millis(now) - 60_000;
    diesel::update(
        api_keys::table.filter(api_keys::id.eq(key.to_db())).filter(
            api_keys::last_used_at
                .is_null()
                .or(api_keys::last_used_at.lt(stale_before)),
        ),
    )
    .set(api_keys::last_used_at.eq(Some(to_millis(now))))
    .execute(conn)?;
    Ok(())
}

/// `agency`'s keys, newest first.
pub fn list_api_keys(conn: &mut DbConnection, agency: AgencyId) -> StoreResult<Vec<ApiKeyRecord>> {
    let rows: Vec<Row> = api_keys::table
        .filter(api_keys::agency_id.eq(agency.to_db()))
        .order(api_keys::id.desc())
        .select(COLUMNS)
        .load(conn)?;
    rows.into_iter().map(record).collect()
}

/// Revokes one of `agency`'s keys. Revoking twice is harmless.
pub fn revoke_api_key(
    conn: &mut DbConnection,
    agency: AgencyId,
    key: ApiKeyId,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    let found = diesel::update(
        api_keys::table
            .filter(api_keys::id.eq(key.to_db()))
            .filter(api_keys::agency_id.eq(agency.to_db())),
    )
    .set(api_keys::revoked_at.eq(Some(to_millis(now))))
    .execute(conn)?;
    if found == 0 {
        return Err(StoreError::not_found("API key"));
    }
    Ok(())
}
