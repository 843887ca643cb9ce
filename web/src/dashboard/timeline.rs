//! Timelines: one tenant's posts, and every tenant's at once; a post's page with every
//! step of its history and failures in plain words; retry and cancel; and the one-row
//! fragment that lists poll for live state changes.

use actix_web::{get, post, web, HttpResponse};
use askama::Template;
use herald_platform::ids::{PostId, TenantId};
use herald_platform::store::posts_api::{PostEventRecord, PostFilter};
use herald_platform::store::timeline_ui::{self, AgencyPost};
use serde::Deserialize;

use super::page::{render, see_other, PageError};
use super::tenants::tenant_id;
use super::views::{state_words, PostLine};
use super::{services, time, Chrome};
use crate::auth::CurrentUser;
use crate::server::AppState;
use crate::services::posts as post_service;

/// Posts a timeline page shows.
const TIMELINE_POSTS: i64 = 100;

fn post_id(raw: &str) -> Result<PostId, PageError> {
    raw.parse().map_err(|_| PageError::NotFound)
}

#[derive(Deserialize)]
struct StateQuery {
    state: Option<String>,
}

#[derive(Deserialize)]
struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

struct AgencyLine {
    line: PostLine,
    tenant_name: String,
    account_name: String,
}

#[derive(Template)]
#[template(path = "dashboard/timeline.html")]
struct AgencyTimeline {
    chrome: Chrome,
    posts: Vec<AgencyLine>,
    filter: String,
}

/// `?state=` as the store's filter: `waiting`, `failed` (with unconfirmed), or a state.
fn states_for(filter: &str) -> Vec<&'static str> {
    match filter {
        "waiting" => vec![
            "scheduled",
            "queued",
            "preparing",
            "processing",
            "publishing",
        ],
        "failed" => vec!["failed", "unconfirmed"],
        "published" => vec!["published"],
        _ => Vec::new(),
    }
}

#[get("/timeline")]
async fn agency_timeline(
    user: CurrentUser,
    state: web::Data<AppState>,
    query: web::Query<StateQuery>,
) -> Result<HttpResponse, PageError> {
    let s = services(&state)?;
    let filter = query.into_inner().state.unwrap_or_default();
    let states = states_for(&filter);
    let agency = user.agency_id;
    let rows: Vec<AgencyPost> = web::block(move || -> Result<_, PageError> {
        let mut conn = s.conn()?;
        Ok(timeline_ui::agency_posts(
            &mut conn,
            agency,
            &states,
            TIMELINE_POSTS,
        )?)
    })
    .await??;
    let now = services(&state)?.clock.now();
    let posts = rows
        .into_iter()
        .map(|row| AgencyLine {
            line: PostLine::new(&row.post, &user.time_zone, now),
            tenant_name: row.tenant_name,
            account_name: row.account_name,
        })
        .collect();
    Ok(render(&AgencyTimeline {
        chrome: Chrome::new(&user, "timeline"),
        posts,
        filter,
    }))
}

#[derive(Template)]
#[template(path = "dashboard/tenant_timeline.html")]
struct TenantTimeline {
    chrome: Chrome,
    id: String,
    name: String,
    posts: Vec<PostLine>,
}

#[get("/tenants/{tenant}/timeline")]
async fn tenant_timeline(
    user: CurrentUser,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let tenant = tenant_id(&path)?;
    let s = services(&state)?;
    let caller = user.caller();
    let (record, posts) = web::block(move || -> Result<_, PageError> {
        let record = crate::services::tenants::get_tenant(&s, &caller, tenant)?;
        let posts = post_service::list_posts(
            &s,
            &caller,
            tenant,
            &PostFilter::default(),
            None,
            TIMELINE_POSTS,
        )?;
        Ok((record, posts))
    })
    .await??;
    let now = services(&state)?.clock.now();
    Ok(render(&TenantTimeline {
        chrome: Chrome::new(&user, "timeline"),
        id: record.id.to_string(),
        name: record.name,
        posts: posts
            .iter()
            .map(|p| PostLine::new(p, &user.time_zone, now))
            .collect(),
    }))
}

struct EventLine {
    at: String,
    words: &'static str,
    class: &'static str,
    detail: String,
}

#[derive(Template)]
#[template(path = "dashboard/post.html")]
struct PostPage {
    chrome: Chrome,
    tenant_id: String,
    tenant_name: String,
    post: PostLine,
    full_caption: String,
    attempts: i32,
    external_id: Option<String>,
    events: Vec<EventLine>,
    can_cancel: bool,
    can_retry: bool,
}

async fn load_post(
    user: &CurrentUser,
    state: &web::Data<AppState>,
    tenant: TenantId,
    post: PostId,
) -> Result<
    (
        String,
        herald_platform::store::posts_api::PostRecord,
        Vec<PostEventRecord>,
    ),
    PageError,
> {
    let s = services(state)?;
    let caller = user.caller();
    web::block(move || -> Result<_, PageError> {
        let record = crate::services::tenants::get_tenant(&s, &caller, tenant)?;
        let (post, events) = post_service::get_post(&s, &caller, tenant, post)?;
        Ok((record.name, post, events))
    })
    .await?
}

#[get("/tenants/{tenant}/posts/{post}")]
async fn show_post(
    user: CurrentUser,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, PageError> {
    let (tenant, post) = (tenant_id(&path.0)?, post_id(&path.1)?);
    let (tenant_name, record, events) = load_post(&user, &state, tenant, post).await?;
    let now = services(&state)?.clock.now();
    use herald_platform::domain::PostState;
    Ok(render(&PostPage {
        chrome: Chrome::new(&user, "timeline"),
        tenant_id: tenant.to_string(),
        tenant_name,
        post: PostLine::new(&record, &user.time_zone, now),
        full_caption: record.caption.clone(),
        attempts: record.attempts,
        external_id: record.external_id.clone(),
        events: events
            .iter()
            .map(|e| {
                let (class, words) = state_words(e.to_state);
                EventLine {
                    at: time::local(e.at, &user.time_zone),
                    words,
                    class,
                    detail: e.detail.clone(),
                }
            })
            .collect(),
        can_cancel: record.state.can_move_to(PostState::Canceled),
        can_retry: matches!(record.state, PostState::Failed | PostState::Unconfirmed),
    }))
}

#[derive(Template)]
#[template(path = "dashboard/post_row.html")]
struct PostRow {
    p: PostLine,
}

/// One row of a post list, for live updates.
#[get("/tenants/{tenant}/posts/{post}/row")]
async fn post_row(
    user: CurrentUser,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, PageError> {
    let (tenant, post) = (tenant_id(&path.0)?, post_id(&path.1)?);
    let (_, record, _) = load_post(&user, &state, tenant, post).await?;
    let now = services(&state)?.clock.now();
    Ok(render(&PostRow {
        p: PostLine::new(&record, &user.time_zone, now),
    }))
}

async fn act(
    user: CurrentUser,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    form: web::Form<CsrfForm>,
    again: bool,
) -> Result<HttpResponse, PageError> {
    user.check_csrf(&form.csrf)?;
    let (tenant, post) = (tenant_id(&path.0)?, post_id(&path.1)?);
    let s = services(&state)?;
    let caller = user.caller();
    let done = web::block(move || {
        if again {
            post_service::retry_post(&s, &caller, tenant, post)
        } else {
            post_service::cancel_post(&s, &caller, tenant, post)
        }
    })
    .await?;
    match done {
        Ok(_) | Err(crate::services::ServiceError::Conflict { .. }) => {
            Ok(see_other(&format!("/tenants/{tenant}/posts/{post}")))
        }
        Err(other) => Err(other.into()),
    }
}

#[post("/tenants/{tenant}/posts/{post}/cancel")]
async fn cancel(
    user: CurrentUser,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, PageError> {
    act(user, state, path, form, false).await
}

#[post("/tenants/{tenant}/posts/{post}/retry")]
async fn retry(
    user: CurrentUser,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, PageError> {
    act(user, state, path, form, true).await
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(agency_timeline)
        .service(tenant_timeline)
        .service(post_row)
        .service(show_post)
        .service(cancel)
        .service(retry);
}
