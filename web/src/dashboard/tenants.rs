//! `/tenants`: the agency's clients at a glance, creating, renaming and archiving them,
//! and one tenant's page with its accounts, connect links and latest posts.

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use askama::Template;
use chrono::Duration;
use herald_platform::clock::to_millis;
use herald_platform::domain::PostState;
use herald_platform::ids::TenantId;
use herald_platform::store::posts_api::{self, PostFilter};
use herald_platform::store::tenants_ui::{self, ConnectLinkSummary, TenantSummary};
use herald_platform::store::{accounts_api, leases};
use serde::Deserialize;

use super::page::{render, render_status, see_other, PageError};
use super::views::{AccountLine, PostLine};
use super::{services, time, Chrome};
use crate::auth::CurrentUser;
use crate::server::AppState;
use crate::services::{
    connect_links, posts as post_service, tenants as tenant_service, ServiceError,
};

/// "Recently" on the tenant list.
const RECENT: Duration = Duration::days(7);
/// Posts shown on a tenant's page.
const TENANT_PAGE_POSTS: i64 = 20;

/// A tenant id from a path; one that does not parse is a 404 like any unknown id.
pub fn tenant_id(raw: &str) -> Result<TenantId, PageError> {
    raw.parse().map_err(|_| PageError::NotFound)
}

#[derive(Deserialize)]
struct NameForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    csrf: String,
}

#[derive(Deserialize)]
struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

struct SummaryLine {
    /// The id as URLs show it (`ten_…`).
    id: String,
    s: TenantSummary,
    next_due: Option<String>,
    attention: bool,
    /// The node that holds the tenant's lease now (scale-out), if any.
    node: Option<String>,
}

#[derive(Template)]
#[template(path = "dashboard/tenants.html")]
struct TenantsPage {
    chrome: Chrome,
    tenants: Vec<SummaryLine>,
    need_attention: usize,
    name: String,
    name_error: Option<String>,
}

async fn tenants_page(
    user: &CurrentUser,
    state: &web::Data<AppState>,
    name: String,
    name_error: Option<String>,
) -> Result<TenantsPage, PageError> {
    let s = services(state)?;
    let agency = user.agency_id;
    let (summaries, held) = web::block(move || {
        let now = s.clock.now();
        let since = to_millis(now - RECENT);
        let mut conn = s.conn()?;
        let summaries = tenants_ui::tenant_summaries(&mut conn, agency, since)?;
        Ok::<_, PageError>((summaries, leases::all_live(&mut conn, now)?))
    })
    .await??;
    let holders: std::collections::HashMap<String, String> = held
        .into_iter()
        .map(|lease| (lease.tenant_id.to_db(), lease.node_id.to_string()))
        .collect();
    let tenants: Vec<SummaryLine> = summaries
        .into_iter()
        .map(|s| SummaryLine {
            node: holders.get(&s.id).cloned(),
            id: TenantId::from_db(&s.id)
                .map(|id| id.to_string())
                .unwrap_or_default(),
            next_due: s.next_due_at.map(|ms| time::local_ms(ms, &user.time_zone)),
            attention: s.accounts_need_client > 0 || s.failed_recently > 0 || s.unconfirmed > 0,
            s,
        })
        .collect();
    Ok(TenantsPage {
        chrome: Chrome::new(user, "tenants"),
        need_attention: tenants.iter().filter(|t| t.attention).count(),
        tenants,
        name,
        name_error,
    })
}

#[get("/tenants")]
async fn list(user: CurrentUser, state: web::Data<AppState>) -> Result<HttpResponse, PageError> {
    Ok(render(
        &tenants_page(&user, &state, String::new(), None).await?,
    ))
}

#[post("/tenants")]
async fn create(
    user: CurrentUser,
    state: web::Data<AppState>,
    form: web::Form<NameForm>,
) -> Result<HttpResponse, PageError> {
    user.check_csrf(&form.csrf)?;
    let name = form.name.clone();
    let caller = user.caller();
    let s = services(&state)?;
    let created = web::block(move || tenant_service::create_tenant(&s, &caller, &name)).await?;
    match created {
        Ok(tenant) => Ok(see_other(&format!("/tenants/{}", tenant.id))),
        Err(ServiceError::Invalid { rule, .. }) => {
            let page = tenants_page(&user, &state, form.name.clone(), Some(rule)).await?;
            Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(Template)]
#[template(path = "dashboard/tenant.html")]
struct TenantPage {
    chrome: Chrome,
    id: String,
    name: String,
    accounts: Vec<AccountLine>,
    links: Vec<LinkLine>,
    posts: Vec<PostLine>,
    new_link: Option<(String, String)>,
    rename_error: Option<String>,
}

struct LinkLine {
    created: String,
    expires: String,
    state: &'static str,
}

fn link_line(link: &ConnectLinkSummary, tz: &str, now_ms: i64) -> LinkLine {
    let state = match (link.used_at, link.expires_at > now_ms) {
        (Some(_), true) => "used, still open",
        (Some(_), false) => "used, expired",
        (None, true) => "not used yet",
        (None, false) => "expired unused",
    };
    LinkLine {
        created: time::local_ms(link.created_at, tz),
        expires: time::local_ms(link.expires_at, tz),
        state,
    }
}

async fn tenant_page(
    user: &CurrentUser,
    state: &web::Data<AppState>,
    tenant: TenantId,
    new_link: Option<(String, String)>,
    rename_error: Option<String>,
) -> Result<TenantPage, PageError> {
    let s = services(state)?;
    let caller = user.caller();
    let tz = user.time_zone.clone();
    let chrome = Chrome::new(user, "tenants");
    web::block(move || {
        let mut conn = s.conn()?;
        let record = caller.tenant(&mut conn, tenant)?;
        let now = s.clock.now();
        let accounts = accounts_api::list_tenant_accounts(&mut conn, tenant, None, 200)?;
        let links = tenants_ui::recent_connect_links(&mut conn, tenant, 5)?;
        let posts = posts_api::list_posts(
            &mut conn,
            tenant,
            &PostFilter::default(),
            None,
            TENANT_PAGE_POSTS,
        )?;
        Ok::<_, PageError>(TenantPage {
            chrome,
            id: record.id.to_string(),
            name: record.name,
            accounts: accounts.iter().map(AccountLine::new).collect(),
            links: links
                .iter()
                .map(|l| link_line(l, &tz, to_millis(now)))
                .collect(),
            posts: posts.iter().map(|p| PostLine::new(p, &tz, now)).collect(),
            new_link,
            rename_error,
        })
    })
    .await?
}

#[get("/tenants/{tenant}")]
async fn show(
    user: CurrentUser,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let tenant = tenant_id(&path)?;
    Ok(render(
        &tenant_page(&user, &state, tenant, None, None).await?,
    ))
}

#[post("/tenants/{tenant}/rename")]
async fn rename(
    user: CurrentUser,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<NameForm>,
) -> Result<HttpResponse, PageError> {
    user.check_csrf(&form.csrf)?;
    let tenant = tenant_id(&path)?;
    let name = match tenant_service::check_name(&form.name) {
        Ok(name) => name,
        Err(ServiceError::Invalid { rule, .. }) => {
            let page = tenant_page(&user, &state, tenant, None, Some(rule)).await?;
            return Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page));
        }
        Err(other) => return Err(other.into()),
    };
    let agency = user.agency_id;
    let s = services(&state)?;
    web::block(move || {
        let mut conn = s.conn()?;
        tenants_ui::rename_tenant(&mut conn, agency, tenant, &name).map_err(PageError::from)
    })
    .await??;
    Ok(see_other(&format!("/tenants/{tenant}")))
}

#[post("/tenants/{tenant}/archive")]
async fn archive(
    user: CurrentUser,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, PageError> {
    user.check_csrf(&form.csrf)?;
    let tenant = tenant_id(&path)?;
    let agency = user.agency_id;
    let s = services(&state)?;
    let caller = user.caller();
    web::block(move || -> Result<(), PageError> {
        // Posts not yet started are canceled first (each with its timeline entry), so
        // nothing goes out for a client the agency has let go.
        for state in [PostState::Scheduled, PostState::Queued] {
            let filter = PostFilter {
                state: Some(state),
                ..PostFilter::default()
            };
            for post in post_service::list_posts(&s, &caller, tenant, &filter, None, 10_000)? {
                match post_service::cancel_post(&s, &caller, tenant, post.id) {
                    Ok(_) | Err(ServiceError::Conflict { .. }) => {}
                    Err(other) => return Err(other.into()),
                }
            }
        }
        let now = to_millis(s.clock.now());
        let mut conn = s.conn()?;
        Ok(tenants_ui::archive_tenant(&mut conn, agency, tenant, now)?)
    })
    .await??;
    Ok(see_other("/tenants"))
}

#[post("/tenants/{tenant}/connect-links")]
async fn new_connect_link(
    user: CurrentUser,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, PageError> {
    user.check_csrf(&form.csrf)?;
    let tenant = tenant_id(&path)?;
    let caller = user.caller();
    let s = services(&state)?;
    let link =
        web::block(move || connect_links::create_connect_link(&s, &caller, tenant)).await??;
    let expires = time::local(link.expires_at, &user.time_zone);
    Ok(render(
        &tenant_page(&user, &state, tenant, Some((link.url, expires)), None).await?,
    ))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(list)
        .service(create)
        .service(show)
        .service(rename)
        .service(archive)
        .service(new_connect_link);
}
