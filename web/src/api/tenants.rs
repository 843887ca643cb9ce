//! `/api/v1/tenants`, a tenant's accounts, and its connect links.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use herald_platform::ids::TenantId;

use super::auth::ApiCaller;
use super::body::Fields;
use super::error::{ApiError, ErrorBody};
use super::idempotency::idempotent;
use super::pagination::{PageQuery, Paged};
use super::support::{path_id, run};
use super::views::{AccountView, ConnectLinkView, CreateTenant, TenantView};
use crate::services::{connect_links, tenants};
use herald_platform::store::accounts_api;

/// Creates a tenant.
#[utoipa::path(post, path = "/api/v1/tenants", tag = "tenants",
    request_body = CreateTenant,
    params(("Idempotency-Key" = Option<String>, Header, description = "Replays the first answer for the same request")),
    responses((status = 201, body = TenantView), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("api_key" = [])))]
pub async fn create(
    req: HttpRequest,
    caller: ApiCaller,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let caller = caller.0;
    idempotent(&req, &caller, &body, |_| async {
        let fields = Fields::parse(&body)?;
        fields.deny_unknown(&["name"])?;
        let name = fields.required_str("name")?;
        let tenant = run(&req, move |s| tenants::create_tenant(s, &caller, &name)).await?;
        Ok((
            StatusCode::CREATED,
            serde_json::to_value(TenantView::from(tenant)).unwrap_or_default(),
        ))
    })
    .await
}

/// Lists the tenants the key may see.
#[utoipa::path(get, path = "/api/v1/tenants", tag = "tenants", params(PageQuery),
    responses((status = 200, body = Paged<TenantView>)), security(("api_key" = [])))]
pub async fn list(
    req: HttpRequest,
    caller: ApiCaller,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = query.page()?;
    let (after, limit) = (page.after.clone(), page.limit);
    let rows = run(&req, move |s| {
        tenants::list_tenants(s, &caller.0, after.as_deref(), limit + 1)
    })
    .await?;
    let paged = Paged::from_rows(rows, page.limit, |t| t.id.to_db(), TenantView::from);
    Ok(HttpResponse::Ok().json(paged))
}

/// One tenant.
#[utoipa::path(get, path = "/api/v1/tenants/{tenant_id}", tag = "tenants",
    params(("tenant_id" = String, Path)),
    responses((status = 200, body = TenantView), (status = 404, body = ErrorBody)), security(("api_key" = [])))]
pub async fn get(
    req: HttpRequest,
    caller: ApiCaller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let tenant: TenantId = path_id("tenant", "tenant_id", &path)?;
    let record = run(&req, move |s| tenants::get_tenant(s, &caller.0, tenant)).await?;
    Ok(HttpResponse::Ok().json(TenantView::from(record)))
}

/// The tenant's connected Pages and IG accounts.
#[utoipa::path(get, path = "/api/v1/tenants/{tenant_id}/accounts", tag = "accounts",
    params(("tenant_id" = String, Path), PageQuery),
    responses((status = 200, body = Paged<AccountView>), (status = 404, body = ErrorBody)), security(("api_key" = [])))]
pub async fn accounts(
    req: HttpRequest,
    caller: ApiCaller,
    path: web::Path<String>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let tenant: TenantId = path_id("tenant", "tenant_id", &path)?;
    let page = query.page()?;
    let (after, limit) = (page.after.clone(), page.limit);
    let rows = run(&req, move |s| {
        let mut conn = s.conn()?;
        caller.0.tenant(&mut conn, tenant)?;
        Ok(accounts_api::list_tenant_accounts(
            &mut conn,
            tenant,
            after.as_deref(),
            limit + 1,
        )?)
    })
    .await?;
    Ok(HttpResponse::Ok().json(Paged::from_rows(
        rows,
        page.limit,
        |a| a.id.to_db(),
        AccountView::from,
    )))
}

/// A link the client opens to connect Meta accounts to this tenant.
#[utoipa::path(post, path = "/api/v1/tenants/{tenant_id}/connect-links", tag = "tenants",
    params(("tenant_id" = String, Path), ("Idempotency-Key" = Option<String>, Header)),
    responses((status = 201, body = ConnectLinkView), (status = 404, body = ErrorBody)), security(("api_key" = [])))]
pub async fn connect_link(
    req: HttpRequest,
    caller: ApiCaller,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let tenant: TenantId = path_id("tenant", "tenant_id", &path)?;
    let caller = caller.0;
    idempotent(&req, &caller, &body, |_| async {
        Fields::parse(&body)?.deny_unknown(&[])?;
        let link = run(&req, move |s| {
            connect_links::create_connect_link(s, &caller, tenant)
        })
        .await?;
        let view = ConnectLinkView {
            url: link.url,
            expires_at: link.expires_at,
        };
        Ok((
            StatusCode::CREATED,
            serde_json::to_value(view).unwrap_or_default(),
        ))
    })
    .await
}
