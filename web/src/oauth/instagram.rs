//! Instagram Login for a connect link (an Instagram professional account without a
//! Facebook Page): the start (a single-use `state` bound to the browser), and the callback
//! that exchanges the code for a 60-day token, stores it through the vault as the
//! connection's token (the engine publishes with it on graph.instagram.com) and shows the
//! outcome.

use actix_web::cookie::{time, Cookie, SameSite};
use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use herald_graph::{new_state, CallError, GraphClient, Host, Pkce, Request};
use herald_platform::clock::to_millis;
use herald_platform::secret::Secret;
use herald_platform::store::connect_ui::{self, NewAccount, NewConnection, TakenState};
use herald_platform::store::transaction_api::transaction;
use herald_platform::vault::{Binding, SecretColumn};
use serde::Deserialize;

use super::callback::{accept, Accepted, CallbackQuery};
use super::facebook::{graph_client, hash, meta_words, STATE_COOKIE, STATE_TTL};
use super::grants::{GrantedIg, Grants};
use super::link::{lookup, LinkLookup};
use super::pages;
use crate::auth::{csrf, session};
use crate::dashboard::page::{render_status, PageError};
use crate::dashboard::services;
use crate::server::AppState;
use crate::services::Services;

/// What Herald asks for with Instagram Login.
pub const IG_SCOPES: &[&str] = &[
    "instagram_business_basic",
    "instagram_business_content_publish",
];
/// The callback's path.
pub const IG_CALLBACK_PATH: &str = "/oauth/instagram/callback";

fn redirect_uri(state: &AppState) -> String {
    format!(
        "{}{IG_CALLBACK_PATH}",
        state.settings.public_url.trim_end_matches('/')
    )
}

#[derive(Deserialize)]
struct StartForm {
    #[serde(default)]
    link: String,
    #[serde(default)]
    csrf: String,
}

#[post("/oauth/instagram/start")]
async fn start(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: web::Form<StartForm>,
) -> Result<HttpResponse, PageError> {
    csrf::verify_pre_session(&req, &form.csrf)?;
    let Some(graph) = graph_client(&req) else {
        return Ok(pages::unavailable());
    };
    let s = services(&state)?;
    let token = form.link.clone();
    let s2 = s.clone();
    let link = match web::block(move || lookup(&s2, &token)).await?? {
        LinkLookup::Unknown => return Ok(pages::unknown_link()),
        LinkLookup::Expired { agency_name } => return Ok(pages::expired_link(&agency_name)),
        LinkLookup::Open { link, .. } => link,
    };

    // Instagram Login takes no PKCE; the column still holds a sealed, unused verifier.
    let oauth_state = new_state();
    let state_hash = hash(&oauth_state);
    let binding = Binding::new(
        SecretColumn::PkceVerifier,
        link.tenant_id.to_db(),
        state_hash.clone(),
    );
    let sealed = s.keyring.seal(&binding, &Pkce::generate().verifier);
    let s2 = s.clone();
    web::block(move || -> Result<(), PageError> {
        let now = s2.clock.now();
        let mut conn = s2.conn()?;
        connect_ui::insert_oauth_state(
            &mut conn,
            &state_hash,
            link.tenant_id,
            Some(link.id),
            "instagram",
            &sealed,
            to_millis(now),
            to_millis(now + STATE_TTL),
        )?;
        Ok(())
    })
    .await??;

    let dialog = graph.instagram_authorize_url(&redirect_uri(&state), &oauth_state, IG_SCOPES);
    let cookie = Cookie::build(STATE_COOKIE, oauth_state)
        .path("/oauth/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(session::secure_cookies(&state))
        .max_age(time::Duration::seconds(STATE_TTL.num_seconds()))
        .finish();
    let mut response = HttpResponse::SeeOther()
        .insert_header((actix_web::http::header::LOCATION, dialog.to_string()))
        .finish();
    response
        .add_cookie(&cookie)
        .map_err(|_| PageError::Internal)?;
    Ok(response)
}

/// The account's id, username and long-lived token.
struct IgGrant {
    id: String,
    username: Option<String>,
    token: Secret,
    expires_in: Option<u64>,
}

async fn fetch(graph: &GraphClient, code: &str, redirect: &str) -> Result<IgGrant, CallError> {
    let short = graph.instagram_exchange_code(code, redirect).await?;
    let long = graph
        .instagram_long_lived_token(&short.access_token)
        .await?;
    let me = Request::get(graph.config().versioned(Host::IgGraph, "me"), "ig me")
        .query(&[("fields", "user_id,username")])
        .token(&long.access_token);
    // The username is a nicety: the account is connected without it.
    let body = graph.send(me).await.map(|r| r.body).unwrap_or_default();
    let id = short
        .user_id
        .or_else(|| {
            body.get("user_id")
                .and_then(|v| v.as_str())
                .map(str::to_owned)
        })
        .or_else(|| body.get("id").and_then(|v| v.as_str()).map(str::to_owned))
        .unwrap_or_default();
    Ok(IgGrant {
        id,
        username: body
            .get("username")
            .and_then(|v| v.as_str())
            .map(str::to_owned),
        token: long.access_token,
        expires_in: long.expires_in,
    })
}

/// Records the connection and its one account. Blocking.
fn store(s: &Services, taken: &TakenState, grant: IgGrant) -> Result<(String, String), PageError> {
    let now_ms = to_millis(s.clock.now());
    let expires_at_ms = grant
        .expires_in
        .map(|seconds| now_ms + i64::try_from(seconds).unwrap_or(i64::MAX / 2_000) * 1000);
    let tenant = taken.tenant;
    let tenant_db = tenant.to_db();
    let scopes = IG_SCOPES.join(" ");
    let name = grant
        .username
        .clone()
        .unwrap_or_else(|| format!("Instagram {}", grant.id));
    let mut conn = s.conn()?;
    transaction(&mut conn, |conn| -> Result<_, PageError> {
        let names = connect_ui::names_for_tenant(conn, tenant)?;
        let new = NewConnection {
            tenant,
            login_kind: "instagram",
            meta_user_id: &grant.id,
            expires_at_ms,
            scopes: &scopes,
        };
        let connection = connect_ui::upsert_connection(
            conn,
            &new,
            |id| {
                let binding = Binding::new(SecretColumn::UserToken, tenant_db.clone(), id.to_db());
                s.keyring.seal(&binding, &grant.token)
            },
            now_ms,
        )?;
        let account = NewAccount {
            tenant,
            connection,
            network: "instagram",
            external_id: &grant.id,
            name: &name,
            username: grant.username.as_deref(),
            linked_page_id: None,
        };
        connect_ui::upsert_account(conn, &account, |_| None, now_ms)?;
        if let Some(link) = taken.connect_link {
            connect_ui::mark_link_used(conn, link, now_ms)?;
        }
        Ok(names)
    })
}

#[get("/oauth/instagram/callback")]
async fn callback(
    req: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<CallbackQuery>,
) -> Result<HttpResponse, PageError> {
    let Accepted {
        graph,
        services: s,
        taken,
        code,
        ..
    } = match accept(&req, &state, query.into_inner(), "instagram").await? {
        Ok(accepted) => accepted,
        Err(page) => return Ok(page),
    };

    let grant = match fetch(&graph, &code, &redirect_uri(&state)).await {
        Ok(grant) if !grant.id.is_empty() => grant,
        Ok(_) => {
            return Ok(pages::meta_failed(
                "Instagram did not say which account it was.",
            ))
        }
        Err(err) => {
            tracing::info!(tenant.id = %taken.tenant, error = %err, "Instagram Login failed");
            return Ok(pages::meta_failed(&meta_words(&err)));
        }
    };
    let ig = GrantedIg {
        id: grant.id.clone(),
        username: grant.username.clone(),
        page_id: String::new(),
        page_name: String::new(),
    };
    let s2 = s.clone();
    let (agency_name, tenant_name) = web::block(move || store(&s2, &taken, grant)).await??;
    let grants = Grants {
        pages: Vec::new(),
        igs: vec![ig],
        notes: Vec::new(),
    };
    Ok(render_status(
        StatusCode::OK,
        &pages::ResultPage {
            agency_name: &agency_name,
            tenant_name: &tenant_name,
            grants: &grants,
        },
    ))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(start).service(callback);
}
