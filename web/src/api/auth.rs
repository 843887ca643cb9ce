//! The API key extractor: `Authorization: Bearer <key>` becomes the [`Caller`] every
//! handler passes to the services. A missing, malformed, unknown or revoked key is a 401
//! with the same message, so a caller learns nothing about which keys exist.

use std::future::Future;
use std::pin::Pin;

use actix_web::{web, FromRequest, HttpRequest};

use super::error::ApiError;
use super::state::services_of;
use crate::services::{api_keys, Caller};

/// An authenticated API caller.
#[derive(Debug, Clone, Copy)]
pub struct ApiCaller(pub Caller);

fn bearer(req: &HttpRequest) -> Option<String> {
    let value = req
        .headers()
        .get(actix_web::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, key) = value.trim().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| key.trim().to_owned())
}

impl FromRequest for ApiCaller {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _payload: &mut actix_web::dev::Payload) -> Self::Future {
        let key = bearer(req);
        let services = services_of(req);
        Box::pin(async move {
            let services = services?;
            let Some(key) = key else {
                return Err(ApiError::unauthorized(
                    "send an API key as `Authorization: Bearer <key>`",
                ));
            };
            let caller = web::block(move || api_keys::authenticate(&services, &key)).await??;
            caller
                .map(ApiCaller)
                .ok_or_else(|| ApiError::unauthorized("the API key is not valid or was revoked"))
        })
    }
}
