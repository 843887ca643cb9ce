//! `/api/v1/tenants/{tenant_id}/media` (upload a file, or have Herald fetch a URL) and the
//! public, signed `/media/{media_id}` that Meta fetches files from.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use futures_util::StreamExt;
use herald_platform::ids::{MediaId, TenantId};
use serde::Deserialize;

use super::auth::ApiCaller;
use super::body::Fields;
use super::error::{ApiError, ErrorBody};
use super::idempotency::idempotent;
use super::state::services_of;
use super::support::{path_id, run};
use super::views::{CreateMediaFromUrl, MediaView};
use crate::services::media as media_service;

/// Uploads a file (`multipart/form-data`, field `file`) or asks Herald to fetch one
/// (`{"url"}`); answers with the probed facts.
#[utoipa::path(post, path = "/api/v1/tenants/{tenant_id}/media", tag = "media",
    params(("tenant_id" = String, Path), ("Idempotency-Key" = Option<String>, Header)),
    request_body(content = CreateMediaFromUrl, description = "JSON with a URL, or multipart/form-data with a `file` part"),
    responses((status = 201, body = MediaView), (status = 422, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("api_key" = [])))]
pub async fn create(
    req: HttpRequest,
    caller: ApiCaller,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let tenant: TenantId = path_id("tenant", "tenant_id", &path)?;
    let caller = caller.0;
    idempotent(&req, &caller, &body, |_| async {
        let services = services_of(&req)?;
        let record = if is_multipart(&req) {
            let bytes = multipart_file(&req, body.clone()).await?;
            run(&req, move |s| {
                media_service::create_media_from_bytes(s, &caller, tenant, &bytes, None)
            })
            .await?
        } else {
            let fields = Fields::parse(&body)?;
            fields.deny_unknown(&["url"])?;
            let url = fields.required_str("url")?;
            // The tenant is checked before anything is fetched for it.
            run(&req, move |s| caller.tenant(&mut *s.conn()?, tenant)).await?;
            media_service::create_media_from_url(&services, &caller, tenant, &url).await?
        };
        Ok((
            StatusCode::CREATED,
            serde_json::to_value(MediaView::from(record)).unwrap_or_default(),
        ))
    })
    .await
}

fn is_multipart(req: &HttpRequest) -> bool {
    req.headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("multipart/form-data"))
}

/// The bytes of the `file` part of a multipart body.
async fn multipart_file(req: &HttpRequest, body: web::Bytes) -> Result<Vec<u8>, ApiError> {
    let stream =
        futures_util::stream::once(async move { Ok::<_, actix_web::error::PayloadError>(body) });
    let mut multipart = actix_multipart::Multipart::new(req.headers(), stream);
    while let Some(field) = multipart.next().await {
        let mut field =
            field.map_err(|err| ApiError::bad_request(Some("file".into()), err.to_string()))?;
        if field.name() != Some("file") {
            continue;
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk =
                chunk.map_err(|err| ApiError::bad_request(Some("file".into()), err.to_string()))?;
            bytes.extend_from_slice(&chunk);
        }
        return Ok(bytes);
    }
    Err(ApiError::invalid(
        "file",
        "a multipart part named `file` is required",
    ))
}

/// One media file of the tenant.
#[utoipa::path(get, path = "/api/v1/tenants/{tenant_id}/media/{media_id}", tag = "media",
    params(("tenant_id" = String, Path), ("media_id" = String, Path)),
    responses((status = 200, body = MediaView), (status = 404, body = ErrorBody)), security(("api_key" = [])))]
pub async fn get(
    req: HttpRequest,
    caller: ApiCaller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let tenant: TenantId = path_id("tenant", "tenant_id", &path.0)?;
    let media: MediaId = path_id("media", "media_id", &path.1)?;
    let record = run(&req, move |s| {
        media_service::get_media(s, &caller.0, tenant, media)
    })
    .await?;
    Ok(HttpResponse::Ok().json(MediaView::from(record)))
}

/// The signature of a served media URL.
#[derive(Debug, Deserialize)]
pub struct SignedQuery {
    expires: i64,
    sig: String,
}

/// Serves a media file to whoever holds a valid signed URL (Meta's fetchers).
pub async fn serve(
    req: HttpRequest,
    path: web::Path<String>,
    query: Option<web::Query<SignedQuery>>,
) -> Result<HttpResponse, ApiError> {
    let media: MediaId = path_id("media", "media_id", &path)?;
    let Some(query) = query else {
        return Err(ApiError::not_found("media"));
    };
    let query = query.into_inner();
    let (bytes, mime) = run(&req, move |s| {
        media_service::open_signed(s, media, query.expires, &query.sig)
    })
    .await?;
    Ok(HttpResponse::Ok()
        .content_type(mime)
        .insert_header(("cache-control", "private, max-age=3600"))
        .body(bytes))
}
