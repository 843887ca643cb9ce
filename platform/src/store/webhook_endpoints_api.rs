//! Webhook endpoints and their delivery log, as the REST API and dashboard manage them.
//! Endpoints belong to an agency and optionally to one tenant; secrets are stored sealed
//! by the vault (the caller seals and opens them).

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::schema::{webhook_deliveries, webhook_endpoints};
use super::{DbConnection, StoreError, StoreResult};
use crate::clock::{from_millis, to_millis};
use crate::ids::{AgencyId, DeliveryId, OutboxEventId, TenantId, WebhookEndpointId};

/// An endpoint (secrets sealed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointRecord {
    pub id: WebhookEndpointId,
    pub agency_id: AgencyId,
    pub tenant_id: Option<TenantId>,
    pub url: String,
    pub description: String,
    pub sealed_secret: String,
    pub sealed_previous_secret: Option<String>,
    pub previous_secret_expires_at: Option<DateTime<Utc>>,
    pub event_types: Vec<String>,
    pub enabled: bool,
    pub disabled_reason: Option<String>,
    pub failing_since: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = webhook_endpoints)]
struct Row {
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

fn record(row: Row) -> StoreResult<EndpointRecord> {
    let corrupt = |c: &'static str| move |e| StoreError::corrupt(c, e);
    Ok(EndpointRecord {
        id: WebhookEndpointId::from_db(&row.id).map_err(corrupt("webhook_endpoints.id"))?,
        agency_id: AgencyId::from_db(&row.agency_id)
            .map_err(corrupt("webhook_endpoints.agency_id"))?,
        tenant_id: row
            .tenant_id
            .as_deref()
            .map(TenantId::from_db)
            .transpose()
            .map_err(corrupt("webhook_endpoints.tenant_id"))?,
        url: row.url,
        description: row.description,
        sealed_secret: row.secret,
        sealed_previous_secret: row.previous_secret,
        previous_secret_expires_at: row.previous_secret_expires_at.map(from_millis),
        event_types: serde_json::from_str(&row.event_types)
            .map_err(|e| StoreError::corrupt("webhook_endpoints.event_types", e))?,
        enabled: row.enabled,
        disabled_reason: row.disabled_reason,
        failing_since: row.failing_since.map(from_millis),
        created_at: from_millis(row.created_at),
        updated_at: from_millis(row.updated_at),
    })
}

/// Who may see an endpoint: the agency, narrowed to one tenant's endpoints when the
/// caller works inside a tenant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EndpointScope {
    pub agency: AgencyId,
    /// `Some(t)`: only endpoints of tenant `t`. `None`: only agency-wide endpoints.
    pub tenant: Option<TenantId>,
}

pub fn insert_endpoint(conn: &mut DbConnection, e: &EndpointRecord) -> StoreResult<()> {
    let types = serde_json::to_string(&e.event_types)
        .map_err(|err| StoreError::invalid("event_types", err.to_string()))?;
    diesel::insert_into(webhook_endpoints::table)
        .values((
            webhook_endpoints::id.eq(e.id.to_db()),
            webhook_endpoints::agency_id.eq(e.agency_id.to_db()),
            webhook_endpoints::tenant_id.eq(e.tenant_id.map(|t| t.to_db())),
            webhook_endpoints::url.eq(&e.url),
            webhook_endpoints::description.eq(&e.description),
            webhook_endpoints::secret.eq(&e.sealed_secret),
            webhook_endpoints::event_types.eq(types),
            webhook_endpoints::enabled.eq(e.enabled),
            webhook_endpoints::created_at.eq(to_millis(e.created_at)),
            webhook_endpoints::updated_at.eq(to_millis(e.updated_at)),
        ))
        .execute(conn)?;
    Ok(())
}

/// Rewrites the editable fields and secrets of an endpoint in `scope`.
pub fn update_endpoint(
    conn: &mut DbConnection,
    scope: EndpointScope,
    e: &EndpointRecord,
) -> StoreResult<()> {
    let types = serde_json::to_string(&e.event_types)
        .map_err(|err| StoreError::invalid("event_types", err.to_string()))?;
    let changed = diesel::update(
        webhook_endpoints::table
            .filter(webhook_endpoints::id.eq(e.id.to_db()))
            .filter(webhook_endpoints::agency_id.eq(scope.agency.to_db()))
            .filter(scoped_tenant(scope)),
    )
    .set((
        webhook_endpoints::url.eq(&e.url),
        webhook_endpoints::description.eq(&e.description),
        webhook_endpoints::secret.eq(&e.sealed_secret),
        webhook_endpoints::previous_secret.eq(e.sealed_previous_secret.as_deref()),
        webhook_endpoints::previous_secret_expires_at
            .eq(e.previous_secret_expires_at.map(to_millis)),
        webhook_endpoints::event_types.eq(types),
        webhook_endpoints::enabled.eq(e.enabled),
        webhook_endpoints::disabled_reason.eq(e.disabled_reason.as_deref()),
        webhook_endpoints::failing_since.eq(e.failing_since.map(to_millis)),
        webhook_endpoints::updated_at.eq(to_millis(e.updated_at)),
    ))
    .execute(conn)?;
    if changed == 0 {
        return Err(StoreError::not_found("webhook endpoint"));
    }
    Ok(())
}

type TenantFilter = Box<
    dyn diesel::BoxableExpression<
        webhook_endpoints::table,
        <DbConnection as diesel::Connection>::Backend,
        SqlType = diesel::sql_types::Bool,
    >,
>;

fn scoped_tenant(scope: EndpointScope) -> TenantFilter {
    match scope.tenant {
        Some(t) => Box::new(webhook_endpoints::tenant_id.eq(t.to_db()).assume_not_null()),
        None => Box::new(webhook_endpoints::tenant_id.is_null()),
    }
}

pub fn get_endpoint(
    conn: &mut DbConnection,
    scope: EndpointScope,
    id: WebhookEndpointId,
) -> StoreResult<EndpointRecord> {
    let row: Row = webhook_endpoints::table
        .filter(webhook_endpoints::id.eq(id.to_db()))
        .filter(webhook_endpoints::agency_id.eq(scope.agency.to_db()))
        .filter(scoped_tenant(scope))
        .select(Row::as_select())
        .first(conn)
        .map_err(|e| StoreError::from_diesel("webhook endpoint", e))?;
    record(row)
}

pub fn list_endpoints(
    conn: &mut DbConnection,
    scope: EndpointScope,
    after: Option<&str>,
    limit: i64,
) -> StoreResult<Vec<EndpointRecord>> {
    let mut query = webhook_endpoints::table
        .filter(webhook_endpoints::agency_id.eq(scope.agency.to_db()))
        .filter(scoped_tenant(scope))
        .order(webhook_endpoints::id.desc())
        .limit(limit)
        .select(Row::as_select())
        .into_boxed();
    if let Some(after) = after {
        query = query.filter(webhook_endpoints::id.lt(after.to_owned()));
    }
    query.load::<Row>(conn)?.into_iter().map(record).collect()
}

pub fn delete_endpoint(
    conn: &mut DbConnection,
    scope: EndpointScope,
    id: WebhookEndpointId,
) -> StoreResult<()> {
    let deleted = diesel::delete(
        webhook_endpoints::table
            .filter(webhook_endpoints::id.eq(id.to_db()))
            .filter(webhook_endpoints::agency_id.eq(scope.agency.to_db()))
            .filter(scoped_tenant(scope)),
    )
    .execute(conn)?;
    if deleted == 0 {
        return Err(StoreError::not_found("webhook endpoint"));
    }
    Ok(())
}

/// One logged attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryRecord {
    pub id: DeliveryId,
    pub endpoint_id: WebhookEndpointId,
    pub event_id: OutboxEventId,
    pub attempt: i32,
    /// `pending`, `succeeded`, `failed` or `abandoned`.
    pub status: String,
    pub http_status: Option<i32>,
    pub latency_ms: Option<i64>,
    pub response_start: Option<String>,
    pub error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub next_attempt_at: Option<DateTime<Utc>>,
}

/// A row as selected by `COLUMNS` (positional).
#[derive(Queryable)]
struct DeliveryRow(
    String,
    String,
    String,
    i32,
    String,
    Option<i32>,
    Option<i64>,
    Option<String>,
    Option<String>,
    i64,
    Option<i64>,
);

fn delivery(row: DeliveryRow) -> StoreResult<DeliveryRecord> {
    let corrupt = |c: &'static str| move |e| StoreError::corrupt(c, e);
    Ok(DeliveryRecord {
        id: DeliveryId::from_db(&row.0).map_err(corrupt("webhook_deliveries.id"))?,
        endpoint_id: WebhookEndpointId::from_db(&row.1)
            .map_err(corrupt("webhook_deliveries.endpoint_id"))?,
        event_id: OutboxEventId::from_db(&row.2).map_err(corrupt("webhook_deliveries.event_id"))?,
        attempt: row.3,
        status: row.4,
        http_status: row.5,
        latency_ms: row.6,
        response_start: row.7,
        error: row.8,
        created_at: from_millis(row.9),
        next_attempt_at: row.10.map(from_millis),
    })
}

/// The delivery log of endpoints in `scope`, newest first, optionally of one endpoint.
pub fn list_deliveries(
    conn: &mut DbConnection,
    scope: EndpointScope,
    endpoint: Option<WebhookEndpointId>,
    after: Option<&str>,
    limit: i64,
) -> StoreResult<Vec<DeliveryRecord>> {
    let endpoint_ids: Vec<String> = webhook_endpoints::table
        .filter(webhook_endpoints::agency_id.eq(scope.agency.to_db()))
        .filter(scoped_tenant(scope))
        .select(webhook_endpoints::id)
        .load(conn)?;
    let mut query = webhook_deliveries::table
        .filter(webhook_deliveries::endpoint_id.eq_any(endpoint_ids))
        .order(webhook_deliveries::id.desc())
        .limit(limit)
        .select((
            webhook_deliveries::id,
            webhook_deliveries::endpoint_id,
            webhook_deliveries::event_id,
            webhook_deliveries::attempt,
            webhook_deliveries::status,
            webhook_deliveries::http_status,
            webhook_deliveries::latency_ms,
            webhook_deliveries::response_start,
            webhook_deliveries::error,
            webhook_deliveries::created_at,
            webhook_deliveries::next_attempt_at,
        ))
        .into_boxed();
    if let Some(endpoint) = endpoint {
        query = query.filter(webhook_deliveries::endpoint_id.eq(endpoint.to_db()));
    }
    if let Some(after) = after {
        query = query.filter(webhook_deliveries::id.lt(after.to_owned()));
    }
    query
        .load::<DeliveryRow>(conn)?
        .into_iter()
        .map(delivery)
        .collect()
}

/// One delivery of an endpoint in `scope`.
pub fn get_delivery(
    conn: &mut DbConnection,
    scope: EndpointScope,
    id: DeliveryId,
) -> StoreResult<DeliveryRecord> {
    let found = list_deliveries_by_id(conn, id)?;
    let endpoint = found.ok_or_else(|| StoreError::not_found("delivery"))?;
    get_endpoint(conn, scope, endpoint.endpoint_id)
        .map_err(|_| StoreError::not_found("delivery"))?;
    Ok(endpoint)
}

fn list_deliveries_by_id(
    conn: &mut DbConnection,
    id: DeliveryId,
) -> StoreResult<Option<DeliveryRecord>> {
    let row: Option<DeliveryRow> = webhook_deliveries::table
        .filter(webhook_deliveries::id.eq(id.to_db()))
        .select((
            webhook_deliveries::id,
            webhook_deliveries::endpoint_id,
            webhook_deliveries::event_id,
            webhook_deliveries::attempt,
            webhook_deliveries::status,
            webhook_deliveries::http_status,
            webhook_deliveries::latency_ms,
            webhook_deliveries::response_start,
            webhook_deliveries::error,
            webhook_deliveries::created_at,
            webhook_deliveries::next_attempt_at,
        ))
        .first(conn)
        .optional()?;
    row.map(delivery).transpose()
}
