//! The REST API, `/api/v1`: JSON over HTTP with API keys, for client developers and
//! their systems. Handlers are thin: they read the request (every mistake naming its
//! field), call [`crate::services`], and answer in the one documented shape
//! ([`error::ApiError`]). Also serves signed media URLs at `/media/{media_id}`.

pub mod auth;
pub mod body;
pub mod endpoints;
pub mod error;
pub mod idempotency;
pub mod media;
pub mod openapi;
pub mod pagination;
pub mod posts;
pub mod state;
pub mod support;
pub mod tenants;
pub mod views;

use actix_web::body::EitherBody;
use actix_web::dev::ServiceResponse;
use actix_web::http::{header, StatusCode};
use actix_web::middleware::{ErrorHandlerResponse, ErrorHandlers};
use actix_web::{web, HttpResponse, ResponseError};

use crate::services::context::DEFAULT_MAX_MEDIA_BYTES;
use error::ApiError;

/// Largest JSON body.
pub const MAX_JSON_BYTES: usize = 1024 * 1024;

/// A body over a route's limit is refused by actix before any handler runs, in plain text;
/// this answers it in the API's one error shape instead, with the limit in words.
fn too_large<B>(res: ServiceResponse<B>) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let is_json = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if is_json {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    let (req, _) = res.into_parts();
    let limit = if req.path().ends_with("/media") {
        usize::try_from(DEFAULT_MAX_MEDIA_BYTES).unwrap_or(usize::MAX)
    } else {
        MAX_JSON_BYTES
    };
    let error = ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
        format!(
            "the request body is larger than the {} MiB this route accepts",
            limit / (1024 * 1024)
        ),
    )
    .with_field("body");
    let response = ServiceResponse::new(req, error.error_response());
    Ok(ErrorHandlerResponse::Response(
        response.map_body(|_, body| EitherBody::right(body)),
    ))
}

async fn unknown_route() -> Result<HttpResponse, ApiError> {
    Err(ApiError::not_found("route"))
}

/// Mounts `/api/v1/*` and `/media/{media_id}`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    let media_limit = usize::try_from(DEFAULT_MAX_MEDIA_BYTES).unwrap_or(usize::MAX);
    cfg.route("/media/{media_id}", web::get().to(media::serve));
    cfg.service(
        web::scope("/api/v1")
            .wrap(ErrorHandlers::new().handler(StatusCode::PAYLOAD_TOO_LARGE, too_large))
            .app_data(web::PayloadConfig::new(MAX_JSON_BYTES))
            .route("/openapi.json", web::get().to(openapi::serve))
            .route("/tenants", web::get().to(tenants::list))
            .route("/tenants", web::post().to(tenants::create))
            .route("/tenants/{tenant_id}", web::get().to(tenants::get))
            .route(
                "/tenants/{tenant_id}/accounts",
                web::get().to(tenants::accounts),
            )
            .route(
                "/tenants/{tenant_id}/connect-links",
                web::post().to(tenants::connect_link),
            )
            .service(
                web::resource("/tenants/{tenant_id}/media")
                    .app_data(web::PayloadConfig::new(media_limit))
                    .route(web::post().to(media::create)),
            )
            .route(
                "/tenants/{tenant_id}/media/{media_id}",
                web::get().to(media::get),
            )
            .route("/tenants/{tenant_id}/posts", web::get().to(posts::list))
            .route("/tenants/{tenant_id}/posts", web::post().to(posts::create))
            .route(
                "/tenants/{tenant_id}/posts/{post_id}",
                web::get().to(posts::get),
            )
            .route(
                "/tenants/{tenant_id}/posts/{post_id}/cancel",
                web::post().to(posts::cancel),
            )
            .route(
                "/tenants/{tenant_id}/posts/{post_id}/retry",
                web::post().to(posts::retry),
            )
            .configure(|c| endpoint_routes(c, "/tenants/{tenant_id}"))
            .configure(|c| endpoint_routes(c, ""))
            .default_service(web::to(unknown_route)),
    );
}

/// The webhook endpoint and delivery routes under `prefix` (a tenant, or the agency).
fn endpoint_routes(cfg: &mut web::ServiceConfig, prefix: &str) {
    let at = |path: &str| format!("{prefix}{path}");
    cfg.route(&at("/webhook-endpoints"), web::get().to(endpoints::list))
        .route(&at("/webhook-endpoints"), web::post().to(endpoints::create))
        .route(
            &at("/webhook-endpoints/{endpoint_id}"),
            web::get().to(endpoints::get),
        )
        .route(
            &at("/webhook-endpoints/{endpoint_id}"),
            web::patch().to(endpoints::update),
        )
        .route(
            &at("/webhook-endpoints/{endpoint_id}"),
            web::delete().to(endpoints::delete),
        )
        .route(
            &at("/webhook-endpoints/{endpoint_id}/rotate-secret"),
            web::post().to(endpoints::rotate),
        )
        .route(
            &at("/webhook-endpoints/{endpoint_id}/test"),
            web::post().to(endpoints::test),
        )
        .route(&at("/deliveries"), web::get().to(endpoints::deliveries))
        .route(
            &at("/deliveries/{delivery_id}/redeliver"),
            web::post().to(endpoints::redeliver),
        );
}
