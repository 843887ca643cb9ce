//! Instagram on the Graph hosts: who may act on an IG account, the account, creating media
//! containers (image, reel, story, carousel, resumable) and their status. Publishing lives in
//! `ig_publish.rs`.

use actix_web::HttpResponse;
use chrono::Duration;
use serde_json::{json, Value};

use crate::errors::{catalogue, GraphError};
use crate::graph::{ok, Call, Host};
use crate::media_probe;
use crate::pages::lost_role;
use crate::state::{Container, IdKind, Inner, Probe, TokenKind};
use crate::{containers, validate, versions};

/// Checks that the call may read (or, with `publish`, publish to) the IG account.
pub fn ig_access(
    call: &Call<'_>,
    inner: &Inner,
    ig_id: &str,
    publish: bool,
) -> Result<(), GraphError> {
    let verb = call.method.as_str();
    let Some(ig) = inner.igs.get(ig_id) else {
        return Err(GraphError::no_object(ig_id, verb));
    };
    let Some(tok) = call.auth.token() else {
        return Err(GraphError::new(
            200,
            "(#200) An app access token cannot act on an Instagram account",
        ));
    };
    let need = match (call.host, publish) {
        (Host::Instagram, true) => "instagram_business_content_publish",
        (Host::Instagram, false) => "instagram_business_basic",
        (Host::Facebook, true) => "instagram_content_publish",
        (Host::Facebook, false) => "instagram_basic",
    };
    if call.host == Host::Instagram {
        if tok.profile_id.as_deref() != Some(ig_id) {
            return Err(GraphError::no_object(ig_id, verb));
        }
    } else {
        let Some(page_id) = ig.page.as_deref() else {
            return Err(GraphError::no_object(ig_id, verb));
        };
        if !tok.igs.iter().any(|g| g == ig_id) || !tok.pages.iter().any(|p| p == page_id) {
            return Err(GraphError::no_object(ig_id, verb));
        }
        if tok.kind == TokenKind::Page && tok.profile_id.as_deref() != Some(page_id) {
            return Err(GraphError::no_object(ig_id, verb));
        }
        if inner
            .pages
            .get(page_id)
            .is_some_and(|p| !p.roles.contains(&tok.user_id))
        {
            return Err(lost_role());
        }
    }
    if !call.auth.has_scope(need) {
        return Err(GraphError::new(
            10,
            format!(
                "(#10) Application does not have permission for this action: {need} is required"
            ),
        ));
    }
    Ok(())
}

/// `GET /{ig-user-id}` (and `GET /me` on the Instagram host).
pub fn get_account(call: &Call<'_>, ig_id: &str) -> Result<HttpResponse, GraphError> {
    let inner = call.shared.lock();
    ig_access(call, &inner, ig_id, false)?;
    let Some(ig) = inner.igs.get(ig_id) else {
        return Err(GraphError::no_object(ig_id, "get"));
    };
    let count = inner.ig_media.values().filter(|m| m.ig_id == ig_id).count();
    ok(json!({
        "id": ig.id, "user_id": ig.id, "username": ig.username, "name": ig.username,
        "account_type": "BUSINESS", "media_count": count,
    }))
}

fn list_param(v: &str) -> Vec<String> {
    match serde_json::from_str::<Value>(v) {
        Ok(Value::Array(items)) => items
            .iter()
            .map(|i| {
                i.as_str()
                    .map(String::from)
                    .unwrap_or_else(|| i.to_string())
            })
            .collect(),
        _ => v
            .split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect(),
    }
}

fn collaborators(call: &Call<'_>, is_child: bool) -> Result<(), GraphError> {
    let Some(raw) = call.params.get("collaborators") else {
        return Ok(());
    };
    let names = list_param(raw);
    if is_child {
        let mut e = catalogue(400, 100, Some(2207028));
        e.message =
            "(#100) collaborators: allowed on the carousel parent only, never on children".into();
        return Err(e);
    }
    if names.len() > 3 || names.iter().any(|n| n.starts_with('@') || n.is_empty()) {
        let mut e = catalogue(400, 110, Some(2207018));
        e.message = "(#110) collaborators: at most 3 usernames, without @".into();
        return Err(e);
    }
    Ok(())
}

fn user_tags(call: &Call<'_>) -> Result<(), GraphError> {
    let Some(raw) = call.params.get("user_tags") else {
        return Ok(());
    };
    let v: Value = serde_json::from_str(raw)
        .map_err(|_| GraphError::param("user_tags: must be a JSON array of {username,x,y}"))?;
    let tags = v
        .as_array()
        .ok_or_else(|| GraphError::param("user_tags: must be a JSON array"))?;
    if tags.len() > 20 {
        return Err(GraphError::param("user_tags: at most 20 tags"));
    }
    for t in tags {
        let inside = |k: &str| {
            t.get(k)
                .and_then(Value::as_f64)
                .is_some_and(|n| (0.0..=1.0).contains(&n))
        };
        if t.get("username").and_then(Value::as_str).is_none() || !inside("x") || !inside("y") {
            return Err(GraphError::param(
                "user_tags: each tag needs a username and x, y between 0 and 1",
            ));
        }
    }
    Ok(())
}

/// `POST /{ig-user-id}/media`: creates a container.
pub async fn create_container(call: &Call<'_>, ig_id: &str) -> Result<HttpResponse, GraphError> {
    let p = &call.params;
    let now = call.shared.clock.now();
    let settings = {
        let inner = call.shared.lock();
        ig_access(call, &inner, ig_id, true)?;
        let recent = inner
            .containers
            .values()
            .filter(|c| c.ig_id == ig_id && now - c.created_at < Duration::hours(24))
            .count();
        if recent >= inner.settings.ig_container_limit as usize {
            let mut e = catalogue(400, 4, None);
            e.message = format!(
                "(#4) This Instagram account created {recent} containers in the last 24 hours; \
                 the limit is {}",
                inner.settings.ig_container_limit
            );
            return Err(e);
        }
        inner.settings.clone()
    };

    let image_url = p.get("image_url").map(String::from);
    let video_url = p.get("video_url").map(String::from);
    let resumable = p.get("upload_type") == Some("resumable");
    let media_type = match p.get("media_type") {
        Some(t) => t.to_ascii_uppercase(),
        None if video_url.is_some() || resumable => "VIDEO".into(),
        None => "IMAGE".into(),
    };
    if !matches!(
        media_type.as_str(),
        "IMAGE" | "VIDEO" | "REELS" | "STORIES" | "CAROUSEL"
    ) {
        let mut e = catalogue(400, 100, Some(2207023));
        e.message = format!(
            "(#100) media_type: {media_type} is not one of IMAGE, VIDEO, REELS, STORIES, CAROUSEL"
        );
        return Err(e);
    }
    let is_child = p.bool("is_carousel_item").unwrap_or(false);
    collaborators(call, is_child)?;
    user_tags(call)?;
    let caption = p.get("caption").map(String::from);
    if !is_child {
        validate::caption(&settings, caption.as_deref())?;
    }
    if p.has("alt_text") && (media_type != "IMAGE" || image_url.is_none()) {
        return Err(GraphError::param("alt_text: allowed on images only"));
    }
    if resumable && call.host == Host::Instagram {
        return Err(GraphError::param(
            "upload_type: resumable upload is available with Facebook Login only",
        ));
    }
    if p.has("audio_configuration") && call.host == Host::Instagram {
        return Err(GraphError::param(
            "audio_configuration: available with Facebook Login only",
        ));
    }

    let id = call.shared.id(IdKind::Container);
    let mut c = Container {
        id: id.clone(),
        ig_id: ig_id.into(),
        media_type: media_type.clone(),
        caption,
        media_url: image_url.clone().or(video_url.clone()),
        children: Vec::new(),
        is_carousel_item: is_child,
        created_at: now,
        received_at: None,
        probe: Probe::Pending,
        thumb_offset_ms: if p.has("cover_url") {
            None
        } else {
            p.get("thumb_offset").and_then(|t| t.parse().ok())
        },
        published_media: None,
    };

    if media_type == "CAROUSEL" {
        let children = list_param(p.get("children").unwrap_or(""));
        containers::check_children(call.shared, ig_id, &children, now)?;
        c.children = children;
        c.received_at = Some(now);
        c.media_url = None;
        c.probe = Probe::Done(Ok(containers::no_media()));
        call.shared.lock().containers.insert(id.clone(), c);
        return ok(json!({ "id": id }));
    }

    if resumable {
        if !matches!(media_type.as_str(), "REELS" | "STORIES" | "VIDEO") {
            return Err(GraphError::param(
                "media_type: resumable upload takes REELS, STORIES or VIDEO",
            ));
        }
        c.probe = Probe::AwaitingUpload;
        call.shared.lock().containers.insert(id.clone(), c);
        let base = call.shared.config.public_base_url.trim_end_matches('/');
        return ok(json!({
            "id": id,
            "uri": format!("{base}/rupload/ig-api-upload/{}/{id}", versions::CURRENT),
        }));
    }

    let timeout = std::time::Duration::from_millis(settings.download_timeout_ms);
    match (&image_url, &video_url) {
        (Some(url), None) if matches!(media_type.as_str(), "IMAGE" | "STORIES") => {
            // Meta fetches images while creating the container: failures answer at once.
            let bytes = media_probe::fetch(call.shared, url, settings.max_image_bytes, timeout)
                .await
                .map_err(|e| validate::ig_fetch_error(&e, false, url))?;
            let facts = media_probe::probe_image(&bytes).ok_or_else(|| {
                validate::ig_fetch_error(
                    &media_probe::FetchError::NotAFile(url.clone()),
                    false,
                    url,
                )
            })?;
            if media_type == "IMAGE" {
                validate::ig_image(&settings, &facts)?;
            }
            c.received_at = Some(now);
            c.probe = Probe::Done(Ok(facts));
            call.shared.lock().containers.insert(id.clone(), c);
        }
        (None, Some(url)) if media_type != "IMAGE" && media_type != "CAROUSEL" => {
            call.shared.lock().containers.insert(id.clone(), c);
            containers::spawn_video_probe(
                &call.arc,
                &id,
                url,
                p.get("cover_url").map(String::from),
            );
        }
        _ => {
            return Err(GraphError::param(format!(
                "image_url or video_url: {media_type} needs exactly one of them (image_url for \
                 IMAGE, video_url for REELS and VIDEO)"
            )));
        }
    }
    ok(json!({ "id": id }))
}

/// `GET /{container-id}?fields=status_code,status`.
pub fn container_status(call: &Call<'_>, id: &str) -> Result<HttpResponse, GraphError> {
    let now = call.shared.clock.now();
    let inner = call.shared.lock();
    let Some(c) = inner.containers.get(id) else {
        return Err(GraphError::no_object(id, "get"));
    };
    ig_access(call, &inner, &c.ig_id.clone(), false)?;
    let (code, err) = containers::status(&inner, c, now);
    let status = match (code, &err) {
        ("FINISHED", _) => {
            "Finished: Media has been uploaded and it is ready to be published.".to_string()
        }
        ("IN_PROGRESS", _) => "In Progress: Media is still being processed.".to_string(),
        ("PUBLISHED", _) => "Published: Media has been published.".to_string(),
        ("EXPIRED", _) => "Expired: Media was not published within 24 hours.".to_string(),
        (_, Some(e)) => format!(
            "Error: Media upload has failed with error code {}",
            e.subcode.unwrap_or(e.code)
        ),
        _ => "Error".to_string(),
    };
    let mut out = json!({"id": c.id, "status_code": code, "status": status});
    if call.params.fields().iter().any(|f| f == "media_type") {
        out["media_type"] = json!(c.media_type);
    }
    ok(out)
}
