//! Facebook Page videos: `/videos` (by `file_url` or the resumable start/transfer/finish
//! protocol), a video's `status`, and listing a Page's videos. Reels and video stories are
//! in `reels.rs`.

use actix_web::HttpResponse;
use chrono::Duration;
use serde_json::{json, Value};

use crate::errors::{catalogue, GraphError};
use crate::feed::record;
use crate::graph::{ok, success, Call};
use crate::ledger::LedgerEntry;
use crate::media_probe::{self, MediaFacts};
use crate::pages::page_access;
use crate::state::{IdKind, Inner, Post, Video};
use crate::validate;

fn video_problem(f: &MediaFacts) -> Option<GraphError> {
    (f.kind != "video" || !matches!(f.format.as_str(), "mp4" | "mov"))
        .then(|| catalogue(400, 6000, None))
}

/// `POST /{page-id}/videos`.
pub async fn post_videos(call: &Call<'_>, page_id: &str) -> Result<HttpResponse, GraphError> {
    let (max, timeout, chunk) = {
        let inner = call.shared.lock();
        page_access(call, &inner, page_id, &["pages_manage_posts"])?;
        let s = &inner.settings;
        (
            s.max_video_bytes,
            std::time::Duration::from_millis(s.download_timeout_ms),
            s.upload_chunk_bytes,
        )
    };
    let p = &call.params;
    match p.get("upload_phase") {
        Some("start") => {
            let size: u64 = p
                .get("file_size")
                .and_then(|s| s.parse().ok())
                .ok_or_else(|| GraphError::param("file_size: required, in bytes"))?;
            let id = call.shared.id(IdKind::Video);
            let mut inner = call.shared.lock();
            inner
                .videos
                .insert(id.clone(), new_video(&id, page_id, "videos", size));
            ok(json!({
                "upload_session_id": id, "video_id": id, "start_offset": "0",
                "end_offset": size.min(chunk).to_string(),
            }))
        }
        Some("transfer") => {
            let sid = p
                .get("upload_session_id")
                .ok_or_else(|| GraphError::param("upload_session_id: required"))?;
            let start: u64 = p
                .get("start_offset")
                .and_then(|s| s.parse().ok())
                .ok_or_else(|| GraphError::param("start_offset: required"))?;
            let data = p
                .file("video_file_chunk")
                .ok_or_else(|| GraphError::param("video_file_chunk: required (multipart file)"))?;
            let mut inner = call.shared.lock();
            let v = session(&mut inner, sid, page_id)?;
            if start != v.bytes.len() as u64 {
                return Err(GraphError::new(
                    6001,
                    format!("start_offset: expected {}, got {start}", v.bytes.len()),
                ));
            }
            v.bytes.extend_from_slice(data);
            let now_len = v.bytes.len() as u64;
            let end = (now_len + chunk).min(v.file_size);
            ok(json!({"start_offset": now_len.to_string(), "end_offset": end.to_string()}))
        }
        Some("finish") => {
            let sid = p
                .get("upload_session_id")
                .ok_or_else(|| GraphError::param("upload_session_id: required"))?
                .to_string();
            let now = call.shared.clock.now();
            let mut inner = call.shared.lock();
            let v = session(&mut inner, &sid, page_id)?;
            if v.bytes.is_empty() || (v.bytes.len() as u64) < v.file_size {
                return Err(catalogue(400, 6000, None));
            }
            let facts = media_probe::probe(&v.bytes).ok_or_else(|| catalogue(400, 6000, None))?;
            if let Some(e) = video_problem(&facts) {
                return Err(e);
            }
            v.uploaded_at = Some(now);
            let url = None;
            publish_video(
                call,
                &mut inner,
                &sid,
                facts,
                url,
                p.get("description").map(String::from),
            );
            success()
        }
        Some(other) => Err(GraphError::param(format!(
            "upload_phase: unknown value {other}"
        ))),
        None => {
            let url = p
                .get("file_url")
                .ok_or_else(|| GraphError::param("file_url or upload_phase: one is required"))?
                .to_string();
            let bytes = media_probe::fetch(call.shared, &url, max, timeout)
                .await
                .map_err(|e| validate::fb_fetch_error(&e, &url))?;
            let facts = media_probe::probe(&bytes).ok_or_else(|| catalogue(400, 6000, None))?;
            if let Some(e) = video_problem(&facts) {
                return Err(e);
            }
            let now = call.shared.clock.now();
            let id = call.shared.id(IdKind::Video);
            let mut inner = call.shared.lock();
            let mut v = new_video(&id, page_id, "videos", bytes.len() as u64);
            v.uploaded_at = Some(now);
            v.file_url = Some(url.clone());
            inner.videos.insert(id.clone(), v);
            publish_video(
                call,
                &mut inner,
                &id,
                facts,
                Some(url),
                p.get("description").map(String::from),
            );
            ok(json!({ "id": id }))
        }
    }
}

pub fn new_video(id: &str, page_id: &str, kind: &'static str, size: u64) -> Video {
    Video {
        id: id.into(),
        page_id: page_id.into(),
        kind,
        file_size: size,
        bytes: Vec::new(),
        file_url: None,
        uploaded_at: None,
        facts: None,
        published_at: None,
        state: None,
        description: None,
        post_id: None,
    }
}

fn session<'a>(
    inner: &'a mut Inner,
    sid: &str,
    page_id: &str,
) -> Result<&'a mut Video, GraphError> {
    inner
        .videos
        .get_mut(sid)
        .filter(|v| v.page_id == page_id)
        .ok_or_else(|| {
            GraphError::param(format!(
                "upload_session_id: {sid} is not an upload session of this Page"
            ))
        })
}

/// A `/videos` upload is published, except a vertical one, which lands as a draft.
fn publish_video(
    call: &Call<'_>,
    inner: &mut Inner,
    id: &str,
    facts: MediaFacts,
    url: Option<String>,
    description: Option<String>,
) {
    let now = call.shared.clock.now();
    let vertical = facts.height > facts.width;
    let page_id = inner
        .videos
        .get(id)
        .map(|v| v.page_id.clone())
        .unwrap_or_default();
    if let Some(v) = inner.videos.get_mut(id) {
        v.facts = Some(Ok(facts));
        v.description = description.clone();
        v.state = Some(if vertical { "DRAFT" } else { "PUBLISHED" }.into());
        if !vertical {
            v.published_at = Some(now);
        }
    }
    if vertical {
        return;
    }
    inner.posts.insert(
        id.into(),
        Post {
            id: id.into(),
            page_id: page_id.clone(),
            message: description.clone(),
            created_at: now,
            kind: "fb_video",
        },
    );
    record(
        inner,
        LedgerEntry {
            id: id.into(),
            owner: page_id,
            kind: "fb_video".into(),
            caption: description,
            media: url.into_iter().collect(),
            children: Vec::new(),
            time: now,
            request_id: call.request_id.clone(),
            container_id: None,
        },
    );
}
/// `GET /{video-id}?fields=status,...`.
pub fn get_video(call: &Call<'_>, id: &str) -> Result<HttpResponse, GraphError> {
    let now = call.shared.clock.now();
    let inner = call.shared.lock();
    let Some(v) = inner.videos.get(id) else {
        return Err(GraphError::no_object(id, "get"));
    };
    if call
        .auth
        .token()
        .is_some_and(|t| !t.pages.contains(&v.page_id))
    {
        return Err(GraphError::no_object(id, "get"));
    }
    let processing_ms = inner.settings.video_processing_ms;
    let uploaded = v.uploaded_at.is_some() || !v.bytes.is_empty();
    let processed = v
        .uploaded_at
        .is_some_and(|t| now >= t + Duration::milliseconds(processing_ms));
    let failed = matches!(v.facts, Some(Err(_)));
    let video_status = if failed {
        "error"
    } else if !uploaded {
        "upload_in_progress"
    } else if !processed {
        "processing"
    } else {
        "ready"
    };
    let publish_status = match v.state.as_deref() {
        Some("PUBLISHED") if processed => "published",
        Some("SCHEDULED") => "scheduled",
        Some("DRAFT") => "draft",
        _ => "not_published",
    };
    let upload_phase = if uploaded { "complete" } else { "not_started" };
    let processing_phase = match (failed, processed, uploaded) {
        (true, _, _) => "error",
        (_, true, _) => "complete",
        (_, _, true) => "in_progress",
        _ => "not_started",
    };
    let publishing_phase = if publish_status == "published" {
        "complete"
    } else {
        "not_started"
    };
    let status = json!({
        "video_status": video_status,
        "uploading_phase": {"status": upload_phase, "bytes_transferred": v.bytes.len()},
        "processing_phase": {"status": processing_phase},
        "publishing_phase": {"status": publishing_phase, "publish_status": publish_status,
            "publish_time": v.published_at.map(|t| t.timestamp())},
    });
    let mut out = json!({"id": v.id, "status": status});
    if let Some(d) = &v.description {
        out["description"] = json!(d);
    }
    if let Some(pid) = &v.post_id {
        out["post_id"] = json!(pid);
    }
    out["permalink_url"] = json!(format!("/{}/videos/{}", v.page_id, v.id));
    ok(out)
}

/// `GET /{page-id}/videos` and `/video_reels`.
pub fn list_videos(call: &Call<'_>, page_id: &str, edge: &str) -> Result<HttpResponse, GraphError> {
    let inner = call.shared.lock();
    if call
        .auth
        .token()
        .is_some_and(|t| !t.pages.iter().any(|p| p == page_id))
    {
        return Err(GraphError::no_object(page_id, "get"));
    }
    let mut vids: Vec<&Video> = inner
        .videos
        .values()
        .filter(|v| {
            v.page_id == page_id
                && v.state.is_some()
                && (edge == "videos" || v.kind == "video_reels")
        })
        .collect();
    vids.sort_by(|a, b| b.published_at.cmp(&a.published_at).then(b.id.cmp(&a.id)));
    let data: Vec<Value> = vids
        .into_iter()
        .map(|v| {
            json!({
                "id": v.id, "description": v.description,
                "created_time": v.published_at.or(v.uploaded_at).map(crate::pages::graph_time),
            })
        })
        .collect();
    ok(json!({ "data": data }))
}
