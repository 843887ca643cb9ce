//! Webhook endpoints: where a tenant's (or a whole agency's) events are delivered, with the
//! signing secret and, during a rotation, the previous one (both sealed by the vault).

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::convert::{at, id, json, ms, opt_at, opt_id, require_text, to_json};
use super::schema::webhook_endpoints as w;
use super::tx::write_transaction;
use super::{DbConnection, MultiBackend, StoreError, StoreResult};
use crate::ids::{AgencyId, TenantId, WebhookEndpointId};
use crate::secret::Secret;
use crate::vault::{Binding, Keyring, SecretColumn};

/// Whose endpoints a call sees: one tenant's, or the agency-wide ones (`tenant: None`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EndpointOwner {
    pub agency: AgencyId,
    pub tenant: Option<TenantId>,
}

/// An endpoint without its secrets (see [`signing_secrets`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookEndpoint {
    pub id: WebhookEndpointId,
    pub agency_id: AgencyId,
    pub tenant_id: Option<TenantId>,
    pub url: String,
    pub description: String,
    /// Event types delivered; `*` means all.
    pub event_types: Vec<String>,
    pub enabled: bool,
    pub disabled_reason: Option<String>,
    pub failing_since: Option<DateTime<Utc>>,
    pub previous_secret_expires_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct NewEndpoint {
    pub url: String,
    pub description: String,
    pub event_types: Vec<String>,
    /// The `whsec_…` signing secret.
    pub secret: Secret,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = w)]
struct EndpointRow {
    id: String,
    agency_id: String,
    tenant_id: Option<String>,
    url: String,
    description: String,
    secret: String,
    previous_secret: Option<String>,
    previous_secret_expires_at: Option<i64>,
    event_types: String,
    enabled: bool,
    disabled_reason: Option<String>,
    failing_since: Option<i64>,
    created_at: i64,
    updated_at: i64,
}

impl EndpointRow {
    fn to_endpoint(&self) -> StoreResult<WebhookEndpoint> {
        Ok(WebhookEndpoint {
            id: id("webhook_endpoints.id", &self.id, WebhookEndpointId::from_db)?,
            agency_id: id(
                "webhook_endpoints.agency_id",
                &self.agency_id,
                AgencyId::from_db,
            )?,
            tenant_id: opt_id(
                "webhook_endpoints.tenant_id",
                self.tenant_id.as_deref(),
                TenantId::from_db,
            )?,
            url: self.url.clone(),
            description: self.description.clone(),
            event_types: json("webhook_endpoints.event_types", &self.event_types)?,
            enabled: self.enabled,
            disabled_reason: self.disabled_reason.clone(),
            failing_since: opt_at(self.failing_since),
            previous_secret_expires_at: opt_at(self.previous_secret_expires_at),
            created_at: at(self.created_at),
            updated_at: at(self.updated_at),
        })
    }

    fn scope(&self) -> String {
        self.tenant_id
            .clone()
            .unwrap_or_else(|| self.agency_id.clone())
    }
}

/// The vault binding of an endpoint's secret: scoped by its tenant, or its agency.
pub fn binding(column: SecretColumn, owner: EndpointOwner, endpoint: WebhookEndpointId) -> Binding {
    let scope = owner
        .tenant
        .map(|t| t.to_db())
        .unwrap_or_else(|| owner.agency.to_db());
    Binding::new(column, scope, endpoint.to_db())
}

fn owned(
    owner: EndpointOwner,
    endpoint: WebhookEndpointId,
) -> w::BoxedQuery<'static, MultiBackend> {
    let query = w::table
        .filter(w::id.eq(endpoint.to_db()))
        .filter(w::agency_id.eq(owner.agency.to_db()))
        .into_boxed();
    match owner.tenant {
        Some(tenant) => query.filter(w::tenant_id.eq(tenant.to_db())),
        None => query.filter(w::tenant_id.is_null()),
    }
}

fn check(new_url: &str, event_types: &[String]) -> StoreResult<()> {
    require_text("url", new_url, 2000)?;
    if event_types.is_empty() {
        return Err(StoreError::invalid(
            "event_types",
            "must name at least one type, or `*`",
        ));
    }
    Ok(())
}

pub fn create(
    conn: &mut DbConnection,
    keyring: &Keyring,
    owner: EndpointOwner,
    new: &NewEndpoint,
    now: DateTime<Utc>,
) -> StoreResult<WebhookEndpoint> {
    check(&new.url, &new.event_types)?;
    let endpoint = WebhookEndpointId::new();
    let row = EndpointRow {
        id: endpoint.to_db(),
        agency_id: owner.agency.to_db(),
        tenant_id: owner.tenant.map(|t| t.to_db()),
        url: new.url.clone(),
        description: new.description.clone(),
        secret: keyring.seal(
            &binding(SecretColumn::WebhookSecret, owner, endpoint),
            &new.secret,
        ),
        previous_secret: None,
        previous_secret_expires_at: None,
        event_types: to_json("event_types", &new.event_types)?,
        enabled: true,
        disabled_reason: None,
        failing_since: None,
        created_at: ms(now),
        updated_at: ms(now),
    };
    diesel::insert_into(w::table).values(&row).execute(conn)?;
    row.to_endpoint()
}

pub fn get(
    conn: &mut DbConnection,
    owner: EndpointOwner,
    endpoint: WebhookEndpointId,
) -> StoreResult<WebhookEndpoint> {
    owned(owner, endpoint)
        .select(EndpointRow::as_select())
        .first(conn)
        .map_err(|e| StoreError::from_diesel("webhook endpoint", e))?
        .to_endpoint()
}

pub fn list(conn: &mut DbConnection, owner: EndpointOwner) -> StoreResult<Vec<WebhookEndpoint>> {
    let query = w::table
        .filter(w::agency_id.eq(owner.agency.to_db()))
        .into_boxed();
    let query = match owner.tenant {
        Some(tenant) => query.filter(w::tenant_id.eq(tenant.to_db())),
        None => query.filter(w::tenant_id.is_null()),
    };
    query
        .order(w::id.asc())
        .select(EndpointRow::as_select())
        .load(conn)?
        .iter()
        .map(EndpointRow::to_endpoint)
        .collect()
}

/// Enabled endpoints that take `event_type` for an event of `agency` (and `tenant`):
/// the tenant's own and the agency-wide ones.
pub fn subscribed(
    conn: &mut DbConnection,
    agency: AgencyId,
    tenant: Option<TenantId>,
    event_type: &str,
) -> StoreResult<Vec<WebhookEndpoint>> {
    let query = w::table
        .filter(w::agency_id.eq(agency.to_db()))
        .filter(w::enabled.eq(true))
        .into_boxed();
    let query = match tenant {
        Some(t) => query.filter(w::tenant_id.is_null().or(w::tenant_id.eq(t.to_db()))),
        None => query.filter(w::tenant_id.is_null()),
    };
    let endpoints = query
        .order(w::id.asc())
        .select(EndpointRow::as_select())
        .load(conn)?
        .iter()
        .map(EndpointRow::to_endpoint)
        .collect::<StoreResult<Vec<_>>>()?;
    Ok(endpoints
        .into_iter()
        .filter(|e| e.event_types.iter().any(|t| t == "*" || t == event_type))
        .collect())
}

/// Changes url, description, types and the enabled flag. Re-enabling clears the reason.
#[allow(clippy::too_many_arguments)]
pub fn update(
    conn: &mut DbConnection,
    owner: EndpointOwner,
    endpoint: WebhookEndpointId,
    url: &str,
    description: &str,
    event_types: &[String],
    enabled: bool,
    now: DateTime<Utc>,
) -> StoreResult<WebhookEndpoint> {
    check(url, event_types)?;
    let current = get(conn, owner, endpoint)?;
    let reason = if enabled {
        None
    } else {
        current
            .disabled_reason
            .or(Some("disabled by a user".into()))
    };
    diesel::update(w::table.find(endpoint.to_db()))
        .set((
            w::url.eq(url),
            w::description.eq(description),
            w::event_types.eq(to_json("event_types", &event_types)?),
            w::enabled.eq(enabled),
            w::disabled_reason.eq(reason),
            w::updated_at.eq(ms(now)),
        ))
        .execute(conn)?;
    get(conn, owner, endpoint)
}

pub fn delete(
    conn: &mut DbConnection,
    owner: EndpointOwner,
    endpoint: WebhookEndpointId,
) -> StoreResult<()> {
    get(conn, owner, endpoint)?;
    diesel::delete(w::table.find(endpoint.to_db())).execute(conn)?;
    Ok(())
}

/// Installs a new signing secret; the current one stays valid until `previous_until`.
pub fn rotate_secret(
    conn: &mut DbConnection,
    keyring: &Keyring,
    owner: EndpointOwner,
    endpoint: WebhookEndpointId,
    new_secret: &Secret,
    previous_until: DateTime<Utc>,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    write_transaction(conn, |conn| {
        let sealed: String = owned(owner, endpoint)
            .select(w::secret)
            .first(conn)
            .map_err(|e| StoreError::from_diesel("webhook endpoint", e))?;
        let current = keyring.open(
            &binding(SecretColumn::WebhookSecret, owner, endpoint),
            &sealed,
        )?;
        let previous = keyring.seal(
            &binding(SecretColumn::WebhookPreviousSecret, owner, endpoint),
            &current,
        );
        let next = keyring.seal(
            &binding(SecretColumn::WebhookSecret, owner, endpoint),
            new_secret,
        );
        diesel::update(w::table.find(endpoint.to_db()))
            .set((
                w::secret.eq(next),
                w::previous_secret.eq(Some(previous)),
                w::previous_secret_expires_at.eq(Some(ms(previous_until))),
                w::updated_at.eq(ms(now)),
            ))
            .execute(conn)?;
        Ok(())
    })
}

/// The secrets to sign a delivery with: the current one and, until it expires, the
/// previous one. By endpoint id alone: for the dispatcher, which holds the event.
pub fn signing_secrets(
    conn: &mut DbConnection,
    keyring: &Keyring,
    endpoint: WebhookEndpointId,
    now: DateTime<Utc>,
) -> StoreResult<(Secret, Option<Secret>)> {
    let row: EndpointRow = w::table
        .find(endpoint.to_db())
        .select(EndpointRow::as_select())
        .first(conn)
        .map_err(|e| StoreError::from_diesel("webhook endpoint", e))?;
    let scope = row.scope();
    let current = keyring.open(
        &Binding::new(SecretColumn::WebhookSecret, scope.clone(), &row.id),
        &row.secret,
    )?;
    let previous = match (&row.previous_secret, row.previous_secret_expires_at) {
        (Some(sealed), Some(until)) if until > ms(now) => Some(keyring.open(
            &Binding::new(SecretColumn::WebhookPreviousSecret, scope, &row.id),
            sealed,
        )?),
        _ => None,
    };
    Ok((current, previous))
}

/// Disables an endpoint (a 410, or failing too long) with the reason shown to people.
pub fn disable(
    conn: &mut DbConnection,
    endpoint: WebhookEndpointId,
    reason: &str,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    diesel::update(w::table.find(endpoint.to_db()))
        .set((
            w::enabled.eq(false),
            w::disabled_reason.eq(Some(reason)),
            w::updated_at.eq(ms(now)),
        ))
        .execute(conn)?;
    Ok(())
}

/// Records when an endpoint started failing (`None` once it succeeds again).
pub fn set_failing_since(
    conn: &mut DbConnection,
    endpoint: WebhookEndpointId,
    since: Option<DateTime<Utc>>,
) -> StoreResult<()> {
    diesel::update(w::table.find(endpoint.to_db()))
        .set(w::failing_since.eq(since.map(ms)))
        .execute(conn)?;
    Ok(())
}
