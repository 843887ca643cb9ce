//! Agencies and tenants as the REST API and its services need them. Every read of a
//! tenant takes the agency: another agency's tenant is "not found".

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::schema::{agencies, tenants};
use super::{DbConnection, StoreError, StoreResult};
use crate::clock::{from_millis, to_millis};
use crate::ids::{AgencyId, TenantId};

/// A tenant (one of an agency's clients).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantRecord {
    pub id: TenantId,
    pub agency_id: AgencyId,
    pub name: String,
    pub created_at: DateTime<Utc>,
}

type Row = (String, String, String, i64);

fn record(row: Row) -> StoreResult<TenantRecord> {
    Ok(TenantRecord {
        id: TenantId::from_db(&row.0).map_err(|e| StoreError::corrupt("tenants.id", e))?,
        agency_id: AgencyId::from_db(&row.1)
            .map_err(|e| StoreError::corrupt("tenants.agency_id", e))?,
        name: row.2,
        created_at: from_millis(row.3),
    })
}

const COLUMNS: (
    tenants::id,
    tenants::agency_id,
    tenants::name,
    tenants::created_at,
) = (
    tenants::id,
    tenants::agency_id,
    tenants::name,
    tenants::created_at,
);

/// Creates an agency (sign-up, and tests).
pub fn insert_agency(
    conn: &mut DbConnection,
    name: &str,
    time_zone: &str,
    now: DateTime<Utc>,
) -> StoreResult<AgencyId> {
    let id = AgencyId::new();
    diesel::insert_into(agencies::table)
        .values((
            agencies::id.eq(id.to_db()),
            agencies::name.eq(name),
            agencies::time_zone.eq(time_zone),
            agencies::created_at.eq(to_millis(now)),
        ))
        .execute(conn)?;
    Ok(id)
}

/// Creates a tenant of `agency`.
pub fn insert_tenant(
    conn: &mut DbConnection,
    agency: AgencyId,
    name: &str,
    now: DateTime<Utc>,
) -> StoreResult<TenantRecord> {
    let id = TenantId::new();
    diesel::insert_into(tenants::table)
        .values((
            tenants::id.eq(id.to_db()),
            tenants::agency_id.eq(agency.to_db()),
            tenants::name.eq(name),
            tenants::created_at.eq(to_millis(now)),
        ))
        .execute(conn)?;
    Ok(TenantRecord {
        id,
        agency_id: agency,
        name: name.to_owned(),
        created_at: now,
    })
}

/// The tenant, if it is `agency`'s and not archived.
pub fn get_tenant(
    conn: &mut DbConnection,
    agency: AgencyId,
    tenant: TenantId,
) -> StoreResult<TenantRecord> {
    let row: Row = tenants::table
        .filter(tenants::id.eq(tenant.to_db()))
        .filter(tenants::agency_id.eq(agency.to_db()))
        .filter(tenants::archived_at.is_null())
        .select(COLUMNS)
        .first(conn)
        .map_err(|e| StoreError::from_diesel("tenant", e))?;
    record(row)
}

/// `agency`'s tenants, newest first, after the stored id `after`, at most `limit`.
pub fn list_tenants(
    conn: &mut DbConnection,
    agency: AgencyId,
    only: Option<TenantId>,
    after: Option<&str>,
    limit: i64,
) -> StoreResult<Vec<TenantRecord>> {
    let mut query = tenants::table
        .filter(tenants::agency_id.eq(agency.to_db()))
        .filter(tenants::archived_at.is_null())
        .select(COLUMNS)
        .order(tenants::id.desc())
        .limit(limit)
        .into_boxed();
    if let Some(after) = after {
        query = query.filter(tenants::id.lt(after.to_owned()));
    }
    if let Some(only) = only {
        query = query.filter(tenants::id.eq(only.to_db()));
    }
    query.load::<Row>(conn)?.into_iter().map(record).collect()
}

/// The agency a tenant belongs to (for events about a tenant found by something other
/// than an agency's request, such as Meta's webhooks).
pub fn agency_of_tenant(conn: &mut DbConnection, tenant: TenantId) -> StoreResult<AgencyId> {
    let agency: String = tenants::table
        .filter(tenants::id.eq(tenant.to_db()))
        .select(tenants::agency_id)
        .first(conn)
        .map_err(|e| StoreError::from_diesel("tenant", e))?;
    AgencyId::from_db(&agency).map_err(|e| StoreError::corrupt("tenants.agency_id", e))
}
