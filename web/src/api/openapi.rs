//! The OpenAPI 3.1 document, generated from the handlers' annotations and served at
//! `/api/v1/openapi.json`. The committed copy (`web/openapi.json`) is checked against it
//! by a test, so the published document never drifts from the code.

use actix_web::HttpResponse;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::error::{ErrorBody, ErrorDetail};
use super::views::*;
use super::{endpoints, media, posts, tenants};

struct ApiKeyAuth;

impl Modify for ApiKeyAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "api_key",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("An API key: `Authorization: Bearer hrld_…`"))
                    .build(),
            ),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Herald API",
        version = "1",
        description = "Publish to Facebook Pages and Instagram. Errors share one shape: \
            `{\"error\": {\"code\", \"message\", \"field\"}}`. Every create accepts an \
            `Idempotency-Key`. Lists are paged with `limit` and `cursor`."
    ),
    paths(
        tenants::create, tenants::list, tenants::get, tenants::accounts, tenants::connect_link,
        media::create, media::get,
        posts::create, posts::list, posts::get, posts::cancel, posts::retry,
        endpoints::create, endpoints::list, endpoints::get, endpoints::update, endpoints::delete,
        endpoints::rotate, endpoints::test, endpoints::deliveries, endpoints::redeliver,
        endpoints::agency::create, endpoints::agency::list, endpoints::agency::get,
        endpoints::agency::update, endpoints::agency::delete, endpoints::agency::rotate,
        endpoints::agency::test, endpoints::agency::deliveries, endpoints::agency::redeliver,
    ),
    components(schemas(
        ErrorBody, ErrorDetail, TenantView, AccountView, ConnectLinkView, MediaView,
        MediaFactsView, PostView, PostEventView, EndpointView, DeliveryView, AcceptedView,
        CreateTenant, CreateMediaFromUrl, CreatePost, EndpointInputBody,
    )),
    modifiers(&ApiKeyAuth),
    tags(
        (name = "tenants", description = "An agency's clients"),
        (name = "accounts", description = "Connected Facebook Pages and Instagram accounts"),
        (name = "media", description = "Images and videos, probed on arrival"),
        (name = "posts", description = "Posts and their timelines"),
        (name = "webhooks", description = "Signed callbacks (Standard Webhooks) and their log"),
    )
)]
pub struct ApiDoc;

/// The document as pretty JSON (what `web/openapi.json` holds).
pub fn document() -> String {
    ApiDoc::openapi()
        .to_pretty_json()
        .unwrap_or_else(|_| "{}".to_owned())
}

/// `GET /api/v1/openapi.json`.
pub async fn serve() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(document())
}
