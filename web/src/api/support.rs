//! Small helpers every handler uses: running a blocking service call, reading ids from
//! the path.

use actix_web::{web, HttpRequest};

use super::error::ApiError;
use super::state::services_of;
use crate::services::{ServiceResult, Services};
use std::sync::Arc;

/// Runs a blocking service call on the blocking pool.
pub async fn run<T: Send + 'static>(
    req: &HttpRequest,
    work: impl FnOnce(&Services) -> ServiceResult<T> + Send + 'static,
) -> Result<T, ApiError> {
    let services: Arc<Services> = services_of(req)?;
    Ok(web::block(move || work(&services)).await??)
}

/// An id from the path. A malformed id is "not found", like an id of another tenant.
pub fn path_id<T: std::str::FromStr>(
    what: &'static str,
    field: &str,
    text: &str,
) -> Result<T, ApiError> {
    text.parse()
        .map_err(|_| ApiError::not_found(what).with_field(field))
}
