//! Accounts: a Facebook Page or an Instagram professional account a client connected, with
//! its Page token (sealed by the vault) and whether it can publish now.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::connections::LinkStatus;
use super::convert::{at, id, ms, name, opt_at, require_text};
use super::schema::accounts as a;
use super::tx::write_transaction;
use super::{DbConnection, StoreError, StoreResult};
use crate::domain::Network;
use crate::ids::{AccountId, ConnectionId, TenantId};
use crate::secret::Secret;
use crate::vault::{Binding, Keyring, SecretColumn};

/// An account without its token (see [`page_token`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub id: AccountId,
    pub tenant_id: TenantId,
    pub connection_id: ConnectionId,
    pub network: Network,
    /// The Page id or IG user id at Meta.
    pub external_id: String,
    pub name: String,
    pub username: Option<String>,
    /// Instagram via Facebook Login: the Page the IG account is linked to.
    pub linked_page_id: Option<String>,
    pub has_page_token: bool,
    pub status: LinkStatus,
    pub throttled_until: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// An account found in a grant.
#[derive(Debug, Clone)]
pub struct NewAccount {
    pub connection_id: ConnectionId,
    pub network: Network,
    pub external_id: String,
    pub name: String,
    pub username: Option<String>,
    pub linked_page_id: Option<String>,
    pub page_token: Option<Secret>,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = a)]
struct AccountRow {
    id: String,
    tenant_id: String,
    connection_id: String,
    network: String,
    external_id: String,
    name: String,
    username: Option<String>,
    linked_page_id: Option<String>,
    page_token: Option<String>,
    status: String,
    throttled_until: Option<i64>,
    last_error: Option<String>,
    created_at: i64,
    updated_at: i64,
}

impl TryFrom<AccountRow> for Account {
    type Error = StoreError;

    fn try_from(row: AccountRow) -> StoreResult<Self> {
        Ok(Account {
            id: id("accounts.id", &row.id, AccountId::from_db)?,
            tenant_id: id("accounts.tenant_id", &row.tenant_id, TenantId::from_db)?,
            connection_id: id(
                "accounts.connection_id",
                &row.connection_id,
                ConnectionId::from_db,
            )?,
            network: name("accounts.network", &row.network)?,
            external_id: row.external_id,
            name: row.name,
            username: row.username,
            linked_page_id: row.linked_page_id,
            has_page_token: row.page_token.is_some(),
            status: name("accounts.status", &row.status)?,
            throttled_until: opt_at(row.throttled_until),
            last_error: row.last_error,
            created_at: at(row.created_at),
            updated_at: at(row.updated_at),
        })
    }
}

fn binding(tenant: TenantId, account: AccountId) -> Binding {
    Binding::new(SecretColumn::PageToken, tenant.to_db(), account.to_db())
}

fn scoped(tenant: TenantId, account: AccountId) -> a::BoxedQuery<'static, super::MultiBackend> {
    a::table
        .filter(a::id.eq(account.to_db()))
        .filter(a::tenant_id.eq(tenant.to_db()))
        .into_boxed()
}

/// Records an account from a grant: new, or (same tenant, network and external id) the
/// existing one refreshed, active again, with the new connection and token.
pub fn upsert(
    conn: &mut DbConnection,
    keyring: &Keyring,
    tenant: TenantId,
    new: &NewAccount,
    now: DateTime<Utc>,
) -> StoreResult<Account> {
    require_text("external_id", &new.external_id, 64)?;
    require_text("name", &new.name, 300)?;
    write_transaction(conn, |conn| {
        let existing: Option<String> = a::table
            .filter(a::tenant_id.eq(tenant.to_db()))
            .filter(a::network.eq(new.network.as_str()))
            .filter(a::external_id.eq(&new.external_id))
            .select(a::id)
            .first(conn)
            .optional()?;
        let account = match &existing {
            Some(v) => id("accounts.id", v, AccountId::from_db)?,
            None => AccountId::new(),
        };
        let sealed = new
            .page_token
            .as_ref()
            .map(|t| keyring.seal(&binding(tenant, account), t));
        if existing.is_some() {
            diesel::update(a::table.find(account.to_db()))
                .set((
                    a::connection_id.eq(new.connection_id.to_db()),
                    a::name.eq(&new.name),
                    a::username.eq(&new.username),
                    a::linked_page_id.eq(&new.linked_page_id),
                    a::page_token.eq(&sealed),
                    a::status.eq(LinkStatus::Active.as_str()),
                    a::last_error.eq(None::<String>),
                    a::updated_at.eq(ms(now)),
                ))
                .execute(conn)?;
        } else {
            let row = AccountRow {
                id: account.to_db(),
                tenant_id: tenant.to_db(),
                connection_id: new.connection_id.to_db(),
                network: new.network.as_str().to_owned(),
                external_id: new.external_id.clone(),
                name: new.name.clone(),
                username: new.username.clone(),
                linked_page_id: new.linked_page_id.clone(),
                page_token: sealed,
                status: LinkStatus::Active.as_str().to_owned(),
                throttled_until: None,
                last_error: None,
                created_at: ms(now),
                updated_at: ms(now),
            };
            diesel::insert_into(a::table).values(&row).execute(conn)?;
        }
        get(conn, tenant, account)
    })
}

pub fn get(conn: &mut DbConnection, tenant: TenantId, account: AccountId) -> StoreResult<Account> {
    scoped(tenant, account)
        .select(AccountRow::as_select())
        // get_result, not first: a bound LIMIT makes SQLite re-prepare the statement on every run.
        .get_result(conn)
        .map_err(|e| StoreError::from_diesel("account", e))?
        .try_into()
}

pub fn list(conn: &mut DbConnection, tenant: TenantId) -> StoreResult<Vec<Account>> {
    a::table
        .filter(a::tenant_id.eq(tenant.to_db()))
        .order(a::id.asc())
        .select(AccountRow::as_select())
        .load(conn)?
        .into_iter()
        .map(Account::try_from)
        .collect()
}

/// The clear Page token (`None` when the account has none, as IG Login accounts).
pub fn page_token(
    conn: &mut DbConnection,
    keyring: &Keyring,
    tenant: TenantId,
    account: AccountId,
) -> StoreResult<Option<Secret>> {
    let sealed: Option<String> = scoped(tenant, account)
        .select(a::page_token)
        // get_result, not first: a bound LIMIT makes SQLite re-prepare the statement on every run.
        .get_result(conn)
        .map_err(|e| StoreError::from_diesel("account", e))?;
    sealed
        .map(|s| keyring.open(&binding(tenant, account), &s))
        .transpose()
        .map_err(Into::into)
}

pub fn set_page_token(
    conn: &mut DbConnection,
    keyring: &Keyring,
    tenant: TenantId,
    account: AccountId,
    token: Option<&Secret>,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    let sealed = token.map(|t| keyring.seal(&binding(tenant, account), t));
    let changed = diesel::update(
        a::table
            .filter(a::id.eq(account.to_db()))
            .filter(a::tenant_id.eq(tenant.to_db())),
    )
    .set((a::page_token.eq(sealed), a::updated_at.eq(ms(now))))
    .execute(conn)?;
    if changed == 0 {
        return Err(StoreError::not_found("account"));
    }
    Ok(())
}

/// Sets the status and the last error shown to people (never a token).
pub fn set_status(
    conn: &mut DbConnection,
    tenant: TenantId,
    account: AccountId,
    status: LinkStatus,
    last_error: Option<&str>,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    let changed = diesel::update(
        a::table
            .filter(a::id.eq(account.to_db()))
            .filter(a::tenant_id.eq(tenant.to_db())),
    )
    .set((
        a::status.eq(status.as_str()),
        a::last_error.eq(last_error),
        a::updated_at.eq(ms(now)),
    ))
    .execute(conn)?;
    if changed == 0 {
        return Err(StoreError::not_found("account"));
    }
    Ok(())
}

/// Marks every account of a connection (after the grant was revoked or expired).
pub fn set_status_for_connection(
    conn: &mut DbConnection,
    tenant: TenantId,
    connection: ConnectionId,
    status: LinkStatus,
    now: DateTime<Utc>,
) -> StoreResult<usize> {
    Ok(diesel::update(
        a::table
            .filter(a::connection_id.eq(connection.to_db()))
            .filter(a::tenant_id.eq(tenant.to_db())),
    )
    .set((a::status.eq(status.as_str()), a::updated_at.eq(ms(now))))
    .execute(conn)?)
}

pub fn set_throttled_until(
    conn: &mut DbConnection,
    tenant: TenantId,
    account: AccountId,
    until: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    let changed = diesel::update(
        a::table
            .filter(a::id.eq(account.to_db()))
            .filter(a::tenant_id.eq(tenant.to_db())),
    )
    .set((
        a::throttled_until.eq(until.map(ms)),
        a::updated_at.eq(ms(now)),
    ))
    .execute(conn)?;
    if changed == 0 {
        return Err(StoreError::not_found("account"));
    }
    Ok(())
}
