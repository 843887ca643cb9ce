//! Connect links: what an agency sends a client so the client can connect Meta accounts.
//! Stored by the token's hash; the token is the capability, so lookup is by hash alone.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::convert::{at, id, ms, opt_at};
use super::schema::connect_links as c;
use super::{DbConnection, StoreError, StoreResult};
use crate::ids::{ConnectLinkId, TenantId};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectLink {
    pub id: ConnectLinkId,
    pub tenant_id: TenantId,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub used_at: Option<DateTime<Utc>>,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = c)]
struct LinkRow {
    id: String,
    tenant_id: String,
    token_hash: String,
    created_at: i64,
    expires_at: i64,
    used_at: Option<i64>,
}

impl TryFrom<LinkRow> for ConnectLink {
    type Error = StoreError;

    fn try_from(row: LinkRow) -> StoreResult<Self> {
        Ok(ConnectLink {
            id: id("connect_links.id", &row.id, ConnectLinkId::from_db)?,
            tenant_id: id("connect_links.tenant_id", &row.tenant_id, TenantId::from_db)?,
            created_at: at(row.created_at),
            expires_at: at(row.expires_at),
            used_at: opt_at(row.used_at),
        })
    }
}

pub fn create(
    conn: &mut DbConnection,
    tenant: TenantId,
    token_hash: &str,
    expires_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> StoreResult<ConnectLink> {
    let row = LinkRow {
        id: ConnectLinkId::new().to_db(),
        tenant_id: tenant.to_db(),
        token_hash: token_hash.to_owned(),
        created_at: ms(now),
        expires_at: ms(expires_at),
        used_at: None,
    };
    diesel::insert_into(c::table).values(&row).execute(conn)?;
    row.try_into()
}

/// The link whose token hashes to `token_hash`, if it is unexpired at `now`.
pub fn find_valid(
    conn: &mut DbConnection,
    token_hash: &str,
    now: DateTime<Utc>,
) -> StoreResult<Option<ConnectLink>> {
    c::table
        .filter(c::token_hash.eq(token_hash))
        .filter(c::expires_at.gt(ms(now)))
        .select(LinkRow::as_select())
        .first(conn)
        .optional()?
        .map(ConnectLink::try_from)
        .transpose()
}

pub fn mark_used(
    conn: &mut DbConnection,
    tenant: TenantId,
    link: ConnectLinkId,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    let changed = diesel::update(
        c::table
            .filter(c::id.eq(link.to_db()))
            .filter(c::tenant_id.eq(tenant.to_db())),
    )
    .set(c::used_at.eq(Some(ms(now))))
    .execute(conn)?;
    if changed == 0 {
        return Err(StoreError::not_found("connect link"));
    }
    Ok(())
}

pub fn list(conn: &mut DbConnection, tenant: TenantId) -> StoreResult<Vec<ConnectLink>> {
    c::table
        .filter(c::tenant_id.eq(tenant.to_db()))
        .order(c::id.desc())
        .select(LinkRow::as_select())
        .load(conn)?
        .into_iter()
        .map(ConnectLink::try_from)
        .collect()
}
