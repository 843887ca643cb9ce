//! Facebook Login for a connect link: the link's page, the start (a single-use `state`
//! bound to this browser by a cookie, and a PKCE S256 verifier sealed in the vault), and
//! the callback that exchanges the code, reads what was really granted, stores the tokens
//! through the vault and shows the outcome.

use actix_web::cookie::{time, Cookie, SameSite};
use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use chrono::Duration;
use herald_graph::{new_state, CallError, GraphClient, Pkce};
use herald_platform::clock::to_millis;
use herald_platform::secret::Secret;
use herald_platform::store::connect_ui;
use herald_platform::vault::{Binding, SecretColumn};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::callback::{accept, Accepted, CallbackQuery};
use super::link::{lookup, LinkLookup};
use super::pages::{self, LinkPage};
use super::store_grant::{store, Fetched};
use crate::auth::{csrf, session};
use crate::dashboard::page::{render_status, PageError};
use crate::dashboard::{services, time as local_time};
use crate::server::AppState;

/// How long the client has to finish Meta's dialog.
pub const STATE_TTL: Duration = Duration::minutes(15);
/// The cookie that binds a `state` to the browser that started it.
pub(super) const STATE_COOKIE: &str = "herald_oauth_state";
/// What Herald asks for with Facebook Login.
pub const SCOPES: &[&str] = &[
    "pages_show_list",
    "pages_manage_posts",
    "pages_read_engagement",
    "business_management",
    "instagram_basic",
    "instagram_content_publish",
];
/// The callback's path.
pub const CALLBACK_PATH: &str = "/oauth/facebook/callback";

/// The Graph client the composition root registers as `web::Data<GraphClient>` (with the
/// Meta app's, or the sandbox's, credentials); `None` when connecting is unavailable.
pub fn graph_client(req: &HttpRequest) -> Option<GraphClient> {
    req.app_data::<web::Data<GraphClient>>()
        .map(|data| data.get_ref().clone())
}

fn redirect_uri(state: &AppState) -> String {
    format!(
        "{}{CALLBACK_PATH}",
        state.settings.public_url.trim_end_matches('/')
    )
}

pub(super) fn hash(value: &str) -> String {
    hex::encode(Sha256::digest(value.as_bytes()))
}

#[get("/connect/{token}")]
async fn link_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let s = services(&state)?;
    let token = path.into_inner();
    let token2 = token.clone();
    let s2 = s.clone();
    let found = web::block(move || lookup(&s2, &token2)).await??;
    let (link, agency_name, tenant_name) = match found {
        LinkLookup::Unknown => return Ok(pages::unknown_link()),
        LinkLookup::Expired { agency_name } => return Ok(pages::expired_link(&agency_name)),
        LinkLookup::Open {
            link,
            agency_name,
            tenant_name,
        } => (link, agency_name, tenant_name),
    };

    let secure = session::secure_cookies(&state);
    let (secret, cookie) = csrf::pre_session(&req, secure);
    let page = LinkPage {
        agency_name: &agency_name,
        tenant_name: &tenant_name,
        token: &token,
        csrf: csrf::token_for(&secret),
        expires: local_time::local(link.expires_at, "UTC") + " UTC",
        facebook_available: graph_client(&req).is_some(),
    };
    let mut response = render_status(StatusCode::OK, &page);
    if let Some(cookie) = cookie {
        response
            .add_cookie(&cookie)
            .map_err(|_| PageError::Internal)?;
    }
    Ok(response)
}

#[derive(Deserialize)]
struct StartForm {
    #[serde(default)]
    link: String,
    #[serde(default)]
    csrf: String,
}

#[post("/oauth/facebook/start")]
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

    // The link must still be open; the state then carries its tenant.
    let token = form.link.clone();
    let s2 = s.clone();
    let found = web::block(move || lookup(&s2, &token)).await??;
    let link = match found {
        LinkLookup::Unknown => return Ok(pages::unknown_link()),
        LinkLookup::Expired { agency_name } => return Ok(pages::expired_link(&agency_name)),
        LinkLookup::Open { link, .. } => link,
    };

    let oauth_state = new_state();
    let pkce = Pkce::generate();
    let state_hash = hash(&oauth_state);
    let sealed = s.keyring.seal(
        &Binding::new(
            SecretColumn::PkceVerifier,
            link.tenant_id.to_db(),
            state_hash.clone(),
        ),
        &pkce.verifier,
    );
    let s2 = s.clone();
    let state_hash2 = state_hash.clone();
    web::block(move || -> Result<(), PageError> {
        let now = s2.clock.now();
        let mut conn = s2.conn()?;
        connect_ui::insert_oauth_state(
            &mut conn,
            &state_hash2,
            link.tenant_id,
            Some(link.id),
            "facebook",
            &sealed,
            to_millis(now),
            to_millis(now + STATE_TTL),
        )?;
        Ok(())
    })
    .await??;

    let dialog =
        graph.facebook_dialog_url(&redirect_uri(&state), &oauth_state, SCOPES, Some(&pkce));
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

/// A Graph failure in words for the client, with Meta's code when there is one.
pub(super) fn meta_words(err: &CallError) -> String {
    match err.graph() {
        Some(graph) => format!(
            "Facebook answered: {} (code {}).",
            graph.user_message(),
            graph.code
        ),
        None => "Facebook could not be reached.".to_owned(),
    }
}

/// Code → long-lived token → what it grants → the Pages and their IG accounts.
async fn fetch(
    graph: &GraphClient,
    code: &str,
    redirect: &str,
    verifier: &Secret,
) -> Result<Fetched, CallError> {
    let short = graph.exchange_code(code, redirect, Some(verifier)).await?;
    let long = graph.long_lived_token(&short.access_token).await?;
    let debug = graph.debug_token(&long.access_token).await?;
    let pages = graph.pages(&long.access_token).await?;
    let mut with_igs = Vec::with_capacity(pages.len());
    for page in pages {
        let ig = graph
            .page_instagram_account(&page.id, &page.access_token)
            .await?;
        with_igs.push((page, ig));
    }
    Ok(Fetched {
        grant: long,
        debug,
        pages: with_igs,
    })
}

#[get("/oauth/facebook/callback")]
async fn callback(
    req: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<CallbackQuery>,
) -> Result<HttpResponse, PageError> {
    let Accepted {
        graph,
        services: s,
        state_hash,
        taken,
        code,
    } = match accept(&req, &state, query.into_inner(), "facebook").await? {
        Ok(accepted) => accepted,
        Err(page) => return Ok(page),
    };

    let binding = Binding::new(
        SecretColumn::PkceVerifier,
        taken.tenant.to_db(),
        state_hash.clone(),
    );
    let verifier = s
        .keyring
        .open(&binding, &taken.sealed_verifier)
        .map_err(|err| {
            tracing::error!(error = %err, "a PKCE verifier could not be opened");
            PageError::Internal
        })?;
    let fetched = match fetch(&graph, &code, &redirect_uri(&state), &verifier).await {
        Ok(fetched) => fetched,
        Err(err) => {
            tracing::info!(tenant.id = %taken.tenant, error = %err, "Facebook Login failed");
            return Ok(pages::meta_failed(&meta_words(&err)));
        }
    };

    let s2 = s.clone();
    let outcome = web::block(move || store(&s2, &taken, fetched)).await??;
    Ok(render_status(
        StatusCode::OK,
        &pages::ResultPage {
            agency_name: &outcome.agency_name,
            tenant_name: &outcome.tenant_name,
            grants: &outcome.grants,
        },
    ))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(link_page).service(start).service(callback);
}
