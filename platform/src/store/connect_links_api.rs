//! Connect links: a tenant's single-purpose, expiring invitation to connect Meta
//! accounts. Only a hash of the link's token is stored.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::schema::connect_links;
use super::{DbConnection, StoreError, StoreResult};
use crate::clock::{from_millis, to_millis};
use crate::ids::{ConnectLinkId, TenantId};

/// A stored link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectLinkRecord {
    pub id: ConnectLinkId,
    pub tenant_id: TenantId,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub used_at: Option<DateTime<Utc>>,
}

pub fn insert_connect_link(
    conn: &mut DbConnection,
    link: &ConnectLinkRecord,
    token_hash: &str,
) -> StoreResult<()> {
    diesel::insert_into(connect_links::table)
        .values((
            connect_links::id.eq(link.id.to_db()),
            connect_links::tenant_id.eq(link.tenant_id.to_db()),
            connect_links::token_hash.eq(token_hash),
            connect_links::created_at.eq(to_millis(link.created_at)),
            connect_links::expires_at.eq(to_millis(link.expires_at)),
        ))
        .execute(conn)?;
    Ok(())
}

/// The link whose token hashes to `token_hash`, whatever its state.
pub fn find_connect_link(
    conn: &mut DbConnection,
    token_hash: &str,
) -> StoreResult<Option<ConnectLinkRecord>> {
    let row: Option<(String, String, i64, i64, Option<i64>)> = connect_links::table
        .filter(connect_links::token_hash.eq(token_hash))
        .select((
            connect_links::id,
            connect_links::tenant_id,
            connect_links::created_at,
            connect_links::expires_at,
            connect_links::used_at,
        ))
        .first(conn)
        .optional()?;
    row.map(|(id, tenant, created, expires, used)| {
        Ok(ConnectLinkRecord {
            id: ConnectLinkId::from_db(&id)
                .map_err(|e| StoreError::corrupt("connect_links.id", e))?,
            tenant_id: TenantId::from_db(&tenant)
                .map_err(|e| StoreError::corrupt("connect_links.tenant_id", e))?,
            created_at: from_millis(created),
            expires_at: from_millis(expires),
            used_at: used.map(from_millis),
        })
    })
    .transpose()
}
