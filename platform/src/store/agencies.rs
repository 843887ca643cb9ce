//! Agencies: the customers who run Herald for their clients.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::convert::{at, id, ms, require_text};
use super::schema::agencies;
use super::{DbConnection, StoreError, StoreResult};
use crate::ids::AgencyId;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Agency {
    pub id: AgencyId,
    pub name: String,
    /// An IANA time zone name such as `Europe/Paris` (checked by the caller).
    pub time_zone: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = agencies)]
struct AgencyRow {
    id: String,
    name: String,
    time_zone: String,
    created_at: i64,
}

impl TryFrom<AgencyRow> for Agency {
    type Error = StoreError;

    fn try_from(row: AgencyRow) -> StoreResult<Self> {
        Ok(Agency {
            id: id("agencies.id", &row.id, AgencyId::from_db)?,
            name: row.name,
            time_zone: row.time_zone,
            created_at: at(row.created_at),
        })
    }
}

pub fn create(
    conn: &mut DbConnection,
    name: &str,
    time_zone: &str,
    now: DateTime<Utc>,
) -> StoreResult<Agency> {
    require_text("name", name, 200)?;
    require_text("time_zone", time_zone, 64)?;
    let row = AgencyRow {
        id: AgencyId::new().to_db(),
        name: name.trim().to_owned(),
        time_zone: time_zone.to_owned(),
        created_at: ms(now),
    };
    diesel::insert_into(agencies::table)
        .values(&row)
        .execute(conn)?;
    row.try_into()
}

pub fn get(conn: &mut DbConnection, agency: AgencyId) -> StoreResult<Agency> {
    agencies::table
        .find(agency.to_db())
        .select(AgencyRow::as_select())
        .first(conn)
        .map_err(|e| StoreError::from_diesel("agency", e))?
        .try_into()
}

pub fn update(
    conn: &mut DbConnection,
    agency: AgencyId,
    name: &str,
    time_zone: &str,
) -> StoreResult<Agency> {
    require_text("name", name, 200)?;
    require_text("time_zone", time_zone, 64)?;
    let changed = diesel::update(agencies::table.find(agency.to_db()))
        .set((
            agencies::name.eq(name.trim()),
            agencies::time_zone.eq(time_zone),
        ))
        .execute(conn)?;
    if changed == 0 {
        return Err(StoreError::not_found("agency"));
    }
    get(conn, agency)
}
