//! The Graph API hosts (`/graph/{version}/...` and `/ig-graph/{version}/...`): version
//! check, authentication, usage accounting, then routing to Pages, Instagram or tokens.

use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::http::Method;
use actix_web::{web, HttpMessage, HttpRequest, HttpResponse, ResponseError};
use bytes::Bytes;
use serde_json::json;

use crate::errors::GraphError;
use crate::middleware::{RequestId, TokenOwner};
use crate::params::{access_token, Params};
use crate::state::{Shared, TokenKind};
use crate::tokens::{self, Auth};
use crate::usage::Bucket;
use crate::{feed, ig_publish, instagram, oauth, pages, reels, versions, videos, webhooks};

/// Which Meta API host a call came in on.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Host {
    /// `graph.facebook.com`.
    Facebook,
    /// `graph.instagram.com` (Instagram Login).
    Instagram,
}

/// Everything a Graph handler needs about the call.
pub struct Call<'a> {
    pub shared: &'a Shared,
    /// The same state, owned, for work that outlives the call (media probes).
    pub arc: std::sync::Arc<Shared>,
    pub params: Params,
    pub auth: Auth,
    pub host: Host,
    pub method: Method,
    pub request_id: String,
}

async fn facebook(shared: web::Data<Shared>, req: HttpRequest, body: Bytes) -> HttpResponse {
    dispatch(&shared, &req, &body, Host::Facebook).await
}

async fn instagram_host(shared: web::Data<Shared>, req: HttpRequest, body: Bytes) -> HttpResponse {
    dispatch(&shared, &req, &body, Host::Instagram).await
}

async fn dispatch(
    data: &web::Data<Shared>,
    req: &HttpRequest,
    body: &Bytes,
    host: Host,
) -> HttpResponse {
    let shared: &Shared = data;
    let tail = req.match_info().get("tail").unwrap_or("").to_string();
    let mut segs: Vec<String> = tail
        .split('/')
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect();

    // The version, when the path has one.
    if segs
        .first()
        .is_some_and(|s| versions::looks_like_version(s))
    {
        let v = segs.remove(0);
        if let Err(e) = versions::check(&v, shared.clock.now()) {
            return e.error_response();
        }
    }
    let params = match Params::parse(req, body) {
        Ok(p) => p,
        Err(e) => return e.error_response(),
    };

    // Calls that need no user token.
    let segs_ref: Vec<&str> = segs.iter().map(String::as_str).collect();
    match (host, segs_ref.as_slice()) {
        (Host::Facebook, ["oauth", "access_token"]) => {
            return oauth::fb_access_token(shared, &params).unwrap_or_else(|e| e.error_response())
        }
        (Host::Instagram, ["access_token"]) => {
            return oauth::ig_exchange_with(shared, req, &params)
                .unwrap_or_else(|e| e.error_response())
        }
        (Host::Instagram, ["refresh_access_token"]) => {
            return oauth::ig_refresh_with(shared, req, &params)
                .unwrap_or_else(|e| e.error_response())
        }
        _ => {}
    }

    let token = access_token(req, &params);
    let auth = match tokens::authenticate(shared, token.as_deref()) {
        Ok(a) => a,
        Err(e) => return e.error_response(),
    };
    let owner = match &auth {
        Auth::App => shared.config.app_id.clone(),
        Auth::Token(_, t) => t.profile_id.clone().unwrap_or_else(|| t.user_id.clone()),
    };
    req.extensions_mut().insert(TokenOwner(owner));
    if host == Host::Instagram
        && !matches!(
            auth.token().map(|t| t.kind),
            Some(TokenKind::IgShort | TokenKind::IgLong)
        )
    {
        return GraphError::new(
            190,
            "Invalid OAuth access token - Cannot parse access token",
        )
        .error_response();
    }
    if host == Host::Facebook
        && matches!(
            auth.token().map(|t| t.kind),
            Some(TokenKind::IgShort | TokenKind::IgLong)
        )
    {
        return GraphError::new(
            190,
            "Invalid OAuth access token - Cannot parse access token",
        )
        .error_response();
    }

    // Charge the call to its budget.
    let bucket = bucket_for(shared, &auth, segs.first().map(String::as_str));
    let (headers, allowed) = {
        let now = shared.clock.now();
        let mut inner = shared.lock();
        let users = inner.users.len();
        let settings = inner.settings.clone();
        inner.usage.charge(&bucket, now, &settings, users)
    };

    let request_id = req
        .extensions()
        .get::<RequestId>()
        .map(|r| r.0.clone())
        .unwrap_or_default();
    let call = Call {
        shared,
        arc: data.clone().into_inner(),
        params,
        auth,
        host,
        method: req.method().clone(),
        request_id,
    };
    let result = match allowed {
        Err(e) => Err(e),
        Ok(()) => route(&call, &segs_ref).await,
    };
    let mut resp = result.unwrap_or_else(|e| e.error_response());
    for (name, value) in headers.0 {
        if let Ok(v) = HeaderValue::from_str(&value) {
            resp.headers_mut().insert(HeaderName::from_static(name), v);
        }
    }
    resp
}

fn bucket_for(shared: &Shared, auth: &Auth, target: Option<&str>) -> Bucket {
    let inner = shared.lock();
    if let Some(t) = target {
        if inner.igs.contains_key(t) {
            return Bucket::Instagram(t.to_string());
        }
        if let Some(c) = inner.containers.get(t) {
            return Bucket::Instagram(c.ig_id.clone());
        }
        if let Some(m) = inner.ig_media.get(t) {
            return Bucket::Instagram(m.ig_id.clone());
        }
    }
    match auth.token() {
        Some(tok) if tok.kind == TokenKind::Page => {
            Bucket::Page(tok.profile_id.clone().unwrap_or_default())
        }
        Some(tok) if matches!(tok.kind, TokenKind::IgShort | TokenKind::IgLong) => {
            Bucket::Instagram(tok.profile_id.clone().unwrap_or_default())
        }
        _ => Bucket::App,
    }
}

/// What kind of object an id names.
enum Target {
    Me,
    Page,
    Ig,
    Container,
    IgMedia,
    Video,
    Post,
    Photo,
    App,
    Unknown,
}

fn classify(call: &Call<'_>, id: &str) -> Target {
    if id == "me" {
        return Target::Me;
    }
    if id == call.shared.config.app_id {
        return Target::App;
    }
    let inner = call.shared.lock();
    if inner.pages.contains_key(id) {
        Target::Page
    } else if inner.igs.contains_key(id) {
        Target::Ig
    } else if inner.containers.contains_key(id) {
        Target::Container
    } else if inner.ig_media.contains_key(id) {
        Target::IgMedia
    } else if inner.videos.contains_key(id) {
        Target::Video
    } else if inner.posts.contains_key(id) {
        Target::Post
    } else if inner.photos.contains_key(id) {
        Target::Photo
    } else {
        Target::Unknown
    }
}

async fn route(call: &Call<'_>, segs: &[&str]) -> Result<HttpResponse, GraphError> {
    let m = call.method.clone();
    let is_get = m == Method::GET;
    let is_post = m == Method::POST;
    let verb = m.as_str().to_ascii_lowercase();
    let Some(first) = segs.first().copied() else {
        return Err(GraphError::param(
            "Unsupported request: no object in the path",
        ));
    };
    if first == "debug_token" && segs.len() == 1 {
        return oauth::debug_token(call.shared, &call.params, &call.auth);
    }

    // `me` on the Instagram host is the IG account.
    let target_id = if first == "me" && call.host == Host::Instagram {
        call.auth
            .token()
            .and_then(|t| t.profile_id.clone())
            .unwrap_or_default()
    } else {
        first.to_string()
    };
    let target = match (first, call.host) {
        ("me", Host::Instagram) => Target::Ig,
        _ => classify(call, &target_id),
    };
    let edge = segs.get(1).copied();
    let id = target_id.as_str();

    match (target, edge) {
        (Target::Me, None) if is_get => pages::me(call),
        (Target::Me, Some("accounts")) if is_get => pages::accounts(call),
        (Target::App, Some("subscriptions")) => webhooks::graph_subscriptions(call).await,
        (Target::Page, None) if is_get => pages::get_page(call, id),
        (Target::Page, Some("feed")) if is_post => feed::post_feed(call, id),
        (Target::Page, Some("feed" | "posts" | "published_posts")) if is_get => {
            pages::list_posts(call, id)
        }
        (Target::Page, Some("photos")) if is_post => feed::post_photo(call, id).await,
        (Target::Page, Some("photo_stories")) if is_post => feed::photo_story(call, id),
        (Target::Page, Some("subscribed_apps")) => pages::subscribed_apps(call, id),
        (Target::Page, Some("videos")) if is_post => videos::post_videos(call, id).await,
        (Target::Page, Some(e @ ("video_reels" | "video_stories"))) if is_post => {
            reels::post_phased(call, id, e).await
        }
        (Target::Page, Some(e @ ("videos" | "video_reels"))) if is_get => {
            videos::list_videos(call, id, e)
        }
        (Target::Ig, None) if is_get => instagram::get_account(call, id),
        (Target::Ig, Some("media")) if is_post => instagram::create_container(call, id).await,
        (Target::Ig, Some("media")) if is_get => ig_publish::list_media(call, id),
        (Target::Ig, Some("media_publish")) if is_post => ig_publish::publish(call, id),
        (Target::Ig, Some("content_publishing_limit")) if is_get => {
            ig_publish::publishing_limit(call, id)
        }
        (Target::Container, None) if is_get => instagram::container_status(call, id),
        (Target::IgMedia, None) if is_get => ig_publish::get_media(call, id),
        (Target::Video, None) if is_get => videos::get_video(call, id),
        (Target::Post | Target::Photo, None) if is_get => pages::get_post(call, id),
        (Target::Unknown, _) | (Target::Me, _) => Err(GraphError::no_object(id, &verb)),
        _ => Err(GraphError::no_object(id, &verb)),
    }
}

/// The JSON answer of a successful call.
pub fn ok(v: serde_json::Value) -> Result<HttpResponse, GraphError> {
    Ok(HttpResponse::Ok().json(v))
}

/// `{"success": true}`.
pub fn success() -> Result<HttpResponse, GraphError> {
    ok(json!({"success": true}))
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/graph/{tail:.*}", web::route().to(facebook))
        .route("/ig-graph/{tail:.*}", web::route().to(instagram_host));
}

/// Any path no Meta host serves: Graph's "Unknown path components" in the envelope.
pub async fn unknown_path(req: HttpRequest) -> HttpResponse {
    GraphError::new(2500, format!("Unknown path components: {}", req.path())).error_response()
}
