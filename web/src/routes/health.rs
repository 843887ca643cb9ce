//! `/livez` (the process answers) and `/readyz` (the database answers, migrations are
//! current, the scheduler and the dispatcher are alive). `/readyz` also names the node and
//! how many tenants it holds leases on (scale-out), never which ones: it is unauthenticated.

use actix_web::{get, web, HttpResponse};
use herald_platform::store::leases;
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
    #[serde(skip_serializing_if = "Option::is_none")]
    node: Option<NodeLeases>,
}

/// Which node answered, and how many tenant leases it holds now.
#[derive(Debug, Serialize)]
struct NodeLeases {
    id: String,
    tenants_held: usize,
}

fn node_leases(parts: &Parts) -> Option<NodeLeases> {
    let (engine, store) = (parts.engine.as_ref()?, parts.store.as_ref()?);
    let node = engine.node_id();
    let mut conn = store.conn().ok()?;
    let held = leases::held_by(&mut conn, node, chrono::Utc::now()).ok()?;
    Some(NodeLeases {
        id: node.to_string(),
        tenants_held: held.len(),
    })
}

#[get("/readyz")]
pub async fn readyz(parts: web::Data<Parts>) -> HttpResponse {
    let parts = parts.into_inner();
    let (reasons, node) = web::block(move || (parts.readiness_problems(), node_leases(&parts)))
        .await
        .unwrap_or_else(|_| {
            let reasons = vec!["the readiness check could not run".to_owned()];
            (reasons, None)
        });
    let body = Readiness {
        ready: reasons.is_empty(),
        reasons,
        node,
    };
    if body.ready {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable().json(body)
    }
}
