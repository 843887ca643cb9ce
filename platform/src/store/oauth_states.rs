//! OAuth states of the connect flow: stored by the state's hash with the PKCE verifier
//! (sealed by the vault), used once, and only before they expire.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::connections::LoginKind;
use super::convert::{at, id, ms, name, opt_at, opt_id};
use super::schema::oauth_states as o;
use super::tx::write_transaction;
use super::{DbConnection, StoreError, StoreResult};
use crate::ids::{ConnectLinkId, TenantId};
use crate::secret::Secret;
use crate::vault::{Binding, Keyring, SecretColumn};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OauthState {
    pub state_hash: String,
    pub tenant_id: TenantId,
    pub connect_link_id: Option<ConnectLinkId>,
    pub login_kind: LoginKind,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub used_at: Option<DateTime<Utc>>,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = o)]
struct StateRow {
    state_hash: String,
    tenant_id: String,
    connect_link_id: Option<String>,
    login_kind: String,
    pkce_verifier: String,
    created_at: i64,
    expires_at: i64,
    used_at: Option<i64>,
}

impl StateRow {
    fn to_state(&self) -> StoreResult<OauthState> {
        Ok(OauthState {
            state_hash: self.state_hash.clone(),
            tenant_id: id("oauth_states.tenant_id", &self.tenant_id, TenantId::from_db)?,
            connect_link_id: opt_id(
                "oauth_states.connect_link_id",
                self.connect_link_id.as_deref(),
                ConnectLinkId::from_db,
            )?,
            login_kind: name("oauth_states.login_kind", &self.login_kind)?,
            created_at: at(self.created_at),
            expires_at: at(self.expires_at),
            used_at: opt_at(self.used_at),
        })
    }
}

fn binding(tenant: TenantId, state_hash: &str) -> Binding {
    Binding::new(SecretColumn::PkceVerifier, tenant.to_db(), state_hash)
}

/// Records a state before redirecting to Meta's dialog.
#[allow(clippy::too_many_arguments)]
pub fn create(
    conn: &mut DbConnection,
    keyring: &Keyring,
    tenant: TenantId,
    state_hash: &str,
    connect_link: Option<ConnectLinkId>,
    login_kind: LoginKind,
    pkce_verifier: &Secret,
    expires_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> StoreResult<OauthState> {
    let row = StateRow {
        state_hash: state_hash.to_owned(),
        tenant_id: tenant.to_db(),
        connect_link_id: connect_link.map(|c| c.to_db()),
        login_kind: login_kind.as_str().to_owned(),
        pkce_verifier: keyring.seal(&binding(tenant, state_hash), pkce_verifier),
        created_at: ms(now),
        expires_at: ms(expires_at),
        used_at: None,
    };
    diesel::insert_into(o::table).values(&row).execute(conn)?;
    row.to_state()
}

/// Uses a state once, on Meta's callback: returns it with its PKCE verifier. A missing
/// state is `NotFound`; a used one `Conflict`; an expired one `Invalid{field: "state"}`.
pub fn consume(
    conn: &mut DbConnection,
    keyring: &Keyring,
    state_hash: &str,
    now: DateTime<Utc>,
) -> StoreResult<(OauthState, Secret)> {
    write_transaction(conn, |conn| {
        let row: StateRow = o::table
            .find(state_hash)
            .select(StateRow::as_select())
            .first(conn)
            .map_err(|e| StoreError::from_diesel("OAuth state", e))?;
        let state = row.to_state()?;
        if state.used_at.is_some() {
            return Err(StoreError::conflict("this OAuth state was already used"));
        }
        if state.expires_at <= now {
            return Err(StoreError::invalid(
                "state",
                "has expired; start the connection again",
            ));
        }
        let changed = diesel::update(o::table.find(state_hash).filter(o::used_at.is_null()))
            .set(o::used_at.eq(Some(ms(now))))
            .execute(conn)?;
        if changed == 0 {
            return Err(StoreError::conflict("this OAuth state was already used"));
        }
        let verifier = keyring.open(&binding(state.tenant_id, state_hash), &row.pkce_verifier)?;
        Ok((state, verifier))
    })
}

/// Removes states that expired before `before`.
pub fn delete_expired(conn: &mut DbConnection, before: DateTime<Utc>) -> StoreResult<usize> {
    Ok(diesel::delete(o::table.filter(o::expires_at.lt(ms(before)))).execute(conn)?)
}
