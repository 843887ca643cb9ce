//! `/livez` (the process answers) and `/readyz` (the database answers, migrations are
//! current, the scheduler and the dispatcher are alive).

use actix_web::{get, web, HttpResponse};
use serde::Serialize;

use crate::server::Parts;

#[get("/livez")]
pub async fn livez() -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain").body("ok\n")
}

#[derive(Debug, Serialize)]
struct Readiness {
    ready: bool,
    reasons: Vec<String>,
}

#[get("/readyz")]
pub async fn readyz(parts: web::Data<Parts>) -> HttpResponse {
    let parts = parts.into_inner();
    let reasons = web::block(move || parts.readiness_problems())
        .await
        .unwrap_or_else(|_| vec!["the readiness check could not run".to_owned()]);
    let body = Readiness {
        ready: reasons.is_empty(),
        reasons,
    };
    if body.ready {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable().json(body)
    }
}
