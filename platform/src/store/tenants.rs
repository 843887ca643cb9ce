//! Tenants: an agency's clients. Every tenant call is scoped by the agency, so another
//! agency's tenant is `NotFound`.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::convert::{at, id, ms, opt_at, require_text};
use super::schema::tenants;
use super::{DbConnection, StoreError, StoreResult};
use crate::ids::{AgencyId, TenantId};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tenant {
    pub id: TenantId,
    pub agency_id: AgencyId,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub archived_at: Option<DateTime<Utc>>,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = tenants)]
struct TenantRow {
    id: String,
    agency_id: String,
    name: String,
    created_at: i64,
    archived_at: Option<i64>,
}

impl TryFrom<TenantRow> for Tenant {
    type Error = StoreError;

    fn try_from(row: TenantRow) -> StoreResult<Self> {
        Ok(Tenant {
            id: id("tenants.id", &row.id, TenantId::from_db)?,
            agency_id: id("tenants.agency_id", &row.agency_id, AgencyId::from_db)?,
            name: row.name,
            created_at: at(row.created_at),
            archived_at: opt_at(row.archived_at),
        })
    }
}

pub fn create(
    conn: &mut DbConnection,
    agency: AgencyId,
    name: &str,
    now: DateTime<Utc>,
) -> StoreResult<Tenant> {
    require_text("name", name, 200)?;
    let row = TenantRow {
        id: TenantId::new().to_db(),
        agency_id: agency.to_db(),
        name: name.trim().to_owned(),
        created_at: ms(now),
        archived_at: None,
    };
    diesel::insert_into(tenants::table)
        .values(&row)
        .execute(conn)?;
    row.try_into()
}

pub fn get(conn: &mut DbConnection, agency: AgencyId, tenant: TenantId) -> StoreResult<Tenant> {
    tenants::table
        .filter(tenants::id.eq(tenant.to_db()))
        .filter(tenants::agency_id.eq(agency.to_db()))
        .select(TenantRow::as_select())
        .first(conn)
        .map_err(|e| StoreError::from_diesel("tenant", e))?
        .try_into()
}

/// The agency a tenant belongs to (for outbox events and lease owners).
pub fn agency_of(conn: &mut DbConnection, tenant: TenantId) -> StoreResult<AgencyId> {
    let agency: String = tenants::table
        .find(tenant.to_db())
        .select(tenants::agency_id)
        // get_result, not first: a bound LIMIT makes SQLite re-prepare the statement on every run.
        .get_result(conn)
        .map_err(|e| StoreError::from_diesel("tenant", e))?;
    id("tenants.agency_id", &agency, AgencyId::from_db)
}

/// The agency's tenants, oldest first.
pub fn list(
    conn: &mut DbConnection,
    agency: AgencyId,
    include_archived: bool,
) -> StoreResult<Vec<Tenant>> {
    let mut query = tenants::table
        .filter(tenants::agency_id.eq(agency.to_db()))
        .select(TenantRow::as_select())
        .order(tenants::id.asc())
        .into_boxed();
    if !include_archived {
        query = query.filter(tenants::archived_at.is_null());
    }
    query
        .load(conn)?
        .into_iter()
        .map(Tenant::try_from)
        .collect()
}

/// Every tenant that is not archived, across agencies (for the scheduler's leases).
pub fn list_active_ids(conn: &mut DbConnection) -> StoreResult<Vec<TenantId>> {
    tenants::table
        .filter(tenants::archived_at.is_null())
        .select(tenants::id)
        .order(tenants::id.asc())
        .load::<String>(conn)?
        .iter()
        .map(|v| id("tenants.id", v, TenantId::from_db))
        .collect()
}

pub fn rename(
    conn: &mut DbConnection,
    agency: AgencyId,
    tenant: TenantId,
    name: &str,
) -> StoreResult<Tenant> {
    require_text("name", name, 200)?;
    let changed = diesel::update(
        tenants::table
            .filter(tenants::id.eq(tenant.to_db()))
            .filter(tenants::agency_id.eq(agency.to_db())),
    )
    .set(tenants::name.eq(name.trim()))
    .execute(conn)?;
    if changed == 0 {
        return Err(StoreError::not_found("tenant"));
    }
    get(conn, agency, tenant)
}

/// Archives a tenant (kept for its history; no longer scheduled).
pub fn archive(
    conn: &mut DbConnection,
    agency: AgencyId,
    tenant: TenantId,
    now: DateTime<Utc>,
) -> StoreResult<Tenant> {
    let changed = diesel::update(
        tenants::table
            .filter(tenants::id.eq(tenant.to_db()))
            .filter(tenants::agency_id.eq(agency.to_db())),
    )
    .set(tenants::archived_at.eq(Some(ms(now))))
    .execute(conn)?;
    if changed == 0 {
        return Err(StoreError::not_found("tenant"));
    }
    get(conn, agency, tenant)
}
