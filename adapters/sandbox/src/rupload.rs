//! The resumable upload host (`rupload.facebook.com`): reel and story bytes for Page videos
//! (`/video-upload/{v}/{video-id}`) and IG containers (`/ig-api-upload/{v}/{container-id}`),
//! sent as the body or fetched from a `file_url` header.

use actix_web::{web, HttpMessage, HttpRequest, HttpResponse};
use bytes::Bytes;
use serde_json::json;

use crate::errors::GraphError;
use crate::media_probe;
use crate::middleware::TokenOwner;
use crate::params::header_token;
use crate::state::{Probe, Shared, TokenKind};
use crate::tokens;
use crate::validate;

fn header<'a>(req: &'a HttpRequest, name: &str) -> Option<&'a str> {
    req.headers().get(name).and_then(|v| v.to_str().ok())
}

/// The bytes of the upload: the body at `offset`, or the file at the `file_url` header.
async fn bytes_of(
    shared: &Shared,
    req: &HttpRequest,
    body: Bytes,
    video: bool,
) -> Result<Vec<u8>, GraphError> {
    if let Some(url) = header(req, "file_url") {
        let (max, timeout) = {
            let s = &shared.lock().settings;
            (
                s.max_video_bytes,
                std::time::Duration::from_millis(s.download_timeout_ms),
            )
        };
        return media_probe::fetch(shared, url, max, timeout)
            .await
            .map_err(|e| {
                if video {
                    validate::fb_fetch_error(&e, url)
                } else {
                    validate::ig_fetch_error(&e, true, url)
                }
            });
    }
    let offset: u64 = header(req, "offset")
        .and_then(|o| o.parse().ok())
        .unwrap_or(0);
    if offset != 0 {
        return Err(GraphError::param(format!(
            "offset: the sandbox takes the whole file at offset 0, got {offset}"
        )));
    }
    if let Some(size) = header(req, "file_size").and_then(|s| s.parse::<usize>().ok()) {
        if size != body.len() {
            return Err(GraphError::param(format!(
                "file_size: header says {size} bytes, body has {}",
                body.len()
            )));
        }
    }
    if body.is_empty() {
        return Err(GraphError::param("body: no bytes and no file_url header"));
    }
    Ok(body.to_vec())
}

async fn video_upload(
    shared: web::Data<Shared>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    body: Bytes,
) -> Result<HttpResponse, GraphError> {
    let (_v, id) = path.into_inner();
    let token = header_token(&req);
    let auth = tokens::authenticate(&shared, token.as_deref())?;
    let Some(tok) = auth.token().cloned() else {
        return Err(GraphError::new(
            190,
            "Invalid OAuth access token - Cannot parse access token",
        ));
    };
    req.extensions_mut().insert(TokenOwner(
        tok.profile_id.clone().unwrap_or(tok.user_id.clone()),
    ));
    let page_id = shared
        .lock()
        .videos
        .get(&id)
        .map(|v| v.page_id.clone())
        .ok_or_else(|| GraphError::no_object(&id, "post"))?;
    if tok.kind != TokenKind::Page || tok.profile_id.as_deref() != Some(page_id.as_str()) {
        return Err(GraphError::new(
            200,
            "(#200) The upload must be made with the Page's access token",
        ));
    }
    let bytes = bytes_of(&shared, &req, body, true).await?;
    let facts = media_probe::probe(&bytes);
    let now = shared.clock.now();
    let mut inner = shared.lock();
    if let Some(v) = inner.videos.get_mut(&id) {
        v.file_url = header(&req, "file_url").map(String::from);
        v.file_size = bytes.len() as u64;
        v.bytes = bytes;
        v.uploaded_at = Some(now);
        v.facts = Some(facts.ok_or_else(|| crate::errors::catalogue(400, 6000, None)));
    }
    Ok(HttpResponse::Ok().json(json!({"success": true})))
}

async fn ig_upload(
    shared: web::Data<Shared>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    body: Bytes,
) -> Result<HttpResponse, GraphError> {
    let (_v, id) = path.into_inner();
    let token = header_token(&req);
    let auth = tokens::authenticate(&shared, token.as_deref())?;
    let Some(tok) = auth.token().cloned() else {
        return Err(GraphError::new(
            190,
            "Invalid OAuth access token - Cannot parse access token",
        ));
    };
    req.extensions_mut().insert(TokenOwner(
        tok.profile_id.clone().unwrap_or(tok.user_id.clone()),
    ));
    {
        let inner = shared.lock();
        let Some(c) = inner.containers.get(&id) else {
            return Err(GraphError::no_object(&id, "post"));
        };
        if !tok.igs.contains(&c.ig_id) {
            return Err(GraphError::no_object(&id, "post"));
        }
        if !matches!(c.probe, Probe::AwaitingUpload) {
            return Err(GraphError::param(
                "This container already received its bytes",
            ));
        }
    }
    let bytes = bytes_of(&shared, &req, body, false).await?;
    let now = shared.clock.now();
    let mut inner = shared.lock();
    if let Some(c) = inner.containers.get_mut(&id) {
        c.media_url = header(&req, "file_url")
            .map(String::from)
            .or(c.media_url.take());
    }
    crate::containers::receive_upload(&mut inner, &id, &bytes, now);
    Ok(HttpResponse::Ok().json(json!({"success": true, "message": "Upload successful."})))
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/rupload/video-upload/{v}/{id}",
        web::post().to(video_upload),
    )
    .route("/rupload/ig-api-upload/{v}/{id}", web::post().to(ig_upload));
}
