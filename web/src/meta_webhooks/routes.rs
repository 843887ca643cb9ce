//! The `/webhooks/meta` routes.

use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use herald_platform::store::{accounts_api, meta_inbound_api, tenants_api};
use herald_platform::webhooks::{queue, EventType};
use rand::RngCore;
use serde_json::Value;
use subtle::ConstantTimeEq;

use super::events::{changes, Change};
use super::{signature, signed_request, MetaInbound};
use crate::server::AppState;
use crate::services::{ServiceResult, Services};

/// Largest notification body accepted.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// Mounts `/webhooks/meta/*`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/webhooks/meta")
            .app_data(web::PayloadConfig::new(MAX_BODY_BYTES))
            .route("", web::get().to(subscribe))
            .route("", web::post().to(notify))
            .route("/deauthorize", web::post().to(deauthorize))
            .route("/data-deletion", web::post().to(data_deletion))
            .route("/deletion/{code}", web::get().to(deletion_status)),
    );
}

fn plain(status: StatusCode, text: &str) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("text/plain; charset=utf-8")
        .body(text.to_owned())
}

fn parts(req: &HttpRequest) -> Option<(Arc<MetaInbound>, Arc<Services>, String)> {
    let state = req.app_data::<web::Data<AppState>>()?;
    Some((
        state.meta_inbound.clone()?,
        state.services.clone()?,
        state.settings.public_url.clone(),
    ))
}

/// `GET /webhooks/meta`: Meta's subscription check.
async fn subscribe(req: HttpRequest) -> HttpResponse {
    let Some((meta, _, _)) = parts(&req) else {
        return plain(StatusCode::NOT_FOUND, "not found");
    };
    let query: Vec<(String, String)> = url::form_urlencoded::parse(req.query_string().as_bytes())
        .into_owned()
        .collect();
    let get = |name: &str| {
        query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let token_ok = get("hub.verify_token").is_some_and(|given| {
        bool::from(
            given
                .as_bytes()
                .ct_eq(meta.verify_token.expose().as_bytes()),
        )
    });
    match (get("hub.mode"), token_ok, get("hub.challenge")) {
        (Some("subscribe"), true, Some(challenge)) => plain(StatusCode::OK, challenge),
        _ => plain(StatusCode::FORBIDDEN, "verification failed"),
    }
}

/// `POST /webhooks/meta`: verified, stored once, answered at once, processed after.
async fn notify(req: HttpRequest, body: web::Bytes) -> HttpResponse {
    let Some((meta, services, _)) = parts(&req) else {
        return plain(StatusCode::NOT_FOUND, "not found");
    };
    let header = req
        .headers()
        .get(signature::SIGNATURE_HEADER)
        .and_then(|v| v.to_str().ok());
    if let Err(err) = signature::verify(meta.app_secret.expose().as_bytes(), header, &body) {
        tracing::info!(reason = %err, "refused a Meta notification");
        return plain(StatusCode::UNAUTHORIZED, "invalid signature");
    }
    let Ok(value) = serde_json::from_slice::<Value>(&body) else {
        return plain(StatusCode::BAD_REQUEST, "the body is not JSON");
    };

    let found = changes(&value);
    let store_services = services.clone();
    let stored = web::block(move || store_new(&store_services, found)).await;
    let new = match stored {
        Ok(Ok(new)) => new,
        Ok(Err(err)) => {
            tracing::error!(error = %err, "could not store a Meta notification");
            return plain(StatusCode::SERVICE_UNAVAILABLE, "try again");
        }
        Err(err) => {
            tracing::error!(error = %err, "could not store a Meta notification");
            return plain(StatusCode::SERVICE_UNAVAILABLE, "try again");
        }
    };

    if !new.is_empty() {
        actix_web::rt::spawn(async move {
            let result = web::block(move || process(&services, &new)).await;
            if let Ok(Err(err)) = result {
                tracing::error!(error = %err, "could not process a Meta notification");
            }
        });
    }
    plain(StatusCode::OK, "EVENT_RECEIVED")
}

/// Stores each change unless already stored; returns the new ones.
fn store_new(s: &Services, found: Vec<Change>) -> ServiceResult<Vec<Change>> {
    let mut conn = s.conn()?;
    let now = s.clock.now();
    let mut new = Vec::new();
    for change in found {
        let payload = serde_json::json!({
            "object": change.object, "id": change.account_external_id,
            "field": change.field, "value": change.value,
        });
        let object = change.object.clone();
        if meta_inbound_api::insert_inbound_once(
            &mut conn,
            &change.dedup_key,
            &object,
            &payload.to_string(),
            now,
        )? {
            new.push(change);
        }
    }
    Ok(new)
}

/// Maps each change to the tenants holding its account and forwards comments.
fn process(s: &Services, changes: &[Change]) -> ServiceResult<()> {
    let mut conn = s.conn()?;
    let now = s.clock.now();
    for change in changes {
        if let Some(comment) = change.comment() {
            for account in
                accounts_api::accounts_by_external_id(&mut conn, &change.account_external_id)?
            {
                let agency = tenants_api::agency_of_tenant(&mut conn, account.tenant_id)?;
                let mut data = comment.clone();
                data["tenant_id"] = Value::String(account.tenant_id.to_string());
                data["account_id"] = Value::String(account.id.to_string());
                let tenant_db = account.tenant_id.to_db();
                queue::insert_event(
                    &mut conn,
                    &agency.to_db(),
                    Some(&tenant_db),
                    EventType::CommentReceived,
                    &data,
                    now,
                )?;
            }
        }
        meta_inbound_api::mark_inbound_processed(&mut conn, &change.dedup_key, now)?;
    }
    (s.wake_dispatcher)();
    Ok(())
}

fn read_signed_request(
    meta: &MetaInbound,
    body: &[u8],
    s: &Services,
) -> Result<signed_request::SignedRequest, Box<HttpResponse>> {
    let field = url::form_urlencoded::parse(body)
        .find(|(k, _)| k == "signed_request")
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default();
    signed_request::verify(meta.app_secret.expose().as_bytes(), &field, s.clock.now()).map_err(|err| {
        tracing::info!(reason = %err, "refused a Meta signed_request");
        Box::new(HttpResponse::BadRequest().json(serde_json::json!({
            "error": {"code": "invalid_signed_request", "message": err.to_string(), "field": "signed_request"}
        })))
    })
}

/// Tells the agency about each account of a Meta user (before it changes or goes).
fn announce_accounts(s: &Services, meta_user_id: &str, reason: &str) -> ServiceResult<usize> {
    let mut conn = s.conn()?;
    let now = s.clock.now();
    let accounts = meta_inbound_api::accounts_of_meta_user(&mut conn, meta_user_id)?;
    for (tenant, account) in &accounts {
        let agency = tenants_api::agency_of_tenant(&mut conn, *tenant)?;
        let data = serde_json::json!({
            "tenant_id": tenant.to_string(), "account_id": account.to_string(), "reason": reason,
        });
        let tenant_db = tenant.to_db();
        queue::insert_event(
            &mut conn,
            &agency.to_db(),
            Some(&tenant_db),
            EventType::AccountDisconnected,
            &data,
            now,
        )?;
    }
    Ok(accounts.len())
}

/// `POST /webhooks/meta/deauthorize`: the user removed the app; their connections stop.
async fn deauthorize(req: HttpRequest, body: web::Bytes) -> HttpResponse {
    let Some((meta, services, _)) = parts(&req) else {
        return plain(StatusCode::NOT_FOUND, "not found");
    };
    let signed = match read_signed_request(&meta, &body, &services) {
        Ok(signed) => signed,
        Err(answer) => return *answer,
    };
    let result = web::block(move || -> ServiceResult<usize> {
        let count = announce_accounts(
            &services,
            &signed.user_id,
            "the user removed the app at Meta",
        )?;
        meta_inbound_api::disconnect_meta_user(
            &mut *services.conn()?,
            &signed.user_id,
            services.clock.now(),
        )?;
        (services.wake_dispatcher)();
        Ok(count)
    })
    .await;
    match result {
        Ok(Ok(_)) => HttpResponse::Ok().json(serde_json::json!({"ok": true})),
        other => {
            tracing::error!(error = ?other.err(), "deauthorize failed");
            plain(StatusCode::SERVICE_UNAVAILABLE, "try again")
        }
    }
}

/// `POST /webhooks/meta/data-deletion`: deletes the user's connections (and with them
/// their accounts and posts), answering with a status URL and a confirmation code.
async fn data_deletion(req: HttpRequest, body: web::Bytes) -> HttpResponse {
    let Some((meta, services, public_url)) = parts(&req) else {
        return plain(StatusCode::NOT_FOUND, "not found");
    };
    let signed = match read_signed_request(&meta, &body, &services) {
        Ok(signed) => signed,
        Err(answer) => return *answer,
    };
    let mut bytes = [0u8; 12];
    rand::thread_rng().fill_bytes(&mut bytes);
    let code = hex::encode(bytes);
    let stored_code = code.clone();
    let result = web::block(move || -> ServiceResult<()> {
        announce_accounts(
            &services,
            &signed.user_id,
            "the user asked Meta to delete their data",
        )?;
        let mut conn = services.conn()?;
        let deleted = meta_inbound_api::delete_meta_user(&mut conn, &signed.user_id)?;
        let now = services.clock.now();
        let record = serde_json::json!({"status": "completed", "connections_deleted": deleted});
        let key = format!("deletion:{stored_code}");
        meta_inbound_api::insert_inbound_once(
            &mut conn,
            &key,
            "data_deletion",
            &record.to_string(),
            now,
        )?;
        meta_inbound_api::mark_inbound_processed(&mut conn, &key, now)?;
        (services.wake_dispatcher)();
        Ok(())
    })
    .await;
    match result {
        Ok(Ok(())) => HttpResponse::Ok().json(serde_json::json!({
            "url": format!("{public_url}/webhooks/meta/deletion/{code}"),
            "confirmation_code": code,
        })),
        other => {
            tracing::error!(error = ?other.err(), "data deletion failed");
            plain(StatusCode::SERVICE_UNAVAILABLE, "try again")
        }
    }
}

/// `GET /webhooks/meta/deletion/{code}`: the status page Meta links the user to.
async fn deletion_status(req: HttpRequest, path: web::Path<String>) -> HttpResponse {
    let Some((_, services, _)) = parts(&req) else {
        return plain(StatusCode::NOT_FOUND, "not found");
    };
    let code = path.into_inner();
    if code.len() != 24 || !code.bytes().all(|b| b.is_ascii_hexdigit()) {
        return plain(StatusCode::NOT_FOUND, "no deletion request with this code");
    }
    let key = format!("deletion:{code}");
    let found = web::block(move || -> ServiceResult<_> {
        Ok(meta_inbound_api::get_inbound(&mut *services.conn()?, &key)?)
    })
    .await;
    match found {
        Ok(Ok(Some((_, received, done)))) => {
            let status = if done.is_some() {
                "completed"
            } else {
                "in progress"
            };
            let html = format!(
                "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Data deletion</title></head>\
                 <body><h1>Data deletion request</h1><p>Confirmation code: <code>{code}</code></p>\
                 <p>Received: {}</p><p>Status: <strong>{status}</strong></p></body></html>",
                received.to_rfc3339()
            );
            HttpResponse::Ok()
                .content_type("text/html; charset=utf-8")
                .body(html)
        }
        Ok(Ok(None)) => plain(StatusCode::NOT_FOUND, "no deletion request with this code"),
        _ => plain(StatusCode::SERVICE_UNAVAILABLE, "try again"),
    }
}
