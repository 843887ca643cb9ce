//! Media: content-addressed files (by SHA-256, per tenant) with the facts probed from
//! their bytes. Storing the same bytes twice gives back the first row.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::convert::{at, id, json, ms, require_text, to_json};
use super::schema::media as m;
use super::{DbConnection, StoreError, StoreResult};
use crate::domain::MediaFacts;
use crate::ids::{MediaId, TenantId};

#[derive(Debug, Clone, PartialEq)]
pub struct Media {
    pub id: MediaId,
    pub tenant_id: TenantId,
    /// Lowercase hex SHA-256 of the bytes.
    pub sha256: String,
    pub facts: MediaFacts,
    /// Where the bytes are, relative to the media folder.
    pub storage_path: String,
    /// The URL the bytes were fetched from, for media added by URL.
    pub source_url: Option<String>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewMedia {
    pub sha256: String,
    pub facts: MediaFacts,
    pub storage_path: String,
    pub source_url: Option<String>,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = m)]
struct MediaRow {
    id: String,
    tenant_id: String,
    sha256: String,
    facts: String,
    storage_path: String,
    source_url: Option<String>,
    created_at: i64,
}

impl TryFrom<MediaRow> for Media {
    type Error = StoreError;

    fn try_from(row: MediaRow) -> StoreResult<Self> {
        Ok(Media {
            id: id("media.id", &row.id, MediaId::from_db)?,
            tenant_id: id("media.tenant_id", &row.tenant_id, TenantId::from_db)?,
            sha256: row.sha256,
            facts: json("media.facts", &row.facts)?,
            storage_path: row.storage_path,
            source_url: row.source_url,
            created_at: at(row.created_at),
        })
    }
}

/// Stores a media row, or returns the tenant's existing row for the same bytes.
pub fn create_or_get(
    conn: &mut DbConnection,
    tenant: TenantId,
    new: &NewMedia,
    now: DateTime<Utc>,
) -> StoreResult<Media> {
    if new.sha256.len() != 64 || !new.sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(StoreError::invalid("sha256", "must be 64 hex digits"));
    }
    require_text("storage_path", &new.storage_path, 1000)?;
    let sha = new.sha256.to_ascii_lowercase();
    if let Some(existing) = find_by_sha256(conn, tenant, &sha)? {
        return Ok(existing);
    }
    let row = MediaRow {
        id: MediaId::new().to_db(),
        tenant_id: tenant.to_db(),
        sha256: sha.clone(),
        facts: to_json("facts", &new.facts)?,
        storage_path: new.storage_path.clone(),
        source_url: new.source_url.clone(),
        created_at: ms(now),
    };
    match diesel::insert_into(m::table).values(&row).execute(conn) {
        Ok(_) => row.try_into(),
        // Added by a concurrent upload of the same bytes.
        Err(e) => match StoreError::from(e) {
            StoreError::Conflict { .. } => find_by_sha256(conn, tenant, &sha)?
                .ok_or_else(|| StoreError::conflict("media was added and removed concurrently")),
            other => Err(other),
        },
    }
}

pub fn get(conn: &mut DbConnection, tenant: TenantId, media: MediaId) -> StoreResult<Media> {
    m::table
        .filter(m::id.eq(media.to_db()))
        .filter(m::tenant_id.eq(tenant.to_db()))
        .select(MediaRow::as_select())
        .first(conn)
        .map_err(|e| StoreError::from_diesel("media", e))?
        .try_into()
}

/// Several media of the tenant, in the order asked; any missing one is `NotFound`.
pub fn get_many(
    conn: &mut DbConnection,
    tenant: TenantId,
    ids: &[MediaId],
) -> StoreResult<Vec<Media>> {
    let keys: Vec<String> = ids.iter().map(|i| i.to_db()).collect();
    let found: Vec<Media> = m::table
        .filter(m::tenant_id.eq(tenant.to_db()))
        .filter(m::id.eq_any(&keys))
        .select(MediaRow::as_select())
        .load(conn)?
        .into_iter()
        .map(Media::try_from)
        .collect::<StoreResult<_>>()?;
    ids.iter()
        .map(|wanted| {
            found
                .iter()
                .find(|m| m.id == *wanted)
                .cloned()
                .ok_or(StoreError::not_found("media"))
        })
        .collect()
}

pub fn find_by_sha256(
    conn: &mut DbConnection,
    tenant: TenantId,
    sha256: &str,
) -> StoreResult<Option<Media>> {
    m::table
        .filter(m::tenant_id.eq(tenant.to_db()))
        .filter(m::sha256.eq(sha256.to_ascii_lowercase()))
        .select(MediaRow::as_select())
        .first(conn)
        .optional()?
        .map(Media::try_from)
        .transpose()
}

/// The tenant's media, newest first.
pub fn list(conn: &mut DbConnection, tenant: TenantId, limit: i64) -> StoreResult<Vec<Media>> {
    m::table
        .filter(m::tenant_id.eq(tenant.to_db()))
        .order(m::id.desc())
        .limit(limit.clamp(1, 500))
        .select(MediaRow::as_select())
        .load(conn)?
        .into_iter()
        .map(Media::try_from)
        .collect()
}
