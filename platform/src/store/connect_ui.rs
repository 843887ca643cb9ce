//! The connect flow's records: login `state`s (single-use, expiring, with the sealed PKCE
//! verifier), Meta connections and the accounts they grant, and the names the client's
//! pages show. Sealing is the caller's: functions that write a secret take the envelope
//! or a closure that seals for the row id.

use diesel::prelude::*;

use super::schema::{accounts, agencies, connect_links, meta_connections, oauth_states, tenants};
use super::{DbConnection, StoreError, StoreResult};
use crate::ids::{AccountId, ConnectLinkId, ConnectionId, TenantId};

/// A `state` taken for a callback.
#[derive(Debug, Clone)]
pub struct TakenState {
    pub tenant: TenantId,
    pub connect_link: Option<ConnectLinkId>,
    /// `facebook` or `instagram`.
    pub login_kind: String,
    /// The sealed PKCE verifier (row = the state hash, scope = the tenant).
    pub sealed_verifier: String,
}

/// Why a `state` could not be taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StateProblem {
    Unknown,
    AlreadyUsed,
    Expired,
}

/// `(tenant, link, login kind, sealed verifier, expires_at, used_at)`.
type StateRow = (String, Option<String>, String, String, i64, Option<i64>);

/// Records a new login `state`.
#[allow(clippy::too_many_arguments)]
pub fn insert_oauth_state(
    conn: &mut DbConnection,
    state_hash: &str,
    tenant: TenantId,
    connect_link: Option<ConnectLinkId>,
    login_kind: &str,
    sealed_verifier: &str,
    now_ms: i64,
    expires_at_ms: i64,
) -> StoreResult<()> {
    diesel::insert_into(oauth_states::table)
        .values((
            oauth_states::state_hash.eq(state_hash),
            oauth_states::tenant_id.eq(tenant.to_db()),
            oauth_states::connect_link_id.eq(connect_link.map(|id| id.to_db())),
            oauth_states::login_kind.eq(login_kind),
            oauth_states::pkce_verifier.eq(sealed_verifier),
            oauth_states::created_at.eq(now_ms),
            oauth_states::expires_at.eq(expires_at_ms),
        ))
        .execute(conn)?;
    Ok(())
}

/// Takes a `state` once: the first caller gets it, every later one `AlreadyUsed`.
pub fn take_oauth_state(
    conn: &mut DbConnection,
    state_hash: &str,
    now_ms: i64,
) -> StoreResult<Result<TakenState, StateProblem>> {
    let taken = diesel::update(
        oauth_states::table
            .filter(oauth_states::state_hash.eq(state_hash))
            .filter(oauth_states::used_at.is_null())
            .filter(oauth_states::expires_at.gt(now_ms)),
    )
    .set(oauth_states::used_at.eq(Some(now_ms)))
    .execute(conn)?;

    let row: Option<StateRow> = oauth_states::table
        .filter(oauth_states::state_hash.eq(state_hash))
        .select((
            oauth_states::tenant_id,
            oauth_states::connect_link_id,
            oauth_states::login_kind,
            oauth_states::pkce_verifier,
            oauth_states::expires_at,
            oauth_states::used_at,
        ))
        .first(conn)
        .optional()?;
    let Some((tenant, link, login_kind, sealed_verifier, expires_at, used_at)) = row else {
        return Ok(Err(StateProblem::Unknown));
    };
    if taken == 0 {
        return Ok(Err(match used_at {
            Some(_) => StateProblem::AlreadyUsed,
            None if expires_at <= now_ms => StateProblem::Expired,
            None => StateProblem::AlreadyUsed,
        }));
    }
    Ok(Ok(TakenState {
        tenant: TenantId::from_db(&tenant)
            .map_err(|e| StoreError::corrupt("oauth_states.tenant_id", e))?,
        connect_link: link
            .map(|l| ConnectLinkId::from_db(&l))
            .transpose()
            .map_err(|e| StoreError::corrupt("oauth_states.connect_link_id", e))?,
        login_kind,
        sealed_verifier,
    }))
}

/// The agency's and the tenant's names, for the client's pages. Archived tenants are
/// not found.
pub fn names_for_tenant(
    conn: &mut DbConnection,
    tenant: TenantId,
) -> StoreResult<(String, String)> {
    tenants::table
        .inner_join(agencies::table.on(agencies::id.eq(tenants::agency_id)))
        .filter(tenants::id.eq(tenant.to_db()))
        .filter(tenants::archived_at.is_null())
        .select((agencies::name, tenants::name))
        .first(conn)
        .map_err(|e| StoreError::from_diesel("tenant", e))
}

/// Marks a connect link used (its first successful connection); later uses keep the
/// first time.
pub fn mark_link_used(
    conn: &mut DbConnection,
    link: ConnectLinkId,
    now_ms: i64,
) -> StoreResult<()> {
    diesel::update(
        connect_links::table
            .filter(connect_links::id.eq(link.to_db()))
            .filter(connect_links::used_at.is_null()),
    )
    .set(connect_links::used_at.eq(Some(now_ms)))
    .execute(conn)?;
    Ok(())
}

/// What a login granted, to record as a connection.
#[derive(Debug, Clone)]
pub struct NewConnection<'a> {
    pub tenant: TenantId,
    pub login_kind: &'a str,
    pub meta_user_id: &'a str,
    pub expires_at_ms: Option<i64>,
    /// Space-separated granted scopes.
    pub scopes: &'a str,
}

/// Records a connection, or refreshes the tenant's existing one for the same Meta user,
/// sealing the user token for the row's id. Returns the id.
pub fn upsert_connection(
    conn: &mut DbConnection,
    new: &NewConnection<'_>,
    seal_token: impl FnOnce(ConnectionId) -> String,
    now_ms: i64,
) -> StoreResult<ConnectionId> {
    let existing: Option<String> = meta_connections::table
        .filter(meta_connections::tenant_id.eq(new.tenant.to_db()))
        .filter(meta_connections::login_kind.eq(new.login_kind))
        .filter(meta_connections::meta_user_id.eq(new.meta_user_id))
        .select(meta_connections::id)
        .first(conn)
        .optional()?;
    match existing {
        Some(id) => {
            let id = ConnectionId::from_db(&id)
                .map_err(|e| StoreError::corrupt("meta_connections.id", e))?;
            diesel::update(meta_connections::table.filter(meta_connections::id.eq(id.to_db())))
                .set((
                    meta_connections::user_token.eq(seal_token(id)),
                    meta_connections::expires_at.eq(new.expires_at_ms),
                    meta_connections::scopes.eq(new.scopes),
                    meta_connections::status.eq("active"),
                    meta_connections::updated_at.eq(now_ms),
                ))
                .execute(conn)?;
            Ok(id)
        }
        None => {
            let id = ConnectionId::new();
            diesel::insert_into(meta_connections::table)
                .values((
                    meta_connections::id.eq(id.to_db()),
                    meta_connections::tenant_id.eq(new.tenant.to_db()),
                    meta_connections::login_kind.eq(new.login_kind),
                    meta_connections::meta_user_id.eq(new.meta_user_id),
                    meta_connections::user_token.eq(seal_token(id)),
                    meta_connections::expires_at.eq(new.expires_at_ms),
                    meta_connections::scopes.eq(new.scopes),
                    meta_connections::status.eq("active"),
                    meta_connections::created_at.eq(now_ms),
                    meta_connections::updated_at.eq(now_ms),
                ))
                .execute(conn)?;
            Ok(id)
        }
    }
}

/// An account a login granted.
#[derive(Debug, Clone)]
pub struct NewAccount<'a> {
    pub tenant: TenantId,
    pub connection: ConnectionId,
    /// `facebook` or `instagram`.
    pub network: &'a str,
    pub external_id: &'a str,
    pub name: &'a str,
    pub username: Option<&'a str>,
    /// An IG account's Facebook Page.
    pub linked_page_id: Option<&'a str>,
}

/// Records an account, or reactivates and refreshes the tenant's existing one, sealing
/// its token (when it has one) for the row's id. Returns the id.
pub fn upsert_account(
    conn: &mut DbConnection,
    new: &NewAccount<'_>,
    seal_token: impl FnOnce(AccountId) -> Option<String>,
    now_ms: i64,
) -> StoreResult<AccountId> {
    let existing: Option<String> = accounts::table
        .filter(accounts::tenant_id.eq(new.tenant.to_db()))
        .filter(accounts::network.eq(new.network))
        .filter(accounts::external_id.eq(new.external_id))
        .select(accounts::id)
        .first(conn)
        .optional()?;
    let (id, exists) = match existing {
        Some(id) => (
            AccountId::from_db(&id).map_err(|e| StoreError::corrupt("accounts.id", e))?,
            true,
        ),
        None => (AccountId::new(), false),
    };
    let token = seal_token(id);
    if exists {
        diesel::update(accounts::table.filter(accounts::id.eq(id.to_db())))
            .set((
                accounts::connection_id.eq(new.connection.to_db()),
                accounts::name.eq(new.name),
                accounts::username.eq(new.username),
                accounts::linked_page_id.eq(new.linked_page_id),
                accounts::page_token.eq(token),
                accounts::status.eq("active"),
                accounts::last_error.eq(None::<String>),
                accounts::updated_at.eq(now_ms),
            ))
            .execute(conn)?;
    } else {
        diesel::insert_into(accounts::table)
            .values((
                accounts::id.eq(id.to_db()),
                accounts::tenant_id.eq(new.tenant.to_db()),
                accounts::connection_id.eq(new.connection.to_db()),
                accounts::network.eq(new.network),
                accounts::external_id.eq(new.external_id),
                accounts::name.eq(new.name),
                accounts::username.eq(new.username),
                accounts::linked_page_id.eq(new.linked_page_id),
                accounts::page_token.eq(token),
                accounts::status.eq("active"),
                accounts::created_at.eq(now_ms),
                accounts::updated_at.eq(now_ms),
            ))
            .execute(conn)?;
    }
    Ok(id)
}

/// A connection as the accounts page lists it (never its token).
#[derive(Debug, Clone)]
pub struct ConnectionSummary {
    pub id: ConnectionId,
    pub login_kind: String,
    pub status: String,
    pub expires_at: Option<i64>,
    pub scopes: String,
    pub updated_at: i64,
}

/// The tenant's connections, newest first.
pub fn list_connections(
    conn: &mut DbConnection,
    tenant: TenantId,
) -> StoreResult<Vec<ConnectionSummary>> {
    let rows: Vec<(String, String, String, Option<i64>, String, i64)> = meta_connections::table
        .filter(meta_connections::tenant_id.eq(tenant.to_db()))
        .order(meta_connections::updated_at.desc())
        .select((
            meta_connections::id,
            meta_connections::login_kind,
            meta_connections::status,
            meta_connections::expires_at,
            meta_connections::scopes,
            meta_connections::updated_at,
        ))
        .load(conn)?;
    rows.into_iter()
        .map(|(id, login_kind, status, expires_at, scopes, updated_at)| {
            Ok(ConnectionSummary {
                id: ConnectionId::from_db(&id)
                    .map_err(|e| StoreError::corrupt("meta_connections.id", e))?,
                login_kind,
                status,
                expires_at,
                scopes,
                updated_at,
            })
        })
        .collect()
}

/// Disconnects one of the tenant's connections and its accounts, and forgets their
/// tokens.
pub fn disconnect(
    conn: &mut DbConnection,
    tenant: TenantId,
    connection: ConnectionId,
    now_ms: i64,
) -> StoreResult<()> {
    conn.transaction::<_, StoreError, _>(|conn| {
        let changed = diesel::update(
            meta_connections::table
                .filter(meta_connections::id.eq(connection.to_db()))
                .filter(meta_connections::tenant_id.eq(tenant.to_db())),
        )
        .set((
            meta_connections::status.eq("disconnected"),
            meta_connections::user_token.eq(""),
            meta_connections::updated_at.eq(now_ms),
        ))
        .execute(conn)?;
        if changed == 0 {
            return Err(StoreError::not_found("connection"));
        }
        diesel::update(
            accounts::table
                .filter(accounts::connection_id.eq(connection.to_db()))
                .filter(accounts::tenant_id.eq(tenant.to_db())),
        )
        .set((
            accounts::status.eq("disconnected"),
            accounts::page_token.eq(None::<String>),
            accounts::updated_at.eq(now_ms),
        ))
        .execute(conn)?;
        Ok(())
    })
}

/// An account with what the accounts page shows beyond the API's record.
#[derive(Debug, Clone)]
pub struct AccountDetail {
    pub id: AccountId,
    pub connection_id: String,
    pub network: String,
    pub external_id: String,
    pub name: String,
    pub username: Option<String>,
    pub linked_page_id: Option<String>,
    pub status: String,
    pub throttled_until: Option<i64>,
    pub last_error: Option<String>,
}

/// The tenant's accounts, by network and name.
pub fn account_details(
    conn: &mut DbConnection,
    tenant: TenantId,
) -> StoreResult<Vec<AccountDetail>> {
    type Row = (
        String,
        String,
        String,
        String,
        String,
        Option<String>,
        Option<String>,
        String,
        Option<i64>,
        Option<String>,
    );
    let rows: Vec<Row> = accounts::table
        .filter(accounts::tenant_id.eq(tenant.to_db()))
        .order((accounts::network.asc(), accounts::name.asc()))
        .select((
            accounts::id,
            accounts::connection_id,
            accounts::network,
            accounts::external_id,
            accounts::name,
            accounts::username,
            accounts::linked_page_id,
            accounts::status,
            accounts::throttled_until,
            accounts::last_error,
        ))
        .load(conn)?;
    rows.into_iter()
        .map(|r| {
            Ok(AccountDetail {
                id: AccountId::from_db(&r.0).map_err(|e| StoreError::corrupt("accounts.id", e))?,
                connection_id: r.1,
                network: r.2,
                external_id: r.3,
                name: r.4,
                username: r.5,
                linked_page_id: r.6,
                status: r.7,
                throttled_until: r.8,
                last_error: r.9,
            })
        })
        .collect()
}
