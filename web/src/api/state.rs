//! Where handlers find the [`Services`]: in the shared `AppState`.

use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest};

use super::error::ApiError;
use crate::server::AppState;
use crate::services::Services;

/// The services, or a 503 when the server was started without them.
pub fn services_of(req: &HttpRequest) -> Result<Arc<Services>, ApiError> {
    req.app_data::<web::Data<AppState>>()
        .and_then(|state| state.services.clone())
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                "the API is not ready",
            )
        })
}
