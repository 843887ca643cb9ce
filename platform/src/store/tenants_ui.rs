//! Tenants as the dashboard shows them: renaming, archiving, and the at-a-glance summary
//! of every tenant of an agency (accounts that need the client, posts waiting, published
//! and failed lately, the next post due), read in a handful of grouped queries however
//! many tenants there are.

use std::collections::HashMap;

use diesel::dsl::{count_star, min};
use diesel::prelude::*;

use super::schema::{accounts, connect_links, posts, tenants};
use super::{DbConnection, StoreError, StoreResult};
use crate::ids::{AgencyId, TenantId};

/// One tenant's line on the tenant list.
#[derive(Debug, Clone, Default)]
pub struct TenantSummary {
    pub id: String,
    pub name: String,
    pub accounts_active: i64,
    /// Accounts whose client must reconnect.
    pub accounts_need_client: i64,
    /// Posts scheduled or under way.
    pub waiting: i64,
    pub published_recently: i64,
    pub failed_recently: i64,
    /// Posts whose outcome is unknown: a person must look.
    pub unconfirmed: i64,
    /// The earliest scheduled post, unix ms.
    pub next_due_at: Option<i64>,
}

const WAITING: &[&str] = &[
    "scheduled",
    "queued",
    "preparing",
    "processing",
    "publishing",
];

/// Renames one of `agency`'s tenants.
pub fn rename_tenant(
    conn: &mut DbConnection,
    agency: AgencyId,
    tenant: TenantId,
    name: &str,
) -> StoreResult<()> {
    let changed = diesel::update(
        tenants::table
            .filter(tenants::id.eq(tenant.to_db()))
            .filter(tenants::agency_id.eq(agency.to_db()))
            .filter(tenants::archived_at.is_null()),
    )
    .set(tenants::name.eq(name))
    .execute(conn)?;
    if changed == 0 {
        return Err(StoreError::not_found("tenant"));
    }
    Ok(())
}

/// Archives one of `agency`'s tenants: it leaves every list and page. The caller cancels
/// its waiting posts first.
pub fn archive_tenant(
    conn: &mut DbConnection,
    agency: AgencyId,
    tenant: TenantId,
    now_ms: i64,
) -> StoreResult<()> {
    let changed = diesel::update(
        tenants::table
            .filter(tenants::id.eq(tenant.to_db()))
            .filter(tenants::agency_id.eq(agency.to_db()))
            .filter(tenants::archived_at.is_null()),
    )
    .set(tenants::archived_at.eq(Some(now_ms)))
    .execute(conn)?;
    if changed == 0 {
        return Err(StoreError::not_found("tenant"));
    }
    Ok(())
}

/// Every live tenant of `agency` with its summary, by name. "Recently" is since
/// `recent_since_ms`.
pub fn tenant_summaries(
    conn: &mut DbConnection,
    agency: AgencyId,
    recent_since_ms: i64,
) -> StoreResult<Vec<TenantSummary>> {
    let agency_db = agency.to_db();
    let agency_tenants = || {
        tenants::table
            .filter(tenants::agency_id.eq(agency_db.clone()))
            .filter(tenants::archived_at.is_null())
            .select(tenants::id)
    };

    let rows: Vec<(String, String)> = tenants::table
        .filter(tenants::agency_id.eq(agency.to_db()))
        .filter(tenants::archived_at.is_null())
        .order((tenants::name.asc(), tenants::id.asc()))
        .select((tenants::id, tenants::name))
        .load(conn)?;
    let mut by_id: HashMap<String, TenantSummary> = rows
        .iter()
        .map(|(id, name)| {
            (
                id.clone(),
                TenantSummary {
                    id: id.clone(),
                    name: name.clone(),
                    ..Default::default()
                },
            )
        })
        .collect();

    let account_counts: Vec<(String, String, i64)> = accounts::table
        .filter(accounts::tenant_id.eq_any(agency_tenants()))
        .group_by((accounts::tenant_id, accounts::status))
        .select((accounts::tenant_id, accounts::status, count_star()))
        .load(conn)?;
    for (tenant, status, n) in account_counts {
        if let Some(summary) = by_id.get_mut(&tenant) {
            match status.as_str() {
                "active" => summary.accounts_active += n,
                "reauth_required" => summary.accounts_need_client += n,
                _ => {}
            }
        }
    }

    let waiting: Vec<(String, String, i64, Option<i64>)> = posts::table
        .filter(posts::tenant_id.eq_any(agency_tenants()))
        .filter(
            posts::state
                .eq_any(WAITING)
                .or(posts::state.eq("unconfirmed")),
        )
        .group_by((posts::tenant_id, posts::state))
        .select((
            posts::tenant_id,
            posts::state,
            count_star(),
            min(posts::publish_at),
        ))
        .load(conn)?;
    for (tenant, state, n, first) in waiting {
        if let Some(summary) = by_id.get_mut(&tenant) {
            if state == "unconfirmed" {
                summary.unconfirmed += n;
                continue;
            }
            summary.waiting += n;
            if state == "scheduled" {
                summary.next_due_at = first;
            }
        }
    }

    let recent: Vec<(String, String, i64)> = posts::table
        .filter(posts::tenant_id.eq_any(agency_tenants()))
        .filter(posts::state.eq_any(["published", "failed"]))
        .filter(posts::updated_at.ge(recent_since_ms))
        .group_by((posts::tenant_id, posts::state))
        .select((posts::tenant_id, posts::state, count_star()))
        .load(conn)?;
    for (tenant, state, n) in recent {
        if let Some(summary) = by_id.get_mut(&tenant) {
            if state == "published" {
                summary.published_recently += n;
            } else {
                summary.failed_recently += n;
            }
        }
    }

    Ok(rows
        .into_iter()
        .filter_map(|(id, _)| by_id.remove(&id))
        .collect())
}

/// A connect link as the tenant page lists it (never its token: only the hash is kept).
#[derive(Debug, Clone)]
pub struct ConnectLinkSummary {
    pub id: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub used_at: Option<i64>,
}

/// The tenant's most recent connect links.
pub fn recent_connect_links(
    conn: &mut DbConnection,
    tenant: TenantId,
    limit: i64,
) -> StoreResult<Vec<ConnectLinkSummary>> {
    let rows: Vec<(String, i64, i64, Option<i64>)> = connect_links::table
        .filter(connect_links::tenant_id.eq(tenant.to_db()))
        .order(connect_links::created_at.desc())
        .limit(limit)
        .select((
            connect_links::id,
            connect_links::created_at,
            connect_links::expires_at,
            connect_links::used_at,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, created_at, expires_at, used_at)| ConnectLinkSummary {
            id,
            created_at,
            expires_at,
            used_at,
        })
        .collect())
}
