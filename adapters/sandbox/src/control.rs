//! The control API under `/_sandbox/`: test users, faults, clock, token invalidation,
//! settings, ledger, request log, Page roles and reset. Webhook controls live in
//! `webhooks.rs`.

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::faults::FaultRule;
use crate::state::{IdKind, IgAccount, Page, Shared, TokenKind, User};
use crate::tokens::{self, DEFAULT_SCOPES, IG_LOGIN_SCOPES};
use crate::webhooks;

/// `{"error": {"code", "message", "field"}}` with 400.
pub fn bad(field: &str, message: impl Into<String>) -> HttpResponse {
    HttpResponse::BadRequest()
        .json(json!({"error": {"code": "invalid", "field": field, "message": message.into()}}))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewPage {
    pub name: String,
    #[serde(default)]
    pub instagram: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    pub name: String,
    #[serde(default)]
    pub pages: Vec<NewPage>,
    #[serde(default)]
    pub instagram_login: bool,
}

fn username_of(name: &str, n: u64) -> String {
    let base: String = name
        .to_ascii_lowercase()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect();
    format!("{}_{n}", if base.is_empty() { "account" } else { &base })
}

/// Creates a user with Pages (and linked IG accounts), all granted, and answers the user's
/// long-lived token with a Page token per Page.
pub fn create_user(shared: &Shared, spec: NewUser) -> Value {
    let now = shared.clock.now();
    let user_id = shared.id(IdKind::User);
    let mut inner = shared.lock();
    let mut page_ids = Vec::new();
    let mut ig_ids = Vec::new();
    for p in &spec.pages {
        let page_id = shared.id(IdKind::Page);
        let ig = p.instagram.then(|| {
            let ig_id = shared.id(IdKind::Ig);
            let username = username_of(&p.name, shared.next());
            inner.igs.insert(
                ig_id.clone(),
                IgAccount {
                    id: ig_id.clone(),
                    username,
                    page: Some(page_id.clone()),
                },
            );
            ig_ids.push(ig_id.clone());
            ig_id
        });
        inner.pages.insert(
            page_id.clone(),
            Page {
                id: page_id.clone(),
                name: p.name.clone(),
                roles: vec![user_id.clone()],
                ig,
            },
        );
        page_ids.push(page_id);
    }
    let ig_login = spec.instagram_login.then(|| {
        ig_ids.first().cloned().unwrap_or_else(|| {
            let ig_id = shared.id(IdKind::Ig);
            let username = username_of(&spec.name, shared.next());
            inner.igs.insert(
                ig_id.clone(),
                IgAccount {
                    id: ig_id.clone(),
                    username,
                    page: None,
                },
            );
            ig_id
        })
    });
    inner.users.insert(
        user_id.clone(),
        User {
            id: user_id.clone(),
            name: spec.name.clone(),
            pages: page_ids.clone(),
            ig_login: ig_login.clone(),
        },
    );

    let scopes: Vec<String> = DEFAULT_SCOPES.iter().map(|s| s.to_string()).collect();
    let user_token = tokens::user_token(
        &mut inner,
        now,
        TokenKind::UserLong,
        &user_id,
        None,
        scopes,
        page_ids.clone(),
        ig_ids.clone(),
    );
    let mut pages = Vec::new();
    for pid in &page_ids {
        let token = tokens::page_token(&mut inner, &user_token, pid, now);
        let Some(page) = inner.pages.get(pid) else {
            continue;
        };
        let ig = page
            .ig
            .as_ref()
            .and_then(|i| inner.igs.get(i))
            .map(|a| json!({"id": a.id, "username": a.username}));
        pages.push(json!({
            "id": pid, "name": page.name, "access_token": token,
            "instagram_business_account": ig,
        }));
    }
    let mut out =
        json!({"id": user_id, "name": spec.name, "access_token": user_token, "pages": pages});
    if let Some(ig) = ig_login {
        let scopes: Vec<String> = IG_LOGIN_SCOPES.iter().map(|s| s.to_string()).collect();
        let token = tokens::user_token(
            &mut inner,
            now,
            TokenKind::IgLong,
            &user_id,
            Some(ig.clone()),
            scopes,
            Vec::new(),
            vec![ig.clone()],
        );
        let username = inner.igs.get(&ig).map(|a| a.username.clone());
        out["instagram_login"] = json!({"id": ig, "username": username, "access_token": token});
    }
    out
}

async fn post_user(shared: web::Data<Shared>, body: web::Bytes) -> HttpResponse {
    match serde_json::from_slice::<NewUser>(&body) {
        Ok(spec) if spec.name.trim().is_empty() => bad("name", "must not be empty"),
        Ok(spec) => HttpResponse::Created().json(create_user(&shared, spec)),
        Err(e) => bad("body", e.to_string()),
    }
}

async fn post_fault(shared: web::Data<Shared>, body: web::Bytes) -> HttpResponse {
    let rule: FaultRule = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => return bad("body", e.to_string()),
    };
    if let Err(e) = rule.validate() {
        let field = e.split(':').next().unwrap_or("body").to_string();
        return bad(&field, e);
    }
    let mut inner = shared.lock();
    inner.faults.push(rule);
    HttpResponse::Created().json(json!({"rules": inner.faults.len()}))
}

async fn get_faults(shared: web::Data<Shared>) -> HttpResponse {
    HttpResponse::Ok().json(&shared.lock().faults)
}

async fn delete_faults(shared: web::Data<Shared>) -> HttpResponse {
    shared.lock().faults.clear();
    HttpResponse::NoContent().finish()
}

fn clock_json(shared: &Shared) -> Value {
    json!({"now": shared.clock.now().to_rfc3339(), "offset_seconds": shared.clock.offset_seconds()})
}

async fn post_clock(shared: web::Data<Shared>, body: web::Bytes) -> HttpResponse {
    let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let Some(secs) = v.get("advance_seconds").and_then(Value::as_i64) else {
        return bad("advance_seconds", "required, a whole number of seconds");
    };
    shared.clock.advance(secs);
    HttpResponse::Ok().json(clock_json(&shared))
}

async fn get_clock(shared: web::Data<Shared>) -> HttpResponse {
    HttpResponse::Ok().json(clock_json(&shared))
}

async fn invalidate(shared: web::Data<Shared>, body: web::Bytes) -> HttpResponse {
    let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let Some(token) = v.get("token").and_then(Value::as_str) else {
        return bad("token", "required");
    };
    let subcode = v.get("subcode").and_then(Value::as_i64).unwrap_or(460);
    if ![458, 460, 463, 464, 467, 492].contains(&subcode) {
        return bad("subcode", "must be one of 458, 460, 463, 464, 467, 492");
    }
    match tokens::invalidate(&mut shared.lock(), token, subcode) {
        Ok(n) => HttpResponse::Ok().json(json!({"invalidated": n})),
        Err(e) => bad("token", e),
    }
}

async fn put_settings(shared: web::Data<Shared>, body: web::Bytes) -> HttpResponse {
    let patch: Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => return bad("body", e.to_string()),
    };
    let mut inner = shared.lock();
    match inner.settings.merged(&patch) {
        Ok(s) => {
            inner.settings = s;
            HttpResponse::Ok().json(&inner.settings)
        }
        Err(e) => {
            let field = e.split(':').next().unwrap_or("settings").to_string();
            bad(&field, e)
        }
    }
}

async fn get_settings(shared: web::Data<Shared>) -> HttpResponse {
    HttpResponse::Ok().json(&shared.lock().settings)
}

async fn ledger(
    shared: web::Data<Shared>,
    q: web::Query<std::collections::HashMap<String, String>>,
) -> HttpResponse {
    let inner = shared.lock();
    let items: Vec<_> = inner
        .ledger
        .iter()
        .filter(|e| q.get("owner").is_none_or(|o| &e.owner == o))
        .collect();
    HttpResponse::Ok().json(json!({"data": items}))
}

async fn requests(shared: web::Data<Shared>) -> HttpResponse {
    HttpResponse::Ok().json(json!({"data": shared.lock().requests}))
}

async fn revoke_role(shared: web::Data<Shared>, body: web::Bytes) -> HttpResponse {
    let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let (Some(page_id), Some(user_id)) = (
        v.get("page_id").and_then(Value::as_str),
        v.get("user_id").and_then(Value::as_str),
    ) else {
        return bad("page_id", "page_id and user_id are required");
    };
    let mut inner = shared.lock();
    let Some(page) = inner.pages.get_mut(page_id) else {
        return bad("page_id", "no such Page");
    };
    page.roles.retain(|u| u != user_id);
    HttpResponse::Ok().json(json!({"page_id": page_id, "roles": page.roles}))
}

async fn reset(shared: web::Data<Shared>) -> HttpResponse {
    *shared.lock() = Default::default();
    shared.clock.reset();
    HttpResponse::NoContent().finish()
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/_sandbox/users", web::post().to(post_user))
        .route("/_sandbox/faults", web::post().to(post_fault))
        .route("/_sandbox/faults", web::get().to(get_faults))
        .route("/_sandbox/faults", web::delete().to(delete_faults))
        .route("/_sandbox/clock", web::post().to(post_clock))
        .route("/_sandbox/clock", web::get().to(get_clock))
        .route("/_sandbox/tokens/invalidate", web::post().to(invalidate))
        .route("/_sandbox/settings", web::put().to(put_settings))
        .route("/_sandbox/settings", web::get().to(get_settings))
        .route("/_sandbox/ledger", web::get().to(ledger))
        .route("/_sandbox/requests", web::get().to(requests))
        .route("/_sandbox/roles/revoke", web::post().to(revoke_role))
        .route("/_sandbox/reset", web::post().to(reset))
        .configure(webhooks::routes);
}

#[cfg(test)]
mod tests {
    use super::username_of;

    #[test]
    fn usernames_are_plain() {
        assert_eq!(username_of("Demo Bakery!", 7), "demobakery_7");
        assert_eq!(username_of("***", 1), "account_1");
    }
}
