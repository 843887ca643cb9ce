//! `Idempotency-Key` on every create: the first request with a key runs and its answer is
//! kept; the same key with the same request (method, path and body) gets that answer
//! again (with `Idempotent-Replayed: true`); the same key with another request is a 409
//! `idempotency_key_reused`; a repeat while the first still runs is a 409
//! `idempotency_key_in_use`. Errors are not kept: a request refused for its input can be
//! corrected and sent again with the same key, and a failed one retried.
//! A `secret` in an answer is never kept: its replay carries everything else.

use std::future::Future;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use herald_platform::store::idempotency_api::{self, IdempotencyClaim};
use sha2::{Digest, Sha256};

use super::error::ApiError;
use super::state::services_of;
use crate::services::Caller;

/// This server process's id in the claims it makes: a claim left by another process that
/// died can be taken over (see `claim_idempotency`).
fn process_id() -> &'static str {
    static ID: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    ID.get_or_init(|| format!("proc_{}", uuid::Uuid::new_v4().simple()))
}

/// The request header.
pub const HEADER: &str = "Idempotency-Key";

/// The header marking a replayed answer.
pub const REPLAYED_HEADER: &str = "Idempotent-Replayed";

/// A created resource: the status (201, 202) and the JSON body.
pub type Created = (StatusCode, serde_json::Value);

fn key_of(req: &HttpRequest) -> Result<Option<String>, ApiError> {
    let Some(value) = req.headers().get(HEADER) else {
        return Ok(None);
    };
    let bad = || {
        ApiError::bad_request(
            Some(HEADER.into()),
            "must be 1 to 255 visible ASCII characters",
        )
    };
    let key = value.to_str().map_err(|_| bad())?.trim().to_owned();
    if key.is_empty() || key.len() > 255 || !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(bad());
    }
    Ok(Some(key))
}

fn request_hash(req: &HttpRequest, body: &[u8]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(req.method().as_str().as_bytes());
    hasher.update(b" ");
    hasher.update(req.path().as_bytes());
    hasher.update(b"\n");
    hasher.update(body);
    hex::encode(hasher.finalize())
}

/// What is kept for replays: the answer without its `secret` (a webhook signing secret is
/// shown once and never stored in clear; a replay answers the same object without it).
fn stored_form(mut value: serde_json::Value) -> String {
    if let Some(object) = value.as_object_mut() {
        object.remove("secret");
    }
    value.to_string()
}

fn respond(status: StatusCode, body: &serde_json::Value) -> HttpResponse {
    HttpResponse::build(status).json(body)
}

/// Runs `create` at most once per idempotency key.
pub async fn idempotent<F, Fut>(
    req: &HttpRequest,
    caller: &Caller,
    body: &[u8],
    create: F,
) -> Result<HttpResponse, ApiError>
where
    F: FnOnce(Option<String>) -> Fut,
    Fut: Future<Output = Result<Created, ApiError>>,
{
    let Some(key) = key_of(req)? else {
        let (status, value) = create(None).await?;
        return Ok(respond(status, &value));
    };
    let services = services_of(req)?;
    let agency = caller.agency;
    let hash = request_hash(req, body);

    let claim = {
        let (services, key) = (services.clone(), key.clone());
        web::block(move || {
            let now = services.clock.now();
            idempotency_api::claim_idempotency(
                &mut *services.conn()?,
                agency,
                &key,
                &hash,
                process_id(),
                now,
            )
            .map_err(crate::services::ServiceError::from)
        })
        .await??
    };
    match claim {
        IdempotencyClaim::Replay { status, body } => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
            return Ok(HttpResponse::build(status)
                .insert_header((REPLAYED_HEADER, "true"))
                .content_type("application/json")
                .body(body));
        }
        IdempotencyClaim::Mismatch => {
            return Err(ApiError::conflict(
                "idempotency_key_reused",
                "this Idempotency-Key was used for a different request",
            )
            .with_field(HEADER))
        }
        IdempotencyClaim::InProgress => {
            return Err(ApiError::conflict(
                "idempotency_key_in_use",
                "a request with this Idempotency-Key is still running; try again shortly",
            )
            .with_field(HEADER))
        }
        IdempotencyClaim::New => {}
    }

    let result = create(Some(key.clone())).await;
    let (status, value) = match &result {
        Ok((status, value)) => (*status, value.clone()),
        // Nothing was created: refused input (fix it and retry with the same key) or an
        // unexpected failure (retry as is). Only a created resource is kept for replays.
        Err(_) => {
            let _ = web::block(move || {
                idempotency_api::release_idempotency(&mut *services.conn()?, agency, &key)
                    .map_err(crate::services::ServiceError::from)
            })
            .await;
            return result.map(|(s, v)| respond(s, &v));
        }
    };
    let stored = stored_form(value);
    web::block(move || {
        idempotency_api::finish_idempotency(
            &mut *services.conn()?,
            agency,
            &key,
            status.as_u16(),
            &stored,
        )
        .map_err(crate::services::ServiceError::from)
    })
    .await??;
    result.map(|(s, v)| respond(s, &v))
}
