//! Publishing on a Facebook Page without video: feed posts (text, link, photos through
//! `attached_media`), photos (by `url` or multipart `source`) and photo stories.

use actix_web::HttpResponse;
use chrono::Duration;
use serde_json::{json, Value};

use crate::errors::GraphError;
use crate::graph::{ok, Call};
use crate::ledger::LedgerEntry;
use crate::media_probe::{self, FetchError};
use crate::pages::page_access;
use crate::params::Params;
use crate::state::{IdKind, Inner, Photo, Post};
use crate::validate;

/// Records a published object in the ledger.
pub fn record(inner: &mut Inner, entry: LedgerEntry) {
    inner.ledger.push(entry);
}

/// `POST /{page-id}/feed`: text, link, or photos through `attached_media`.
pub fn post_feed(call: &Call<'_>, page_id: &str) -> Result<HttpResponse, GraphError> {
    let p = &call.params;
    let now = call.shared.clock.now();
    let mut inner = call.shared.lock();
    page_access(call, &inner, page_id, &["pages_manage_posts"])?;

    let attached = attached_ids(p)?;
    if attached.len() > 10 {
        return Err(GraphError::param(
            "attached_media: at most 10 photos per post",
        ));
    }
    let mut media_urls = Vec::new();
    for id in &attached {
        if inner.videos.contains_key(id) {
            return Err(GraphError::param(
                "attached_media: photos and a video cannot be mixed in one post",
            ));
        }
        let Some(photo) = inner.photos.get(id).filter(|ph| ph.page_id == page_id) else {
            return Err(GraphError::param(format!(
                "attached_media: {id} is not a photo of this Page"
            )));
        };
        if photo.published || photo.used {
            return Err(GraphError::param(format!(
                "attached_media: photo {id} is already published"
            )));
        }
        media_urls.extend(photo.url.clone());
    }

    let message = p.get("message").map(String::from);
    let link = p.get("link").map(String::from);
    if message.is_none() && link.is_none() && attached.is_empty() {
        return Err(GraphError::param(
            "message, link or attached_media: at least one is required",
        ));
    }
    let window = inner.settings.duplicate_window_seconds;
    if window > 0 && message.is_some() {
        let dup = inner.posts.values().any(|post| {
            post.page_id == page_id
                && post.message == message
                && now - post.created_at < Duration::seconds(window)
        });
        if dup {
            return Err(crate::errors::catalogue(400, 506, None));
        }
    }
    let scheduled = p.get("scheduled_publish_time").map(String::from);
    let published = p.bool("published").unwrap_or(true);
    if let Some(at) = &scheduled {
        check_schedule(at, published, now)?;
    }

    for id in &attached {
        if let Some(ph) = inner.photos.get_mut(id) {
            ph.used = true;
        }
    }
    let id = format!("{page_id}_{}", call.shared.next());
    inner.posts.insert(
        id.clone(),
        Post {
            id: id.clone(),
            page_id: page_id.into(),
            message: message.clone(),
            created_at: now,
            kind: "fb_post",
        },
    );
    if published || scheduled.is_some() {
        let mut media = media_urls;
        media.extend(link);
        record(
            &mut inner,
            LedgerEntry {
                id: id.clone(),
                owner: page_id.into(),
                kind: "fb_post".into(),
                caption: message,
                media,
                children: attached,
                time: now,
                request_id: call.request_id.clone(),
                container_id: None,
            },
        );
    }
    ok(json!({ "id": id }))
}

/// `POST /{page-id}/photos` with `url` or multipart `source`; `published=false` keeps it
/// for `attached_media` or a photo story.
pub async fn post_photo(call: &Call<'_>, page_id: &str) -> Result<HttpResponse, GraphError> {
    let (max, timeout) = {
        let inner = call.shared.lock();
        page_access(call, &inner, page_id, &["pages_manage_posts"])?;
        (
            inner.settings.max_fb_photo_bytes,
            std::time::Duration::from_millis(inner.settings.download_timeout_ms),
        )
    };
    let url = call.params.get("url").map(String::from);
    let bytes = match (&url, call.params.file("source")) {
        (_, Some(b)) => b.to_vec(),
        (Some(u), None) => media_probe::fetch(call.shared, u, max, timeout)
            .await
            .map_err(|e| validate::fb_fetch_error(&e, u))?,
        (None, None) => return Err(GraphError::param("url or source: one is required")),
    };
    if bytes.len() as u64 > max {
        return Err(validate::fb_fetch_error(
            &FetchError::TooLarge(bytes.len() as u64),
            url.as_deref().unwrap_or("source"),
        ));
    }
    if media_probe::probe_image(&bytes).is_none() {
        return Err(GraphError::param("url: the file is not a supported image").with_sub(1349125));
    }

    let published = call.params.bool("published").unwrap_or(true);
    let caption = call
        .params
        .get("caption")
        .or(call.params.get("message"))
        .map(String::from);
    let now = call.shared.clock.now();
    let mut inner = call.shared.lock();
    let id = call.shared.id(IdKind::Photo);
    inner.photos.insert(
        id.clone(),
        Photo {
            id: id.clone(),
            page_id: page_id.into(),
            url: url.clone(),
            published,
            used: false,
        },
    );
    if !published {
        return ok(json!({ "id": id }));
    }
    let post_id = format!("{page_id}_{id}");
    inner.posts.insert(
        post_id.clone(),
        Post {
            id: post_id.clone(),
            page_id: page_id.into(),
            message: caption.clone(),
            created_at: now,
            kind: "fb_photo",
        },
    );
    record(
        &mut inner,
        LedgerEntry {
            id: post_id.clone(),
            owner: page_id.into(),
            kind: "fb_photo".into(),
            caption,
            media: url.into_iter().collect(),
            children: vec![id.clone()],
            time: now,
            request_id: call.request_id.clone(),
            container_id: None,
        },
    );
    ok(json!({ "id": id, "post_id": post_id }))
}

/// `POST /{page-id}/photo_stories?photo_id=`: an unpublished photo becomes a story.
pub fn photo_story(call: &Call<'_>, page_id: &str) -> Result<HttpResponse, GraphError> {
    let now = call.shared.clock.now();
    let mut inner = call.shared.lock();
    page_access(call, &inner, page_id, &["pages_manage_posts"])?;
    let photo_id = call
        .params
        .get("photo_id")
        .ok_or_else(|| GraphError::param("photo_id: required"))?
        .to_string();
    let Some(photo) = inner
        .photos
        .get_mut(&photo_id)
        .filter(|p| p.page_id == page_id)
    else {
        return Err(GraphError::param(format!(
            "photo_id: {photo_id} is not a photo of this Page"
        )));
    };
    if photo.published || photo.used {
        return Err(GraphError::param(format!(
            "photo_id: photo {photo_id} is already published"
        )));
    }
    photo.used = true;
    let url = photo.url.clone();
    let post_id = format!("{page_id}_{}", call.shared.next());
    inner.posts.insert(
        post_id.clone(),
        Post {
            id: post_id.clone(),
            page_id: page_id.into(),
            message: None,
            created_at: now,
            kind: "fb_story",
        },
    );
    record(
        &mut inner,
        LedgerEntry {
            id: post_id.clone(),
            owner: page_id.into(),
            kind: "fb_story".into(),
            caption: None,
            media: url.into_iter().collect(),
            children: vec![photo_id],
            time: now,
            request_id: call.request_id.clone(),
            container_id: None,
        },
    );
    ok(json!({"success": true, "post_id": post_id}))
}

/// Photo ids from `attached_media=[{"media_fbid":..}]` or `attached_media[0]={..}` fields.
fn attached_ids(p: &Params) -> Result<Vec<String>, GraphError> {
    let mut attached: Vec<String> = Vec::new();
    let mut raw: Vec<String> = Vec::new();
    if let Some(a) = p.get("attached_media") {
        let v: Value = serde_json::from_str(a).map_err(|_| {
            GraphError::param("attached_media: must be a JSON array of {media_fbid}")
        })?;
        for item in v.as_array().into_iter().flatten() {
            raw.push(item.to_string());
        }
    }
    let mut indexed: Vec<(usize, String)> = p
        .keys()
        .filter_map(|k| {
            let i = k
                .strip_prefix("attached_media[")?
                .strip_suffix(']')?
                .parse()
                .ok()?;
            Some((i, p.get(k)?.to_string()))
        })
        .collect();
    indexed.sort();
    raw.extend(indexed.into_iter().map(|(_, v)| v));
    for item in raw {
        let v: Value = serde_json::from_str(&item).unwrap_or(Value::Null);
        let Some(id) = v.get("media_fbid").and_then(|x| {
            x.as_str()
                .map(String::from)
                .or(x.as_u64().map(|n| n.to_string()))
        }) else {
            return Err(GraphError::param(
                "attached_media: each item needs a media_fbid",
            ));
        };
        attached.push(id);
    }
    Ok(attached)
}

/// A scheduled post needs `published=false` and a time 10 minutes to 30 days ahead.
fn check_schedule(
    at: &str,
    published: bool,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), GraphError> {
    let ts: i64 = at
        .parse()
        .map_err(|_| GraphError::param("scheduled_publish_time: must be a UNIX timestamp"))?;
    if published {
        return Err(GraphError::param(
            "published: must be false when scheduled_publish_time is set",
        ));
    }
    let ahead = ts - now.timestamp();
    if !(600..=30 * 86_400).contains(&ahead) {
        return Err(GraphError::param(
            "scheduled_publish_time: must be between 10 minutes and 30 days from now",
        ));
    }
    Ok(())
}
