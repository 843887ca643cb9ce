//! Meta connections: a client's Facebook Login or Instagram Login grant, holding the
//! long-lived user token (sealed by the vault), its expiry and granted scopes.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::convert::{at, id, json, ms, name, opt_at, require_text, stored_enum, to_json};
use super::schema::meta_connections as mc;
use super::tx::write_transaction;
use super::{DbConnection, StoreError, StoreResult};
use crate::ids::{ConnectionId, TenantId};
use crate::secret::Secret;
use crate::vault::{Binding, Keyring, SecretColumn};

stored_enum!(
    /// Which Meta login produced the grant (it decides the Graph host and token kind).
    LoginKind, "login kind" {
        Facebook => "facebook",
        Instagram => "instagram",
    }
);

stored_enum!(
    /// Whether a connection or account can be used.
    LinkStatus, "status" {
        Active => "active",
        ReauthRequired => "reauth_required",
        Disconnected => "disconnected",
    }
);

/// A connection without its token (see [`user_token`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetaConnection {
    pub id: ConnectionId,
    pub tenant_id: TenantId,
    pub login_kind: LoginKind,
    pub meta_user_id: String,
    pub expires_at: Option<DateTime<Utc>>,
    pub scopes: Vec<String>,
    pub status: LinkStatus,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A grant to record.
#[derive(Debug, Clone)]
pub struct NewConnection {
    pub login_kind: LoginKind,
    pub meta_user_id: String,
    pub user_token: Secret,
    pub expires_at: Option<DateTime<Utc>>,
    pub scopes: Vec<String>,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = mc)]
struct ConnectionRow {
    id: String,
    tenant_id: String,
    login_kind: String,
    meta_user_id: String,
    user_token: String,
    expires_at: Option<i64>,
    scopes: String,
    status: String,
    created_at: i64,
    updated_at: i64,
}

impl TryFrom<ConnectionRow> for MetaConnection {
    type Error = StoreError;

    fn try_from(row: ConnectionRow) -> StoreResult<Self> {
        Ok(MetaConnection {
            id: id("meta_connections.id", &row.id, ConnectionId::from_db)?,
            tenant_id: id(
                "meta_connections.tenant_id",
                &row.tenant_id,
                TenantId::from_db,
            )?,
            login_kind: name("meta_connections.login_kind", &row.login_kind)?,
            meta_user_id: row.meta_user_id,
            expires_at: opt_at(row.expires_at),
            scopes: json("meta_connections.scopes", &row.scopes)?,
            status: name("meta_connections.status", &row.status)?,
            created_at: at(row.created_at),
            updated_at: at(row.updated_at),
        })
    }
}

fn binding(tenant: TenantId, connection: ConnectionId) -> Binding {
    Binding::new(SecretColumn::UserToken, tenant.to_db(), connection.to_db())
}

/// Records a grant: a new connection, or (same tenant, login kind and Meta user) the
/// existing one with the new token, expiry and scopes, active again.
pub fn upsert(
    conn: &mut DbConnection,
    keyring: &Keyring,
    tenant: TenantId,
    new: &NewConnection,
    now: DateTime<Utc>,
) -> StoreResult<MetaConnection> {
    require_text("meta_user_id", &new.meta_user_id, 64)?;
    if new.user_token.is_empty() {
        return Err(StoreError::invalid("user_token", "must not be empty"));
    }
    let scopes = to_json("scopes", &new.scopes)?;
    write_transaction(conn, |conn| {
        let existing: Option<String> = mc::table
            .filter(mc::tenant_id.eq(tenant.to_db()))
            .filter(mc::login_kind.eq(new.login_kind.as_str()))
            .filter(mc::meta_user_id.eq(&new.meta_user_id))
            .select(mc::id)
            .first(conn)
            .optional()?;
        let connection = match &existing {
            Some(existing) => id("meta_connections.id", existing, ConnectionId::from_db)?,
            None => ConnectionId::new(),
        };
        let sealed = keyring.seal(&binding(tenant, connection), &new.user_token);
        if existing.is_some() {
            diesel::update(mc::table.find(connection.to_db()))
                .set((
                    mc::user_token.eq(&sealed),
                    mc::expires_at.eq(new.expires_at.map(ms)),
                    mc::scopes.eq(&scopes),
                    mc::status.eq(LinkStatus::Active.as_str()),
                    mc::updated_at.eq(ms(now)),
                ))
                .execute(conn)?;
        } else {
            let row = ConnectionRow {
                id: connection.to_db(),
                tenant_id: tenant.to_db(),
                login_kind: new.login_kind.as_str().to_owned(),
                meta_user_id: new.meta_user_id.clone(),
                user_token: sealed,
                expires_at: new.expires_at.map(ms),
                scopes: scopes.clone(),
                status: LinkStatus::Active.as_str().to_owned(),
                created_at: ms(now),
                updated_at: ms(now),
            };
            diesel::insert_into(mc::table).values(&row).execute(conn)?;
        }
        get(conn, tenant, connection)
    })
}

pub fn get(
    conn: &mut DbConnection,
    tenant: TenantId,
    connection: ConnectionId,
) -> StoreResult<MetaConnection> {
    mc::table
        .filter(mc::id.eq(connection.to_db()))
        .filter(mc::tenant_id.eq(tenant.to_db()))
        .select(ConnectionRow::as_select())
        .first(conn)
        .map_err(|e| StoreError::from_diesel("connection", e))?
        .try_into()
}

pub fn list(conn: &mut DbConnection, tenant: TenantId) -> StoreResult<Vec<MetaConnection>> {
    mc::table
        .filter(mc::tenant_id.eq(tenant.to_db()))
        .order(mc::id.asc())
        .select(ConnectionRow::as_select())
        .load(conn)?
        .into_iter()
        .map(MetaConnection::try_from)
        .collect()
}

/// The clear user token, for a Graph call.
pub fn user_token(
    conn: &mut DbConnection,
    keyring: &Keyring,
    tenant: TenantId,
    connection: ConnectionId,
) -> StoreResult<Secret> {
    let sealed: String = mc::table
        .filter(mc::id.eq(connection.to_db()))
        .filter(mc::tenant_id.eq(tenant.to_db()))
        .select(mc::user_token)
        .first(conn)
        .map_err(|e| StoreError::from_diesel("connection", e))?;
    Ok(keyring.open(&binding(tenant, connection), &sealed)?)
}

/// Stores a refreshed token and its new expiry.
pub fn update_token(
    conn: &mut DbConnection,
    keyring: &Keyring,
    tenant: TenantId,
    connection: ConnectionId,
    token: &Secret,
    expires_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    let sealed = keyring.seal(&binding(tenant, connection), token);
    let changed = diesel::update(
        mc::table
            .filter(mc::id.eq(connection.to_db()))
            .filter(mc::tenant_id.eq(tenant.to_db())),
    )
    .set((
        mc::user_token.eq(sealed),
        mc::expires_at.eq(expires_at.map(ms)),
        mc::updated_at.eq(ms(now)),
    ))
    .execute(conn)?;
    if changed == 0 {
        return Err(StoreError::not_found("connection"));
    }
    Ok(())
}

pub fn set_status(
    conn: &mut DbConnection,
    tenant: TenantId,
    connection: ConnectionId,
    status: LinkStatus,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    let changed = diesel::update(
        mc::table
            .filter(mc::id.eq(connection.to_db()))
            .filter(mc::tenant_id.eq(tenant.to_db())),
    )
    .set((mc::status.eq(status.as_str()), mc::updated_at.eq(ms(now))))
    .execute(conn)?;
    if changed == 0 {
        return Err(StoreError::not_found("connection"));
    }
    Ok(())
}
