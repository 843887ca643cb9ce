//! Connected accounts (Facebook Pages, IG accounts) as the REST API and Meta's inbound
//! webhooks read them.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::schema::accounts;
use super::{DbConnection, StoreError, StoreResult};
use crate::clock::from_millis;
use crate::domain::Network;
use crate::ids::{AccountId, TenantId};

/// An account, without its token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountRecord {
    pub id: AccountId,
    pub tenant_id: TenantId,
    pub network: Network,
    pub external_id: String,
    pub name: String,
    pub username: Option<String>,
    /// `active`, `reauth_required` or `disconnected`.
    pub status: String,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
}

type Row = (
    String,
    String,
    String,
    String,
    String,
    Option<String>,
    String,
    Option<String>,
    i64,
);

const COLUMNS: (
    accounts::id,
    accounts::tenant_id,
    accounts::network,
    accounts::external_id,
    accounts::name,
    accounts::username,
    accounts::status,
    accounts::last_error,
    accounts::created_at,
) = (
    accounts::id,
    accounts::tenant_id,
    accounts::network,
    accounts::external_id,
    accounts::name,
    accounts::username,
    accounts::status,
    accounts::last_error,
    accounts::created_at,
);

fn record(row: Row) -> StoreResult<AccountRecord> {
    Ok(AccountRecord {
        id: AccountId::from_db(&row.0).map_err(|e| StoreError::corrupt("accounts.id", e))?,
        tenant_id: TenantId::from_db(&row.1)
            .map_err(|e| StoreError::corrupt("accounts.tenant_id", e))?,
        network: row
            .2
            .parse()
            .map_err(|e| StoreError::corrupt("accounts.network", e))?,
        external_id: row.3,
        name: row.4,
        username: row.5,
        status: row.6,
        last_error: row.7,
        created_at: from_millis(row.8),
    })
}

/// The tenant's accounts, newest first.
pub fn list_tenant_accounts(
    conn: &mut DbConnection,
    tenant: TenantId,
    after: Option<&str>,
    limit: i64,
) -> StoreResult<Vec<AccountRecord>> {
    let mut query = accounts::table
        .filter(accounts::tenant_id.eq(tenant.to_db()))
        .order(accounts::id.desc())
        .limit(limit)
        .select(COLUMNS)
        .into_boxed();
    if let Some(after) = after {
        query = query.filter(accounts::id.lt(after.to_owned()));
    }
    query.load::<Row>(conn)?.into_iter().map(record).collect()
}

/// One of the tenant's accounts.
pub fn get_tenant_account(
    conn: &mut DbConnection,
    tenant: TenantId,
    account: AccountId,
) -> StoreResult<AccountRecord> {
    let row: Row = accounts::table
        .filter(accounts::id.eq(account.to_db()))
        .filter(accounts::tenant_id.eq(tenant.to_db()))
        .select(COLUMNS)
        .first(conn)
        .map_err(|e| StoreError::from_diesel("account", e))?;
    record(row)
}

/// Every account (of any tenant) with this Page or IG id: Meta's webhooks name accounts
/// only by their id at Meta.
pub fn accounts_by_external_id(
    conn: &mut DbConnection,
    external_id: &str,
) -> StoreResult<Vec<AccountRecord>> {
    let rows: Vec<Row> = accounts::table
        .filter(accounts::external_id.eq(external_id))
        .select(COLUMNS)
        .load(conn)?;
    rows.into_iter().map(record).collect()
}
