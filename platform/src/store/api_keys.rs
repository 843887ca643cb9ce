//! API keys: stored by a public prefix (for lookup) and a hash of the whole key, never the
//! key itself (keys are long random strings, so a fast hash is enough). A key belongs to an
//! agency and may be limited to one tenant.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::convert::{at, id, ms, opt_at, opt_id, require_text};
use super::schema::api_keys as k;
use super::{DbConnection, StoreError, StoreResult};
use crate::ids::{AgencyId, ApiKeyId, TenantId};

/// A key's stored facts. `hash` is what the caller compares (in constant time) against the
/// hash of the presented key.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey {
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

impl std::fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiKey")
            .field("id", &self.id)
            .field("prefix", &self.prefix)
            .field("name", &self.name)
            .field("tenant_id", &self.tenant_id)
            .field("revoked_at", &self.revoked_at)
            .finish_non_exhaustive()
    }
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = k)]
struct KeyRow {
    id: String,
    agency_id: String,
    tenant_id: Option<String>,
    prefix: String,
    hash: String,
    name: String,
    created_at: i64,
    last_used_at: Option<i64>,
    revoked_at: Option<i64>,
}

impl TryFrom<KeyRow> for ApiKey {
    type Error = StoreError;

    fn try_from(row: KeyRow) -> StoreResult<Self> {
        Ok(ApiKey {
            id: id("api_keys.id", &row.id, ApiKeyId::from_db)?,
            agency_id: id("api_keys.agency_id", &row.agency_id, AgencyId::from_db)?,
            tenant_id: opt_id(
                "api_keys.tenant_id",
                row.tenant_id.as_deref(),
                TenantId::from_db,
            )?,
            prefix: row.prefix,
            hash: row.hash,
            name: row.name,
            created_at: at(row.created_at),
            last_used_at: opt_at(row.last_used_at),
            revoked_at: opt_at(row.revoked_at),
        })
    }
}

pub fn create(
    conn: &mut DbConnection,
    agency: AgencyId,
    tenant: Option<TenantId>,
    prefix: &str,
    hash: &str,
    name: &str,
    now: DateTime<Utc>,
) -> StoreResult<ApiKey> {
    require_text("name", name, 200)?;
    require_text("prefix", prefix, 64)?;
    let row = KeyRow {
        id: ApiKeyId::new().to_db(),
        agency_id: agency.to_db(),
        tenant_id: tenant.map(|t| t.to_db()),
        prefix: prefix.to_owned(),
        hash: hash.to_owned(),
        name: name.trim().to_owned(),
        created_at: ms(now),
        last_used_at: None,
        revoked_at: None,
    };
    diesel::insert_into(k::table).values(&row).execute(conn)?;
    row.try_into()
}

/// The key with this visible prefix, revoked or not.
pub fn find_by_prefix(conn: &mut DbConnection, prefix: &str) -> StoreResult<Option<ApiKey>> {
    k::table
        .filter(k::prefix.eq(prefix))
        .select(KeyRow::as_select())
        .first(conn)
        .optional()?
        .map(ApiKey::try_from)
        .transpose()
}

/// Records a use, at most once a minute per key (so reads do not all become writes).
pub fn touch(conn: &mut DbConnection, key: ApiKeyId, now: DateTime<Utc>) -> StoreResult<()> {
    let stale_before = ms(now) - 60_000;
    diesel::update(
        k::table.filter(k::id.eq(key.to_db())).filter(
            k::last_used_at
                .is_null()
                .or(k::last_used_at.lt(stale_before)),
        ),
    )
    .set(k::last_used_at.eq(Some(ms(now))))
    .execute(conn)?;
    Ok(())
}

/// `agency`'s keys, newest first.
pub fn list(conn: &mut DbConnection, agency: AgencyId) -> StoreResult<Vec<ApiKey>> {
    k::table
        .filter(k::agency_id.eq(agency.to_db()))
        .order(k::id.desc())
        .select(KeyRow::as_select())
        .load(conn)?
        .into_iter()
        .map(ApiKey::try_from)
        .collect()
}

/// Revokes one of `agency`'s keys. Revoking twice is harmless.
pub fn revoke(
    conn: &mut DbConnection,
    agency: AgencyId,
    key: ApiKeyId,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    let changed = diesel::update(
        k::table
            .filter(k::id.eq(key.to_db()))
            .filter(k::agency_id.eq(agency.to_db())),
    )
    .set(k::revoked_at.eq(Some(ms(now))))
    .execute(conn)?;
    if changed == 0 {
        return Err(StoreError::not_found("API key"));
    }
    Ok(())
}
