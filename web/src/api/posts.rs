//! `/api/v1/tenants/{tenant_id}/posts`: create, list, get with the timeline, cancel, retry.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use herald_platform::domain::{PostKind, PostOptions, PostState};
use herald_platform::ids::{AccountId, MediaId, PostId, TenantId};
use herald_platform::store::posts_api::PostFilter;
use serde::Deserialize;
use utoipa::IntoParams;

use super::auth::ApiCaller;
use super::body::{parse_as, Fields};
use super::error::{ApiError, ErrorBody};
use super::idempotency::idempotent;
use super::pagination::{PageQuery, Paged};
use super::support::{path_id, run};
use super::views::{CreatePost, PostView};
use crate::services::posts::{self as post_service, NewPost};

const FIELDS: &[&str] = &[
    "account_id",
    "kind",
    "caption",
    "media",
    "options",
    "publish_at",
];

fn read_new_post(body: &[u8]) -> Result<NewPost, ApiError> {
    let fields = Fields::parse(body)?;
    fields.deny_unknown(FIELDS)?;
    let account_id: AccountId = parse_as("account_id", &fields.required_str("account_id")?)?;
    let kind: PostKind = parse_as("kind", &fields.required_str("kind")?)?;
    let caption = fields.optional_str("caption")?.unwrap_or_default();
    let media = fields
        .optional_str_list("media")?
        .unwrap_or_default()
        .iter()
        .enumerate()
        .map(|(i, id)| parse_as::<MediaId>(&format!("media[{i}]"), id))
        .collect::<Result<Vec<_>, _>>()?;
    let options: PostOptions = fields.optional_typed("options")?.unwrap_or_default();
    let publish_at = match fields.optional_str("publish_at")? {
        None => None,
        Some(text) => Some(
            DateTime::parse_from_rfc3339(&text)
                .map_err(|_| ApiError::invalid("publish_at", "must be an RFC 3339 date-time"))?
                .with_timezone(&Utc),
        ),
    };
    Ok(NewPost {
        account_id,
        kind,
        caption,
        media,
        options,
        publish_at,
    })
}

/// Schedules a post (or queues it now). The post is checked against the network's rules
/// first: every broken rule is reported, each with its field.
#[utoipa::path(post, path = "/api/v1/tenants/{tenant_id}/posts", tag = "posts",
    params(("tenant_id" = String, Path), ("Idempotency-Key" = Option<String>, Header)),
    request_body = CreatePost,
    responses((status = 201, body = PostView), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("api_key" = [])))]
pub async fn create(
    req: HttpRequest,
    caller: ApiCaller,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let tenant: TenantId = path_id("tenant", "tenant_id", &path)?;
    let caller = caller.0;
    idempotent(&req, &caller, &body, |key| async {
        let new = read_new_post(&body)?;
        let post = run(&req, move |s| {
            post_service::create_post(s, &caller, tenant, new, key.as_deref())
        })
        .await?;
        Ok((
            StatusCode::CREATED,
            serde_json::to_value(PostView::new(post, None)).unwrap_or_default(),
        ))
    })
    .await
}

/// Filters for the post list.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PostQuery {
    /// A state name.
    pub state: Option<String>,
    /// `acc_…`
    pub account_id: Option<String>,
    /// A kind name.
    pub kind: Option<String>,
    /// 1 to 200; default 50.
    pub limit: Option<String>,
    pub cursor: Option<String>,
}

/// The tenant's posts, newest first.
#[utoipa::path(get, path = "/api/v1/tenants/{tenant_id}/posts", tag = "posts",
    params(("tenant_id" = String, Path), PostQuery),
    responses((status = 200, body = Paged<PostView>), (status = 404, body = ErrorBody)), security(("api_key" = [])))]
pub async fn list(
    req: HttpRequest,
    caller: ApiCaller,
    path: web::Path<String>,
    query: web::Query<PostQuery>,
) -> Result<HttpResponse, ApiError> {
    let tenant: TenantId = path_id("tenant", "tenant_id", &path)?;
    let q = query.into_inner();
    let page = PageQuery {
        limit: q.limit,
        cursor: q.cursor.clone(),
    }
    .page()?;
    let filter = PostFilter {
        state: q
            .state
            .as_deref()
            .map(|s| parse_as::<PostState>("state", s))
            .transpose()?,
        account: q
            .account_id
            .as_deref()
            .map(|s| parse_as::<AccountId>("account_id", s))
            .transpose()?,
        kind: q
            .kind
            .as_deref()
            .map(|s| parse_as::<PostKind>("kind", s))
            .transpose()?,
    };
    let (after, limit) = (page.after.clone(), page.limit);
    let rows = run(&req, move |s| {
        post_service::list_posts(s, &caller.0, tenant, &filter, after.as_deref(), limit + 1)
    })
    .await?;
    Ok(HttpResponse::Ok().json(Paged::from_rows(
        rows,
        page.limit,
        |p| p.id.to_db(),
        |p| PostView::new(p, None),
    )))
}

/// One post with its timeline.
#[utoipa::path(get, path = "/api/v1/tenants/{tenant_id}/posts/{post_id}", tag = "posts",
    params(("tenant_id" = String, Path), ("post_id" = String, Path)),
    responses((status = 200, body = PostView), (status = 404, body = ErrorBody)), security(("api_key" = [])))]
pub async fn get(
    req: HttpRequest,
    caller: ApiCaller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let tenant: TenantId = path_id("tenant", "tenant_id", &path.0)?;
    let post: PostId = path_id("post", "post_id", &path.1)?;
    let (record, timeline) = run(&req, move |s| {
        post_service::get_post(s, &caller.0, tenant, post)
    })
    .await?;
    Ok(HttpResponse::Ok().json(PostView::new(record, Some(timeline))))
}

/// Cancels a post that has not started publishing.
#[utoipa::path(post, path = "/api/v1/tenants/{tenant_id}/posts/{post_id}/cancel", tag = "posts",
    params(("tenant_id" = String, Path), ("post_id" = String, Path)),
    responses((status = 200, body = PostView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("api_key" = [])))]
pub async fn cancel(
    req: HttpRequest,
    caller: ApiCaller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let tenant: TenantId = path_id("tenant", "tenant_id", &path.0)?;
    let post: PostId = path_id("post", "post_id", &path.1)?;
    let record = run(&req, move |s| {
        post_service::cancel_post(s, &caller.0, tenant, post)
    })
    .await?;
    Ok(HttpResponse::Ok().json(PostView::new(record, None)))
}

/// Queues a failed or unconfirmed post again.
#[utoipa::path(post, path = "/api/v1/tenants/{tenant_id}/posts/{post_id}/retry", tag = "posts",
    params(("tenant_id" = String, Path), ("post_id" = String, Path)),
    responses((status = 200, body = PostView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("api_key" = [])))]
pub async fn retry(
    req: HttpRequest,
    caller: ApiCaller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let tenant: TenantId = path_id("tenant", "tenant_id", &path.0)?;
    let post: PostId = path_id("post", "post_id", &path.1)?;
    let record = run(&req, move |s| {
        post_service::retry_post(s, &caller.0, tenant, post)
    })
    .await?;
    Ok(HttpResponse::Ok().json(PostView::new(record, None)))
}
