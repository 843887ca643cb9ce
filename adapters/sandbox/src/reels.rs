//! Facebook reels and video stories: `upload_phase=start` answers an `upload_url` on the
//! rupload host, the bytes arrive there, and `upload_phase=finish` checks and publishes (or
//! keeps a draft), within the Page's daily reel limit.

use actix_web::HttpResponse;
use chrono::Duration;
use serde_json::json;

use crate::errors::{catalogue, GraphError};
use crate::feed::record;
use crate::graph::{ok, success, Call};
use crate::ledger::LedgerEntry;
use crate::pages::page_access;
use crate::state::{IdKind, Post};
use crate::videos::new_video;
use crate::{validate, versions};

/// `POST /{page-id}/video_reels` and `/video_stories`: `upload_phase=start|finish`.
pub async fn post_phased(
    call: &Call<'_>,
    page_id: &str,
    edge: &str,
) -> Result<HttpResponse, GraphError> {
    let kind: &'static str = if edge == "video_reels" {
        "video_reels"
    } else {
        "video_stories"
    };
    {
        let inner = call.shared.lock();
        page_access(call, &inner, page_id, &["pages_manage_posts"])?;
    }
    let p = &call.params;
    match p.get("upload_phase") {
        Some("start") => {
            let id = call.shared.id(IdKind::Video);
            let mut inner = call.shared.lock();
            inner
                .videos
                .insert(id.clone(), new_video(&id, page_id, kind, 0));
            let base = call.shared.config.public_base_url.trim_end_matches('/');
            let upload_url = format!("{base}/rupload/video-upload/{}/{id}", versions::CURRENT);
            ok(json!({"video_id": id, "upload_url": upload_url}))
        }
        Some("finish") => finish(call, page_id, kind),
        Some(other) => Err(GraphError::param(format!(
            "upload_phase: unknown value {other}"
        ))),
        None => Err(GraphError::param(
            "upload_phase: required (start or finish)",
        )),
    }
}

fn finish(call: &Call<'_>, page_id: &str, kind: &'static str) -> Result<HttpResponse, GraphError> {
    let p = &call.params;
    let vid = p
        .get("video_id")
        .ok_or_else(|| GraphError::param("video_id: required"))?
        .to_string();
    let now = call.shared.clock.now();
    let mut inner = call.shared.lock();
    let Some(v) = inner
        .videos
        .get(&vid)
        .filter(|v| v.page_id == page_id && v.kind == kind)
    else {
        return Err(GraphError::param(format!(
            "video_id: {vid} was not started on this Page's {kind}"
        )));
    };
    if v.published_at.is_some() || v.state.as_deref() == Some("PUBLISHED") {
        return Err(GraphError::param(format!(
            "video_id: {vid} is already published"
        )));
    }
    let facts = match &v.facts {
        None => return Err(catalogue(400, 6000, None)),
        Some(Err(e)) => return Err(e.clone()),
        Some(Ok(f)) => f.clone(),
    };
    let url = v.file_url.clone();
    if kind == "video_reels" {
        validate::fb_reel(&facts)?;
    } else if facts.duration_ms.unwrap_or(0) > 60_000 {
        return Err(GraphError::param("video: a video story is at most 60 s").with_sub(1363128));
    }
    let state = if kind == "video_reels" {
        p.get("video_state")
            .unwrap_or("PUBLISHED")
            .to_ascii_uppercase()
    } else {
        "PUBLISHED".to_string()
    };
    if !matches!(state.as_str(), "PUBLISHED" | "DRAFT" | "SCHEDULED") {
        return Err(GraphError::param(
            "video_state: must be PUBLISHED, DRAFT or SCHEDULED",
        ));
    }
    if state == "SCHEDULED" && p.get("scheduled_publish_time").is_none() {
        return Err(GraphError::param(
            "scheduled_publish_time: required with video_state=SCHEDULED",
        ));
    }
    if kind == "video_reels" && state != "DRAFT" {
        let limit = inner.settings.fb_reels_per_day as usize;
        let recent = inner
            .ledger
            .iter()
            .filter(|e| {
                e.owner == page_id && e.kind == "fb_reel" && now - e.time < Duration::hours(24)
            })
            .count();
        if recent >= limit {
            let mut e = catalogue(400, 4, None);
            e.message = format!(
                "(#4) This Page has published {recent} reels through the API in the last 24 \
                 hours; the limit is {limit}"
            );
            return Err(e);
        }
    }
    let description = p.get("description").map(String::from);
    let post_id = format!("{page_id}_{vid}");
    if let Some(v) = inner.videos.get_mut(&vid) {
        v.state = Some(state.clone());
        v.description = description.clone();
        if state != "DRAFT" {
            v.published_at = Some(now);
            v.post_id = Some(post_id.clone());
        }
    }
    if state == "DRAFT" {
        return success();
    }
    let ledger_kind = if kind == "video_reels" {
        "fb_reel"
    } else {
        "fb_story"
    };
    inner.posts.insert(
        vid.clone(),
        Post {
            id: vid.clone(),
            page_id: page_id.into(),
            message: description.clone(),
            created_at: now,
            kind: ledger_kind,
        },
    );
    record(
        &mut inner,
        LedgerEntry {
            id: vid.clone(),
            owner: page_id.into(),
            kind: ledger_kind.into(),
            caption: description,
            media: url.into_iter().collect(),
            children: Vec::new(),
            time: now,
            request_id: call.request_id.clone(),
            container_id: None,
        },
    );
    if kind == "video_stories" {
        return ok(json!({"success": true, "post_id": post_id}));
    }
    success()
}
