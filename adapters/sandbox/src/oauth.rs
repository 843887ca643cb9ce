//! The OAuth endpoints of Facebook Login and Instagram Login: code exchange (with PKCE),
//! long-lived exchange, Instagram token exchange and refresh, and `debug_token`.

use actix_web::{web, HttpRequest, HttpResponse};
use base64::Engine;
use bytes::Bytes;
use chrono::Duration;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::errors::{token_error, GraphError};
use crate::params::{access_token, Params};
use crate::state::{Shared, TokenKind};
use crate::tokens::{authenticate, problem, user_token, Auth, IG_SCOPES, PAGE_SCOPES};
fn check_app(shared: &Shared, p: &Params, need_secret: bool) -> Result<(), GraphError> {
    if p.get("client_id") != Some(shared.config.app_id.as_str()) {
        return Err(GraphError::new(
            101,
            "Error validating application. Invalid application ID.",
        ));
    }
    if need_secret && p.get("client_secret") != Some(shared.config.app_secret.as_str()) {
        return Err(GraphError::new(1, "Error validating client secret."));
    }
    Ok(())
}

/// Takes a login code once, checking its redirect URI, expiry and PKCE verifier.
fn redeem_code(
    shared: &Shared,
    p: &Params,
    instagram: bool,
) -> Result<crate::state::AuthCode, GraphError> {
    let code = p
        .get("code")
        .ok_or_else(|| GraphError::param("Missing code parameter"))?;
    let now = shared.clock.now();
    let mut inner = shared.lock();
    let Some(c) = inner
        .codes
        .get_mut(code)
        .filter(|c| c.instagram == instagram)
    else {
        return Err(GraphError::param("Invalid verification code format.").with_sub(36007));
    };
    if c.used {
        return Err(GraphError::new(100, "This authorization code has been used.").with_sub(36009));
    }
    if now >= c.expires_at {
        return Err(GraphError::new(100, "This authorization code has expired.").with_sub(36007));
    }
    if p.get("redirect_uri") != Some(c.redirect_uri.as_str()) {
        return Err(GraphError::new(
            100,
            "Error validating verification code. Please make sure your redirect_uri is \
             identical to the one you used in the OAuth dialog request",
        )
        .with_sub(36008));
    }
    if let Some(challenge) = &c.challenge {
        let verifier = p.get("code_verifier").unwrap_or("");
        let digest = Sha256::digest(verifier.as_bytes());
        let computed = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest);
        if verifier.is_empty() || &computed != challenge {
            return Err(GraphError::param(
                "Invalid code_verifier: it does not match the code_challenge",
            ));
        }
    }
    c.used = true;
    Ok(crate::state::AuthCode {
        user_id: c.user_id.clone(),
        redirect_uri: c.redirect_uri.clone(),
        scopes: c.scopes.clone(),
        pages: c.pages.clone(),
        igs: c.igs.clone(),
        challenge: c.challenge.clone(),
        expires_at: c.expires_at,
        used: true,
        instagram,
    })
}

/// `GET /graph/{v}/oauth/access_token`: code exchange and `fb_exchange_token`.
pub fn fb_access_token(shared: &Shared, p: &Params) -> Result<HttpResponse, GraphError> {
    check_app(shared, p, true)?;
    let now = shared.clock.now();
    if p.get("grant_type") == Some("fb_exchange_token") {
        let old = p
            .get("fb_exchange_token")
            .ok_or_else(|| GraphError::param("Missing fb_exchange_token parameter"))?;
        let mut inner = shared.lock();
        if let Some(e) = problem(&inner, old, now, &shared.config.app_id) {
            return Err(e);
        }
        let t = inner
            .tokens
            .get(old)
            .cloned()
            .ok_or_else(|| token_error(0, ""))?;
        if !matches!(t.kind, TokenKind::UserShort | TokenKind::UserLong) {
            return Err(GraphError::param(
                "fb_exchange_token must be a user access token",
            ));
        }
        let value = user_token(
            &mut inner,
            now,
            TokenKind::UserLong,
            &t.user_id,
            None,
            t.scopes,
            t.pages,
            t.igs,
        );
        let life = inner.settings.long_token_seconds;
        return Ok(HttpResponse::Ok()
            .json(json!({"access_token": value, "token_type": "bearer", "expires_in": life})));
    }
    let code = redeem_code(shared, p, false)?;
    let mut inner = shared.lock();
    let value = user_token(
        &mut inner,
        now,
        TokenKind::UserShort,
        &code.user_id,
        None,
        code.scopes,
        code.pages,
        code.igs,
    );
    let life = inner.settings.short_token_seconds;
    Ok(HttpResponse::Ok()
        .json(json!({"access_token": value, "token_type": "bearer", "expires_in": life})))
}

/// `GET /graph/{v}/debug_token?input_token=`.
pub fn debug_token(shared: &Shared, p: &Params, auth: &Auth) -> Result<HttpResponse, GraphError> {
    let _ = auth;
    let input = p
        .get("input_token")
        .ok_or_else(|| GraphError::param("The parameter input_token is required"))?;
    let now = shared.clock.now();
    let inner = shared.lock();
    let app_id = shared.config.app_id.clone();
    let Some(t) = inner.tokens.get(input) else {
        return Ok(HttpResponse::Ok().json(json!({"data": {
            "error": {"code": 190, "message": "Invalid OAuth access token."},
            "is_valid": false, "scopes": []
        }})));
    };
    let granular: Vec<_> = t
        .scopes
        .iter()
        .map(|s| {
            if PAGE_SCOPES.contains(&s.as_str()) {
                json!({"scope": s, "target_ids": t.pages})
            } else if IG_SCOPES.contains(&s.as_str()) {
                json!({"scope": s, "target_ids": t.igs})
            } else {
                json!({"scope": s})
            }
        })
        .collect();
    let kind = match t.kind {
        TokenKind::Page => "PAGE",
        _ => "USER",
    };
    let mut data = json!({
        "app_id": app_id,
        "type": kind,
        "application": "Herald Sandbox",
        "user_id": t.user_id,
        "is_valid": true,
        "issued_at": t.issued_at.timestamp(),
        "expires_at": t.expires_at.map(|e| e.timestamp()).unwrap_or(0),
        "data_access_expires_at": (t.issued_at + Duration::days(90)).timestamp(),
        "scopes": t.scopes,
        "granular_scopes": granular,
    });
    if let Some(profile) = &t.profile_id {
        data["profile_id"] = json!(profile);
    }
    if let Some(e) = problem(&inner, input, now, &app_id) {
        data["is_valid"] = json!(false);
        let mut err = json!({"code": e.code, "message": e.message});
        if let Some(s) = e.subcode {
            err["subcode"] = json!(s);
        }
        data["error"] = err;
    }
    Ok(HttpResponse::Ok().json(json!({ "data": data })))
}

/// `POST /ig-api/oauth/access_token`: Instagram Login code exchange.
async fn ig_code_exchange(
    shared: web::Data<Shared>,
    req: HttpRequest,
    body: Bytes,
) -> Result<HttpResponse, GraphError> {
    let p = Params::parse(&req, &body)?;
    check_app(&shared, &p, true)?;
    if p.get("grant_type") != Some("authorization_code") {
        return Err(GraphError::param("grant_type must be authorization_code"));
    }
    let code = redeem_code(&shared, &p, true)?;
    let now = shared.clock.now();
    let mut inner = shared.lock();
    let ig = code.igs.first().cloned().unwrap_or_default();
    let perms = code.scopes.join(",");
    let value = user_token(
        &mut inner,
        now,
        TokenKind::IgShort,
        &code.user_id,
        Some(ig.clone()),
        code.scopes,
        Vec::new(),
        code.igs,
    );
    Ok(HttpResponse::Ok()
        .json(json!({"data": [{"access_token": value, "user_id": ig, "permissions": perms}]})))
}

/// `GET /ig-graph/access_token?grant_type=ig_exchange_token`.
async fn ig_exchange(
    shared: web::Data<Shared>,
    req: HttpRequest,
    body: Bytes,
) -> Result<HttpResponse, GraphError> {
    let p = Params::parse(&req, &body)?;
    ig_exchange_with(&shared, &req, &p)
}

pub fn ig_exchange_with(
    shared: &Shared,
    req: &HttpRequest,
    p: &Params,
) -> Result<HttpResponse, GraphError> {
    if p.get("grant_type") != Some("ig_exchange_token") {
        return Err(GraphError::param("grant_type must be ig_exchange_token"));
    }
    if p.get("client_secret") != Some(shared.config.app_secret.as_str()) {
        return Err(GraphError::new(1, "Error validating client secret."));
    }
    let old = access_token(req, p);
    let auth = authenticate(shared, old.as_deref())?;
    let Some(t) = auth.token().cloned() else {
        return Err(GraphError::param(
            "access_token must be an Instagram user token",
        ));
    };
    if t.kind != TokenKind::IgShort {
        return Err(GraphError::param(
            "Only a short-lived Instagram token can be exchanged",
        ));
    }
    let now = shared.clock.now();
    let mut inner = shared.lock();
    let value = user_token(
        &mut inner,
        now,
        TokenKind::IgLong,
        &t.user_id,
        t.profile_id,
        t.scopes,
        Vec::new(),
        t.igs,
    );
    let life = inner.settings.long_token_seconds;
    Ok(HttpResponse::Ok()
        .json(json!({"access_token": value, "token_type": "bearer", "expires_in": life})))
}

/// `GET /ig-graph/refresh_access_token?grant_type=ig_refresh_token`: only for a long-lived
/// token at least 24 hours old and not expired.
async fn ig_refresh(
    shared: web::Data<Shared>,
    req: HttpRequest,
    body: Bytes,
) -> Result<HttpResponse, GraphError> {
    let p = Params::parse(&req, &body)?;
    ig_refresh_with(&shared, &req, &p)
}

pub fn ig_refresh_with(
    shared: &Shared,
    req: &HttpRequest,
    p: &Params,
) -> Result<HttpResponse, GraphError> {
    if p.get("grant_type") != Some("ig_refresh_token") {
        return Err(GraphError::param("grant_type must be ig_refresh_token"));
    }
    let old = access_token(req, p);
    let auth = authenticate(shared, old.as_deref())?;
    let Some(t) = auth.token().cloned() else {
        return Err(GraphError::param(
            "access_token must be an Instagram user token",
        ));
    };
    if t.kind != TokenKind::IgLong {
        return Err(GraphError::param(
            "Only a long-lived Instagram token can be refreshed",
        ));
    }
    let now = shared.clock.now();
    if now - t.issued_at < Duration::hours(24) {
        return Err(GraphError::new(
            190,
            "Error validating access token: the token can be refreshed only once it is at least \
             24 hours old.",
        ));
    }
    let mut inner = shared.lock();
    let value = user_token(
        &mut inner,
        now,
        TokenKind::IgLong,
        &t.user_id,
        t.profile_id,
        t.scopes,
        Vec::new(),
        t.igs,
    );
    let life = inner.settings.long_token_seconds;
    Ok(HttpResponse::Ok()
        .json(json!({"access_token": value, "token_type": "bearer", "expires_in": life})))
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/ig-api/oauth/access_token",
        web::post().to(ig_code_exchange),
    )
    .route("/ig-graph/access_token", web::get().to(ig_exchange))
    .route("/ig-graph/refresh_access_token", web::get().to(ig_refresh));
}
