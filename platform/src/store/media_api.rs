//! Media rows: one per tenant and content hash, with the probed facts as JSON.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::schema::media;
use super::{DbConnection, StoreError, StoreResult};
use crate::clock::{from_millis, to_millis};
use crate::domain::MediaFacts;
use crate::ids::{MediaId, TenantId};

/// A stored media file.
#[derive(Debug, Clone, PartialEq)]
pub struct MediaRecord {
    pub id: MediaId,
    pub tenant_id: TenantId,
    pub sha256: String,
    pub facts: MediaFacts,
    pub source_url: Option<String>,
    pub created_at: DateTime<Utc>,
}

type Row = (String, String, String, String, Option<String>, i64);

fn record(row: Row) -> StoreResult<MediaRecord> {
    Ok(MediaRecord {
        id: MediaId::from_db(&row.0).map_err(|e| StoreError::corrupt("media.id", e))?,
        tenant_id: TenantId::from_db(&row.1)
            .map_err(|e| StoreError::corrupt("media.tenant_id", e))?,
        sha256: row.2,
        facts: serde_json::from_str(&row.3).map_err(|e| StoreError::corrupt("media.facts", e))?,
        source_url: row.4,
        created_at: from_millis(row.5),
    })
}

const COLUMNS: (
    media::id,
    media::tenant_id,
    media::sha256,
    media::facts,
    media::source_url,
    media::created_at,
) = (
    media::id,
    media::tenant_id,
    media::sha256,
    media::facts,
    media::source_url,
    media::created_at,
);

/// Stores a media row, or returns the tenant's existing row for the same bytes.
pub fn insert_media(
    conn: &mut DbConnection,
    tenant: TenantId,
    sha256: &str,
    facts: &MediaFacts,
    source_url: Option<&str>,
    now: DateTime<Utc>,
) -> StoreResult<MediaRecord> {
    let existing: Option<Row> = media::table
        .filter(media::tenant_id.eq(tenant.to_db()))
        .filter(media::sha256.eq(sha256))
        .select(COLUMNS)
        .first(conn)
        .optional()?;
    if let Some(row) = existing {
        return record(row);
    }
    let id = MediaId::new();
    let facts_json =
        serde_json::to_string(facts).map_err(|e| StoreError::invalid("facts", e.to_string()))?;
    diesel::insert_into(media::table)
        .values((
            media::id.eq(id.to_db()),
            media::tenant_id.eq(tenant.to_db()),
            media::sha256.eq(sha256),
            media::facts.eq(facts_json),
            media::storage_path.eq(sha256),
            media::source_url.eq(source_url),
            media::created_at.eq(to_millis(now)),
        ))
        .execute(conn)?;
    Ok(MediaRecord {
        id,
        tenant_id: tenant,
        sha256: sha256.to_owned(),
        facts: facts.clone(),
        source_url: source_url.map(str::to_owned),
        created_at: now,
    })
}

/// One of the tenant's media files.
pub fn get_media(
    conn: &mut DbConnection,
    tenant: TenantId,
    id: MediaId,
) -> StoreResult<MediaRecord> {
    let row: Row = media::table
        .filter(media::id.eq(id.to_db()))
        .filter(media::tenant_id.eq(tenant.to_db()))
        .select(COLUMNS)
        .first(conn)
        .map_err(|e| StoreError::from_diesel("media", e))?;
    record(row)
}

/// A media file by id alone, for serving a signed URL (the signature is the permission).
pub fn get_media_unscoped(conn: &mut DbConnection, id: MediaId) -> StoreResult<MediaRecord> {
    let row: Row = media::table
        .filter(media::id.eq(id.to_db()))
        .select(COLUMNS)
        .first(conn)
        .map_err(|e| StoreError::from_diesel("media", e))?;
    record(row)
}
