//! Webhook endpoints and their deliveries, per tenant
//! (`/api/v1/tenants/{tenant_id}/webhook-endpoints`, `…/deliveries`) and agency-wide
//! (`/api/v1/webhook-endpoints`, `/api/v1/deliveries`). One handler serves both: the
//! scope comes from whether the path names a tenant.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use herald_platform::ids::{DeliveryId, TenantId, WebhookEndpointId};
use herald_platform::store::webhook_endpoints_api::EndpointScope;
use serde::Deserialize;
use utoipa::IntoParams;

use super::auth::ApiCaller;
use super::body::{parse_as, Fields};
use super::error::{ApiError, ErrorBody};
use super::idempotency::idempotent;
use super::pagination::{PageQuery, Paged};
use super::support::{path_id, run};
use super::views::{AcceptedView, DeliveryView, EndpointInputBody, EndpointView};
use crate::services::webhook_endpoints::{self as service, EndpointInput};
use crate::services::Caller;

/// The scope of the request: the tenant named in the path (checked), or the agency.
async fn scope(req: &HttpRequest, caller: Caller) -> Result<EndpointScope, ApiError> {
    match req.match_info().get("tenant_id") {
        Some(text) => {
            let tenant: TenantId = path_id("tenant", "tenant_id", text)?;
            run(req, move |s| caller.tenant(&mut *s.conn()?, tenant)).await?;
            Ok(EndpointScope {
                agency: caller.agency,
                tenant: Some(tenant),
            })
        }
        None => {
            caller.require_agency_wide().map_err(ApiError::from)?;
            Ok(EndpointScope {
                agency: caller.agency,
                tenant: None,
            })
        }
    }
}

fn endpoint_id(req: &HttpRequest) -> Result<WebhookEndpointId, ApiError> {
    path_id(
        "webhook endpoint",
        "endpoint_id",
        req.match_info().get("endpoint_id").unwrap_or(""),
    )
}

fn read_input(body: &[u8]) -> Result<EndpointInput, ApiError> {
    let fields = Fields::parse(body)?;
    fields.deny_unknown(&["url", "description", "event_types", "enabled"])?;
    Ok(EndpointInput {
        url: fields.optional_str("url")?,
        description: fields.optional_str("description")?,
        event_types: fields.optional_str_list("event_types")?,
        enabled: fields.optional_bool("enabled")?,
    })
}

fn json<T: serde::Serialize>(value: T) -> serde_json::Value {
    serde_json::to_value(value).unwrap_or_default()
}

/// Creates an endpoint; the answer holds its `whsec_` secret, shown this once.
#[utoipa::path(post, path = "/api/v1/tenants/{tenant_id}/webhook-endpoints", tag = "webhooks",
    params(("tenant_id" = String, Path), ("Idempotency-Key" = Option<String>, Header)),
    request_body = EndpointInputBody,
    responses((status = 201, body = EndpointView), (status = 422, body = ErrorBody)), security(("api_key" = [])))]
pub async fn create(
    req: HttpRequest,
    caller: ApiCaller,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let caller = caller.0;
    idempotent(&req, &caller, &body, |_| async {
        let input = read_input(&body)?;
        let scope = scope(&req, caller).await?;
        let made = run(&req, move |s| service::create_endpoint(s, scope, input)).await?;
        let secret = made.secret.expose().to_owned();
        Ok((
            StatusCode::CREATED,
            json(EndpointView::new(made.endpoint, Some(secret))),
        ))
    })
    .await
}

/// The endpoints in scope.
#[utoipa::path(get, path = "/api/v1/tenants/{tenant_id}/webhook-endpoints", tag = "webhooks",
    params(("tenant_id" = String, Path), PageQuery),
    responses((status = 200, body = Paged<EndpointView>)), security(("api_key" = [])))]
pub async fn list(
    req: HttpRequest,
    caller: ApiCaller,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let scope = scope(&req, caller.0).await?;
    let page = query.page()?;
    let (after, limit) = (page.after.clone(), page.limit);
    let rows = run(&req, move |s| {
        service::list_endpoints(s, scope, after.as_deref(), limit + 1)
    })
    .await?;
    Ok(HttpResponse::Ok().json(Paged::from_rows(
        rows,
        page.limit,
        |e| e.id.to_db(),
        |e| EndpointView::new(e, None),
    )))
}

/// One endpoint.
#[utoipa::path(get, path = "/api/v1/tenants/{tenant_id}/webhook-endpoints/{endpoint_id}", tag = "webhooks",
    params(("tenant_id" = String, Path), ("endpoint_id" = String, Path)),
    responses((status = 200, body = EndpointView), (status = 404, body = ErrorBody)), security(("api_key" = [])))]
pub async fn get(req: HttpRequest, caller: ApiCaller) -> Result<HttpResponse, ApiError> {
    let scope = scope(&req, caller.0).await?;
    let id = endpoint_id(&req)?;
    let record = run(&req, move |s| service::get_endpoint(s, scope, id)).await?;
    Ok(HttpResponse::Ok().json(EndpointView::new(record, None)))
}

/// Changes an endpoint's URL, description, event types or enabled flag.
#[utoipa::path(patch, path = "/api/v1/tenants/{tenant_id}/webhook-endpoints/{endpoint_id}", tag = "webhooks",
    params(("tenant_id" = String, Path), ("endpoint_id" = String, Path)),
    request_body = EndpointInputBody,
    responses((status = 200, body = EndpointView), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("api_key" = [])))]
pub async fn update(
    req: HttpRequest,
    caller: ApiCaller,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let scope = scope(&req, caller.0).await?;
    let id = endpoint_id(&req)?;
    let input = read_input(&body)?;
    let record = run(&req, move |s| service::update_endpoint(s, scope, id, input)).await?;
    Ok(HttpResponse::Ok().json(EndpointView::new(record, None)))
}

/// Deletes an endpoint and its delivery log.
#[utoipa::path(delete, path = "/api/v1/tenants/{tenant_id}/webhook-endpoints/{endpoint_id}", tag = "webhooks",
    params(("tenant_id" = String, Path), ("endpoint_id" = String, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)), security(("api_key" = [])))]
pub async fn delete(req: HttpRequest, caller: ApiCaller) -> Result<HttpResponse, ApiError> {
    let scope = scope(&req, caller.0).await?;
    let id = endpoint_id(&req)?;
    run(&req, move |s| service::delete_endpoint(s, scope, id)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Makes a new secret; the previous one keeps signing alongside it for 24 hours.
#[utoipa::path(post, path = "/api/v1/tenants/{tenant_id}/webhook-endpoints/{endpoint_id}/rotate-secret", tag = "webhooks",
    params(("tenant_id" = String, Path), ("endpoint_id" = String, Path), ("Idempotency-Key" = Option<String>, Header)),
    responses((status = 200, body = EndpointView), (status = 404, body = ErrorBody)), security(("api_key" = [])))]
pub async fn rotate(
    req: HttpRequest,
    caller: ApiCaller,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let caller = caller.0;
    idempotent(&req, &caller, &body, |_| async {
        Fields::parse(&body)?.deny_unknown(&[])?;
        let scope = scope(&req, caller).await?;
        let id = endpoint_id(&req)?;
        let made = run(&req, move |s| service::rotate_secret(s, scope, id)).await?;
        let secret = made.secret.expose().to_owned();
        Ok((
            StatusCode::OK,
            json(EndpointView::new(made.endpoint, Some(secret))),
        ))
    })
    .await
}

/// Sends a `webhook.test` event to this endpoint.
#[utoipa::path(post, path = "/api/v1/tenants/{tenant_id}/webhook-endpoints/{endpoint_id}/test", tag = "webhooks",
    params(("tenant_id" = String, Path), ("endpoint_id" = String, Path), ("Idempotency-Key" = Option<String>, Header)),
    responses((status = 202, body = AcceptedView), (status = 404, body = ErrorBody)), security(("api_key" = [])))]
pub async fn test(
    req: HttpRequest,
    caller: ApiCaller,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let caller = caller.0;
    idempotent(&req, &caller, &body, |_| async {
        Fields::parse(&body)?.deny_unknown(&[])?;
        let scope = scope(&req, caller).await?;
        let id = endpoint_id(&req)?;
        let event = run(&req, move |s| service::send_test_event(s, scope, id)).await?;
        Ok((
            StatusCode::ACCEPTED,
            json(AcceptedView {
                id: event.to_string(),
            }),
        ))
    })
    .await
}

/// Filters for the delivery log.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeliveryQuery {
    /// `whe_…`: only this endpoint's deliveries.
    pub endpoint_id: Option<String>,
    /// 1 to 200; default 50.
    pub limit: Option<String>,
    pub cursor: Option<String>,
}

/// Every attempt, newest first: status, latency and the start of the answer.
#[utoipa::path(get, path = "/api/v1/tenants/{tenant_id}/deliveries", tag = "webhooks",
    params(("tenant_id" = String, Path), DeliveryQuery),
    responses((status = 200, body = Paged<DeliveryView>), (status = 404, body = ErrorBody)), security(("api_key" = [])))]
pub async fn deliveries(
    req: HttpRequest,
    caller: ApiCaller,
    query: web::Query<DeliveryQuery>,
) -> Result<HttpResponse, ApiError> {
    let scope = scope(&req, caller.0).await?;
    let q = query.into_inner();
    let page = PageQuery {
        limit: q.limit,
        cursor: q.cursor.clone(),
    }
    .page()?;
    let endpoint = q
        .endpoint_id
        .as_deref()
        .map(|e| parse_as::<WebhookEndpointId>("endpoint_id", e))
        .transpose()?;
    let (after, limit) = (page.after.clone(), page.limit);
    let rows = run(&req, move |s| {
        service::list_deliveries(s, scope, endpoint, after.as_deref(), limit + 1)
    })
    .await?;
    Ok(HttpResponse::Ok().json(Paged::from_rows(
        rows,
        page.limit,
        |d| d.id.to_db(),
        DeliveryView::from,
    )))
}

/// Sends a delivery's event again, as a new first attempt with the same event id.
#[utoipa::path(post, path = "/api/v1/tenants/{tenant_id}/deliveries/{delivery_id}/redeliver", tag = "webhooks",
    params(("tenant_id" = String, Path), ("delivery_id" = String, Path), ("Idempotency-Key" = Option<String>, Header)),
    responses((status = 202, body = AcceptedView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("api_key" = [])))]
pub async fn redeliver(
    req: HttpRequest,
    caller: ApiCaller,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let caller = caller.0;
    idempotent(&req, &caller, &body, |_| async {
        Fields::parse(&body)?.deny_unknown(&[])?;
        let scope = scope(&req, caller).await?;
        let id: DeliveryId = path_id(
            "delivery",
            "delivery_id",
            req.match_info().get("delivery_id").unwrap_or(""),
        )?;
        let queued = run(&req, move |s| service::redeliver(s, scope, id)).await?;
        Ok((
            StatusCode::ACCEPTED,
            json(AcceptedView {
                id: queued.to_string(),
            }),
        ))
    })
    .await
}

/// Agency-wide twins of the handlers above, documented under their own paths.
pub mod agency {
    use super::*;

    #[utoipa::path(post, path = "/api/v1/webhook-endpoints", tag = "webhooks",
        params(("Idempotency-Key" = Option<String>, Header)), request_body = EndpointInputBody,
        responses((status = 201, body = EndpointView), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
        security(("api_key" = [])))]
    pub async fn create(
        req: HttpRequest,
        caller: ApiCaller,
        body: web::Bytes,
    ) -> Result<HttpResponse, ApiError> {
        super::create(req, caller, body).await
    }

    #[utoipa::path(get, path = "/api/v1/webhook-endpoints", tag = "webhooks", params(PageQuery),
        responses((status = 200, body = Paged<EndpointView>)), security(("api_key" = [])))]
    pub async fn list(
        req: HttpRequest,
        caller: ApiCaller,
        query: web::Query<PageQuery>,
    ) -> Result<HttpResponse, ApiError> {
        super::list(req, caller, query).await
    }

    #[utoipa::path(get, path = "/api/v1/webhook-endpoints/{endpoint_id}", tag = "webhooks",
        params(("endpoint_id" = String, Path)),
        responses((status = 200, body = EndpointView), (status = 404, body = ErrorBody)), security(("api_key" = [])))]
    pub async fn get(req: HttpRequest, caller: ApiCaller) -> Result<HttpResponse, ApiError> {
        super::get(req, caller).await
    }

    #[utoipa::path(patch, path = "/api/v1/webhook-endpoints/{endpoint_id}", tag = "webhooks",
        params(("endpoint_id" = String, Path)), request_body = EndpointInputBody,
        responses((status = 200, body = EndpointView), (status = 404, body = ErrorBody)), security(("api_key" = [])))]
    pub async fn update(
        req: HttpRequest,
        caller: ApiCaller,
        body: web::Bytes,
    ) -> Result<HttpResponse, ApiError> {
        super::update(req, caller, body).await
    }

    #[utoipa::path(delete, path = "/api/v1/webhook-endpoints/{endpoint_id}", tag = "webhooks",
        params(("endpoint_id" = String, Path)),
        responses((status = 204), (status = 404, body = ErrorBody)), security(("api_key" = [])))]
    pub async fn delete(req: HttpRequest, caller: ApiCaller) -> Result<HttpResponse, ApiError> {
        super::delete(req, caller).await
    }

    #[utoipa::path(post, path = "/api/v1/webhook-endpoints/{endpoint_id}/rotate-secret", tag = "webhooks",
        params(("endpoint_id" = String, Path), ("Idempotency-Key" = Option<String>, Header)),
        responses((status = 200, body = EndpointView), (status = 404, body = ErrorBody)), security(("api_key" = [])))]
    pub async fn rotate(
        req: HttpRequest,
        caller: ApiCaller,
        body: web::Bytes,
    ) -> Result<HttpResponse, ApiError> {
        super::rotate(req, caller, body).await
    }

    #[utoipa::path(post, path = "/api/v1/webhook-endpoints/{endpoint_id}/test", tag = "webhooks",
        params(("endpoint_id" = String, Path), ("Idempotency-Key" = Option<String>, Header)),
        responses((status = 202, body = AcceptedView), (status = 404, body = ErrorBody)), security(("api_key" = [])))]
    pub async fn test(
        req: HttpRequest,
        caller: ApiCaller,
        body: web::Bytes,
    ) -> Result<HttpResponse, ApiError> {
        super::test(req, caller, body).await
    }

    #[utoipa::path(get, path = "/api/v1/deliveries", tag = "webhooks", params(DeliveryQuery),
        responses((status = 200, body = Paged<DeliveryView>)), security(("api_key" = [])))]
    pub async fn deliveries(
        req: HttpRequest,
        caller: ApiCaller,
        query: web::Query<DeliveryQuery>,
    ) -> Result<HttpResponse, ApiError> {
        super::deliveries(req, caller, query).await
    }

    #[utoipa::path(post, path = "/api/v1/deliveries/{delivery_id}/redeliver", tag = "webhooks",
        params(("delivery_id" = String, Path), ("Idempotency-Key" = Option<String>, Header)),
        responses((status = 202, body = AcceptedView), (status = 404, body = ErrorBody)), security(("api_key" = [])))]
    pub async fn redeliver(
        req: HttpRequest,
        caller: ApiCaller,
        body: web::Bytes,
    ) -> Result<HttpResponse, ApiError> {
        super::redeliver(req, caller, body).await
    }
}
