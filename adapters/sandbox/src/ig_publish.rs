//! Publishing to Instagram and reading what was published: `media_publish` (with the
//! quota and the container checks), `content_publishing_limit`, an account's media, and a
//! media's permalink.

use actix_web::HttpResponse;
use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Value};

use crate::containers;
use crate::errors::{catalogue, GraphError};
use crate::graph::{ok, Call};
use crate::instagram::ig_access;
use crate::ledger::LedgerEntry;
use crate::state::{IdKind, IgMedia, Inner, Probe};
/// `POST /{ig-user-id}/media_publish?creation_id=`.
pub fn publish(call: &Call<'_>, ig_id: &str) -> Result<HttpResponse, GraphError> {
    let now = call.shared.clock.now();
    let mut inner = call.shared.lock();
    ig_access(call, &inner, ig_id, true)?;
    let cid = call
        .params
        .get("creation_id")
        .ok_or_else(|| GraphError::param("creation_id: required"))?
        .to_string();
    let Some(c) = inner
        .containers
        .get(&cid)
        .filter(|c| c.ig_id == ig_id)
        .cloned()
    else {
        return Err(catalogue(400, 24, Some(2207006)));
    };
    if c.is_carousel_item {
        return Err(GraphError::param(
            "creation_id: a carousel item is published through its carousel",
        ));
    }
    let (code, err) = containers::status(&inner, &c, now);
    match code {
        "PUBLISHED" => {
            return Err(GraphError::new(
                9007,
                "(#9007) The media has already been published.",
            ))
        }
        "EXPIRED" => return Err(catalogue(400, -2, Some(2207020))),
        "IN_PROGRESS" => return Err(catalogue(400, 9007, Some(2207027))),
        "ERROR" => return Err(err.unwrap_or_else(|| catalogue(400, -1, Some(2207001)))),
        _ => {}
    }
    if c.media_type == "VIDEO" {
        return Err(catalogue(400, 100, Some(2207089)));
    }
    let (quota, window) = (
        inner.settings.ig_publish_quota as usize,
        Duration::seconds(inner.settings.ig_quota_duration_seconds),
    );
    if quota_usage(&inner, ig_id, now, window) >= quota {
        return Err(catalogue(400, 9, Some(2207042)));
    }

    // Publish: the container, its children, a media object and a ledger entry.
    let media_id = call.shared.id(IdKind::IgMedia);
    let mut child_media = Vec::new();
    let mut urls = Vec::new();
    for child in &c.children {
        let mid = call.shared.id(IdKind::IgMedia);
        if let Some(cc) = inner.containers.get_mut(child) {
            cc.published_media = Some(mid.clone());
            urls.extend(cc.media_url.clone());
        }
        child_media.push(mid);
    }
    urls.extend(c.media_url.clone());
    let (media_type, product, kind) = match c.media_type.as_str() {
        "REELS" => ("VIDEO", "REELS", "ig_reel"),
        "STORIES" => (
            if c.media_url
                .as_deref()
                .is_some_and(|_| matches!(c.probe, Probe::Done(Ok(ref f)) if f.kind == "video"))
            {
                "VIDEO"
            } else {
                "IMAGE"
            },
            "STORY",
            "ig_story",
        ),
        "CAROUSEL" => ("CAROUSEL_ALBUM", "FEED", "ig_carousel"),
        _ => ("IMAGE", "FEED", "ig_image"),
    };
    if let Some(cm) = inner.containers.get_mut(&cid) {
        cm.published_media = Some(media_id.clone());
    }
    let shortcode = format!("S{}", &media_id[media_id.len().saturating_sub(10)..]);
    inner.ig_media.insert(
        media_id.clone(),
        IgMedia {
            id: media_id.clone(),
            ig_id: ig_id.into(),
            media_type: media_type.into(),
            product_type: product.into(),
            caption: c.caption.clone(),
            media_url: c.media_url.clone(),
            children: child_media.clone(),
            published_at: now,
            shortcode,
        },
    );
    inner.ledger.push(LedgerEntry {
        id: media_id.clone(),
        owner: ig_id.into(),
        kind: kind.into(),
        caption: c.caption.clone(),
        media: urls,
        children: child_media,
        time: now,
        request_id: call.request_id.clone(),
        container_id: Some(cid),
    });
    ok(json!({ "id": media_id }))
}

fn quota_usage(inner: &Inner, ig_id: &str, now: DateTime<Utc>, window: Duration) -> usize {
    inner
        .ledger
        .iter()
        .filter(|e| e.owner == ig_id && e.kind.starts_with("ig_") && now - e.time < window)
        .count()
}

/// `GET /{ig-user-id}/content_publishing_limit?fields=quota_usage,config`.
pub fn publishing_limit(call: &Call<'_>, ig_id: &str) -> Result<HttpResponse, GraphError> {
    let now = call.shared.clock.now();
    let inner = call.shared.lock();
    ig_access(call, &inner, ig_id, false)?;
    let s = &inner.settings;
    let used = quota_usage(
        &inner,
        ig_id,
        now,
        Duration::seconds(s.ig_quota_duration_seconds),
    );
    ok(json!({"data": [{
        "quota_usage": used,
        "config": {
            "quota_total": s.ig_publish_quota,
            "quota_duration": s.ig_quota_duration_seconds,
        },
    }]}))
}

fn media_json(m: &IgMedia, username: &str) -> Value {
    json!({
        "id": m.id, "media_type": m.media_type, "media_product_type": m.product_type,
        "caption": m.caption, "media_url": m.media_url, "username": username,
        "shortcode": m.shortcode,
        "timestamp": crate::pages::graph_time(m.published_at),
        "permalink": format!("https://www.instagram.com/p/{}/", m.shortcode),
    })
}

/// `GET /{ig-user-id}/media`: the account's media, newest first.
pub fn list_media(call: &Call<'_>, ig_id: &str) -> Result<HttpResponse, GraphError> {
    let inner = call.shared.lock();
    ig_access(call, &inner, ig_id, false)?;
    let username = inner
        .igs
        .get(ig_id)
        .map(|i| i.username.clone())
        .unwrap_or_default();
    let children: Vec<&String> = inner
        .ig_media
        .values()
        .flat_map(|m| m.children.iter())
        .collect();
    let mut items: Vec<&IgMedia> = inner
        .ig_media
        .values()
        .filter(|m| m.ig_id == ig_id && !children.contains(&&m.id))
        .collect();
    items.sort_by(|a, b| b.published_at.cmp(&a.published_at).then(b.id.cmp(&a.id)));
    let data: Vec<Value> = items
        .into_iter()
        .map(|m| media_json(m, &username))
        .collect();
    ok(json!({ "data": data }))
}

/// `GET /{ig-media-id}?fields=permalink,timestamp,...`; briefly 100/33 right after publishing
/// when `permalink_delay_ms` is set.
pub fn get_media(call: &Call<'_>, id: &str) -> Result<HttpResponse, GraphError> {
    let now = call.shared.clock.now();
    let inner = call.shared.lock();
    let Some(m) = inner.ig_media.get(id) else {
        return Err(GraphError::no_object(id, "get"));
    };
    ig_access(call, &inner, &m.ig_id.clone(), false)?;
    if now < m.published_at + Duration::milliseconds(inner.settings.permalink_delay_ms) {
        return Err(GraphError::no_object(id, "get"));
    }
    let username = inner
        .igs
        .get(&m.ig_id)
        .map(|i| i.username.clone())
        .unwrap_or_default();
    let mut out = media_json(m, &username);
    if !m.children.is_empty() {
        out["children"] =
            json!({"data": m.children.iter().map(|c| json!({"id": c})).collect::<Vec<_>>()});
    }
    ok(out)
}
