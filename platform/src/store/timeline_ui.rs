//! Posts as the dashboard's timelines and charts read them: across all of an agency's
//! tenants, per account in the last day (quota use), and per day (charts).

use std::collections::HashMap;

use diesel::dsl::count_star;
use diesel::prelude::*;

use super::schema::{accounts, posts, tenants};
use super::{DbConnection, StoreError, StoreResult};
use crate::clock::from_millis;
use crate::ids::{AccountId, AgencyId, PostId, TenantId};
use crate::store::posts_api::PostRecord;

type Row = (
    String,
    String,
    String,
    String,
    String,
    i64,
    String,
    i32,
    Option<String>,
    Option<String>,
    Option<String>,
    i64,
    i64,
    String,
    String,
);

/// A post with its tenant's and account's names, for the agency-wide timeline.
#[derive(Debug, Clone)]
pub struct AgencyPost {
    pub post: PostRecord,
    pub tenant_name: String,
    pub account_name: String,
}

fn agency_post(row: Row) -> StoreResult<AgencyPost> {
    let corrupt = |column: &'static str| move |e: crate::ids::BadId| StoreError::corrupt(column, e);
    Ok(AgencyPost {
        post: PostRecord {
            id: PostId::from_db(&row.0).map_err(corrupt("posts.id"))?,
            tenant_id: TenantId::from_db(&row.1).map_err(corrupt("posts.tenant_id"))?,
            account_id: AccountId::from_db(&row.2).map_err(corrupt("posts.account_id"))?,
            kind: row
                .3
                .parse()
                .map_err(|e| StoreError::corrupt("posts.kind", e))?,
            caption: row.4,
            spec: String::new(),
            publish_at: from_millis(row.5),
            state: row
                .6
                .parse()
                .map_err(|e| StoreError::corrupt("posts.state", e))?,
            attempts: row.7,
            external_id: row.8,
            permalink: row.9,
            last_error: row.10,
            created_at: from_millis(row.11),
            updated_at: from_millis(row.12),
        },
        tenant_name: row.13,
        account_name: row.14,
    })
}

/// The agency's posts across its live tenants, by `publish_at` newest first, optionally
/// in some states only.
pub fn agency_posts(
    conn: &mut DbConnection,
    agency: AgencyId,
    states: &[&str],
    limit: i64,
) -> StoreResult<Vec<AgencyPost>> {
    let mut query = posts::table
        .inner_join(tenants::table.on(tenants::id.eq(posts::tenant_id)))
        .inner_join(accounts::table.on(accounts::id.eq(posts::account_id)))
        .filter(tenants::agency_id.eq(agency.to_db()))
        .filter(tenants::archived_at.is_null())
        .order((posts::publish_at.desc(), posts::id.desc()))
        .limit(limit)
        .select((
            posts::id,
            posts::tenant_id,
            posts::account_id,
            posts::kind,
            posts::caption,
            posts::publish_at,
            posts::state,
            posts::attempts,
            posts::external_id,
            posts::permalink,
            posts::last_error,
            posts::created_at,
            posts::updated_at,
            tenants::name,
            accounts::name,
        ))
        .into_boxed();
    if !states.is_empty() {
        query = query.filter(posts::state.eq_any(states.to_vec()));
    }
    query
        .load::<Row>(conn)?
        .into_iter()
        .map(agency_post)
        .collect()
}

/// Posts published per account of the tenant since `since_ms` (quota use).
pub fn published_per_account(
    conn: &mut DbConnection,
    tenant: TenantId,
    since_ms: i64,
) -> StoreResult<HashMap<String, i64>> {
    let rows: Vec<(String, i64)> = posts::table
        .filter(posts::tenant_id.eq(tenant.to_db()))
        .filter(posts::state.eq("published"))
        .filter(posts::updated_at.ge(since_ms))
        .group_by(posts::account_id)
        .select((posts::account_id, count_star()))
        .load(conn)?;
    Ok(rows.into_iter().collect())
}

/// `(updated_at, state)` of the tenant's published and failed posts since `since_ms`,
/// for the charts to bucket by day in the agency's time zone.
pub fn outcomes_since(
    conn: &mut DbConnection,
    tenant: TenantId,
    since_ms: i64,
) -> StoreResult<Vec<(i64, String)>> {
    Ok(posts::table
        .filter(posts::tenant_id.eq(tenant.to_db()))
        .filter(posts::state.eq_any(["published", "failed"]))
        .filter(posts::updated_at.ge(since_ms))
        .select((posts::updated_at, posts::state))
        .load(conn)?)
}
