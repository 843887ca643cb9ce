//! Webhook endpoints: create (the secret shown once), update, delete, rotate the secret
//! (the old one keeps signing alongside the new one for [`ROTATION_OVERLAP`]), send a test
//! event, list and redeliver deliveries. Secrets are sealed by the vault, bound to the
//! endpoint's row.

use chrono::Duration;
use herald_platform::ids::{DeliveryId, OutboxEventId, WebhookEndpointId};
use herald_platform::secret::Secret;
use herald_platform::store::webhook_endpoints_api::{
    self as repo, DeliveryRecord, EndpointRecord, EndpointScope,
};
use herald_platform::vault::{Binding, SecretColumn};
use herald_platform::webhooks::{queue, EventType, SigningSecret};

use super::{ServiceError, ServiceResult, Services};

/// How long the previous secret keeps signing after a rotation.
pub const ROTATION_OVERLAP: Duration = Duration::hours(24);

/// Longest description.
pub const MAX_DESCRIPTION_CHARS: usize = 500;

/// The editable fields of an endpoint. `None` leaves a field as it is (on update).
#[derive(Debug, Clone, Default)]
pub struct EndpointInput {
    pub url: Option<String>,
    pub description: Option<String>,
    /// Event type names; empty subscribes to every event.
    pub event_types: Option<Vec<String>>,
    pub enabled: Option<bool>,
}

/// An endpoint just made or rotated, with its secret to show once.
#[derive(Debug)]
pub struct EndpointWithSecret {
    pub endpoint: EndpointRecord,
    pub secret: SigningSecret,
}

fn scope_of(endpoint: &EndpointRecord) -> String {
    endpoint
        .tenant_id
        .map(|t| t.to_db())
        .unwrap_or_else(|| endpoint.agency_id.to_db())
}

fn seal(
    s: &Services,
    endpoint: &EndpointRecord,
    column: SecretColumn,
    secret: &SigningSecret,
) -> String {
    let binding = Binding::new(column, scope_of(endpoint), endpoint.id.to_db());
    s.keyring.seal(&binding, &Secret::new(secret.expose()))
}

fn check_url(s: &Services, url: &str) -> ServiceResult<String> {
    let url = url.trim();
    if url.len() > 2_000 {
        return Err(ServiceError::invalid(
            "url",
            "must be at most 2,000 characters",
        ));
    }
    s.outbound
        .check_url(url)
        .map(|u| u.to_string())
        .map_err(|err| ServiceError::invalid("url", err.to_string()))
}

fn check_event_types(types: &[String]) -> ServiceResult<Vec<String>> {
    for (i, name) in types.iter().enumerate() {
        let known = EventType::parse(name).is_some_and(|t| t != EventType::Test);
        if !known {
            return Err(ServiceError::invalid(
                format!("event_types[{i}]"),
                format!("`{name}` is not an event type Herald sends"),
            ));
        }
    }
    Ok(types.to_vec())
}

fn check_description(text: &str) -> ServiceResult<String> {
    if text.chars().count() > MAX_DESCRIPTION_CHARS {
        return Err(ServiceError::invalid(
            "description",
            "must be at most 500 characters",
        ));
    }
    Ok(text.to_owned())
}

/// Creates an endpoint in `scope`. The tenant in `scope` must have been checked.
pub fn create_endpoint(
    s: &Services,
    scope: EndpointScope,
    input: EndpointInput,
) -> ServiceResult<EndpointWithSecret> {
    let url = check_url(
        s,
        input
            .url
            .as_deref()
            .ok_or_else(|| ServiceError::invalid("url", "is required"))?,
    )?;
    let event_types = check_event_types(&input.event_types.unwrap_or_default())?;
    let description = check_description(input.description.as_deref().unwrap_or(""))?;
    let now = s.clock.now();
    let secret = SigningSecret::generate();

    let mut endpoint = EndpointRecord {
        id: WebhookEndpointId::new(),
        agency_id: scope.agency,
        tenant_id: scope.tenant,
        url,
        description,
        sealed_secret: String::new(),
        sealed_previous_secret: None,
        previous_secret_expires_at: None,
        event_types,
        enabled: input.enabled.unwrap_or(true),
        disabled_reason: None,
        failing_since: None,
        created_at: now,
        updated_at: now,
    };
    endpoint.sealed_secret = seal(s, &endpoint, SecretColumn::WebhookSecret, &secret);
    repo::insert_endpoint(&mut *s.conn()?, &endpoint)?;
    Ok(EndpointWithSecret { endpoint, secret })
}

pub fn get_endpoint(
    s: &Services,
    scope: EndpointScope,
    id: WebhookEndpointId,
) -> ServiceResult<EndpointRecord> {
    Ok(repo::get_endpoint(&mut *s.conn()?, scope, id)?)
}

pub fn list_endpoints(
    s: &Services,
    scope: EndpointScope,
    after: Option<&str>,
    limit: i64,
) -> ServiceResult<Vec<EndpointRecord>> {
    Ok(repo::list_endpoints(&mut *s.conn()?, scope, after, limit)?)
}

/// Changes the fields given. Re-enabling an endpoint clears its failure state.
pub fn update_endpoint(
    s: &Services,
    scope: EndpointScope,
    id: WebhookEndpointId,
    input: EndpointInput,
) -> ServiceResult<EndpointRecord> {
    let mut conn = s.conn()?;
    let mut endpoint = repo::get_endpoint(&mut conn, scope, id)?;
    if let Some(url) = input.url {
        endpoint.url = check_url(s, &url)?;
    }
    if let Some(types) = input.event_types {
        endpoint.event_types = check_event_types(&types)?;
    }
    if let Some(description) = input.description {
        endpoint.description = check_description(&description)?;
    }
    if let Some(enabled) = input.enabled {
        if enabled && !endpoint.enabled {
            endpoint.disabled_reason = None;
            endpoint.failing_since = None;
        }
        if !enabled && endpoint.enabled {
            endpoint.disabled_reason = Some("disabled by request".into());
        }
        endpoint.enabled = enabled;
    }
    endpoint.updated_at = s.clock.now();
    repo::update_endpoint(&mut conn, scope, &endpoint)?;
    Ok(endpoint)
}

pub fn delete_endpoint(
    s: &Services,
    scope: EndpointScope,
    id: WebhookEndpointId,
) -> ServiceResult<()> {
    Ok(repo::delete_endpoint(&mut *s.conn()?, scope, id)?)
}

/// Makes a new secret; the current one becomes the previous one and keeps signing for
/// [`ROTATION_OVERLAP`], so receivers can switch without losing a delivery.
pub fn rotate_secret(
    s: &Services,
    scope: EndpointScope,
    id: WebhookEndpointId,
) -> ServiceResult<EndpointWithSecret> {
    let mut conn = s.conn()?;
    let mut endpoint = repo::get_endpoint(&mut conn, scope, id)?;
    let now = s.clock.now();

    // The current secret is re-sealed under the previous-secret column's binding.
    let current_binding = Binding::new(
        SecretColumn::WebhookSecret,
        scope_of(&endpoint),
        endpoint.id.to_db(),
    );
    let current = s
        .keyring
        .open(&current_binding, &endpoint.sealed_secret)
        .map_err(|err| ServiceError::Internal(format!("cannot open the endpoint secret: {err}")))?;
    let current = SigningSecret::parse(current.expose())
        .map_err(|err| ServiceError::Internal(err.to_string()))?;
    let secret = SigningSecret::generate();

    endpoint.sealed_previous_secret = Some(seal(
        s,
        &endpoint,
        SecretColumn::WebhookPreviousSecret,
        &current,
    ));
    endpoint.previous_secret_expires_at = Some(now + ROTATION_OVERLAP);
    endpoint.sealed_secret = seal(s, &endpoint, SecretColumn::WebhookSecret, &secret);
    endpoint.updated_at = now;
    repo::update_endpoint(&mut conn, scope, &endpoint)?;
    Ok(EndpointWithSecret { endpoint, secret })
}

/// Queues a `webhook.test` event for this endpoint only, even when it is disabled.
pub fn send_test_event(
    s: &Services,
    scope: EndpointScope,
    id: WebhookEndpointId,
) -> ServiceResult<OutboxEventId> {
    let mut conn = s.conn()?;
    let endpoint = repo::get_endpoint(&mut conn, scope, id)?;
    let now = s.clock.now();
    let event_id = herald_platform::store::transaction_api::transaction(
        &mut conn,
        |conn| -> ServiceResult<_> {
            let row = queue::endpoint_row(conn, &endpoint.id.to_db())?;
            let payload = serde_json::json!({
                "endpoint_id": endpoint.id.to_string(),
                "message": "a test event from Herald",
            });
            let tenant_db = endpoint.tenant_id.map(|t| t.to_db());
            let event_id = queue::insert_event(
                conn,
                &endpoint.agency_id.to_db(),
                tenant_db.as_deref(),
                EventType::Test,
                &payload,
                now,
            )?;
            queue::enqueue(conn, &row, &event_id.to_db(), 1, now, now)?;
            Ok(event_id)
        },
    )?;
    (s.wake_dispatcher)();
    Ok(event_id)
}

/// The delivery log in `scope`, newest first, up to `limit + 1` rows.
pub fn list_deliveries(
    s: &Services,
    scope: EndpointScope,
    endpoint: Option<WebhookEndpointId>,
    after: Option<&str>,
    limit: i64,
) -> ServiceResult<Vec<DeliveryRecord>> {
    let mut conn = s.conn()?;
    if let Some(endpoint) = endpoint {
        repo::get_endpoint(&mut conn, scope, endpoint)?;
    }
    Ok(repo::list_deliveries(
        &mut conn, scope, endpoint, after, limit,
    )?)
}

/// Sends a delivery's event to its endpoint again, as a fresh first attempt (same event
/// id, so receivers can deduplicate).
pub fn redeliver(
    s: &Services,
    scope: EndpointScope,
    delivery: DeliveryId,
) -> ServiceResult<DeliveryId> {
    let mut conn = s.conn()?;
    let record = repo::get_delivery(&mut conn, scope, delivery)?;
    let endpoint = repo::get_endpoint(&mut conn, scope, record.endpoint_id)?;
    if !endpoint.enabled {
        return Err(ServiceError::Conflict {
            code: "endpoint_disabled",
            message: "the endpoint is disabled; enable it first".into(),
        });
    }
    let row = queue::endpoint_row(&mut conn, &endpoint.id.to_db())?;
    let now = s.clock.now();
    let id = queue::enqueue(&mut conn, &row, &record.event_id.to_db(), 1, now, now)?;
    (s.wake_dispatcher)();
    DeliveryId::from_db(&id).map_err(|err| ServiceError::Internal(err.to_string()))
}
