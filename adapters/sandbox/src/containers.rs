//! IG container life: checking carousel children, probing video in the background, and the
//! status a container shows at a given moment on the sandbox clock.

use chrono::{DateTime, Duration, Utc};

use crate::errors::{catalogue, GraphError};
use crate::media_probe::{self, MediaFacts};
use crate::state::{Container, Inner, Probe, Shared};
use crate::validate;

/// Facts for a container that has no media of its own (a carousel parent).
pub fn no_media() -> MediaFacts {
    MediaFacts {
        kind: "carousel",
        format: String::new(),
        bytes: 0,
        width: 0,
        height: 0,
        duration_ms: None,
        fps: None,
        video_codec: None,
        audio_codec: None,
    }
}

fn carousel_error(msg: String) -> GraphError {
    let mut e = catalogue(400, 100, Some(2207028));
    e.message = format!("(#100) {msg}");
    e
}

/// Carousel children: 2 to 10 unpublished carousel items of this account.
pub fn check_children(
    shared: &Shared,
    ig_id: &str,
    children: &[String],
    now: DateTime<Utc>,
) -> Result<(), GraphError> {
    if !(2..=10).contains(&children.len()) {
        return Err(carousel_error(format!(
            "children: a carousel takes 2 to 10 items, got {}",
            children.len()
        )));
    }
    let inner = shared.lock();
    for child in children {
        let Some(c) = inner.containers.get(child).filter(|c| c.ig_id == ig_id) else {
            return Err(carousel_error(format!(
                "children: {child} is not a container of this account"
            )));
        };
        if !c.is_carousel_item {
            return Err(carousel_error(format!(
                "children: {child} was not created with is_carousel_item=true"
            )));
        }
        if c.published_media.is_some() || status(&inner, c, now).0 == "EXPIRED" {
            return Err(carousel_error(format!(
                "children: {child} is published or expired"
            )));
        }
    }
    Ok(())
}

/// Downloads and probes a container's video (and cover) without holding up the call.
pub fn spawn_video_probe(
    shared: &std::sync::Arc<Shared>,
    id: &str,
    url: &str,
    cover: Option<String>,
) {
    let shared = shared.clone();
    let (id, url) = (id.to_string(), url.to_string());
    tokio::spawn(async move {
        let (max, timeout) = {
            let s = &shared.lock().settings;
            (
                s.max_video_bytes,
                std::time::Duration::from_millis(s.download_timeout_ms),
            )
        };
        let mut result = match media_probe::fetch(&shared, &url, max, timeout).await {
            Err(e) => Err(validate::ig_fetch_error(&e, true, &url)),
            Ok(bytes) => {
                media_probe::probe_video(&bytes).ok_or_else(|| catalogue(400, 352, Some(2207026)))
            }
        };
        if let (Ok(_), Some(cover)) = (&result, cover) {
            let image = media_probe::fetch(&shared, &cover, 8 * 1024 * 1024, timeout).await;
            let is_image = image
                .as_ref()
                .ok()
                .and_then(|b| media_probe::probe_image(b))
                .is_some();
            if !is_image {
                let err = image
                    .err()
                    .unwrap_or(media_probe::FetchError::NotAFile(cover.clone()));
                result = Err(validate::ig_fetch_error(&err, false, &cover));
            }
        }
        let now = shared.clock.now();
        if let Some(c) = shared.lock().containers.get_mut(&id) {
            c.received_at = Some(now);
            c.probe = Probe::Done(result);
        }
    });
}

/// Records bytes that arrived through the resumable upload host.
pub fn receive_upload(inner: &mut Inner, id: &str, bytes: &[u8], now: DateTime<Utc>) {
    let result = media_probe::probe_video(bytes).ok_or_else(|| catalogue(400, 352, Some(2207026)));
    if let Some(c) = inner.containers.get_mut(id) {
        c.received_at = Some(now);
        c.probe = Probe::Done(result);
    }
}

/// The container's `status_code` now, with the error behind `ERROR`.
pub fn status(
    inner: &Inner,
    c: &Container,
    now: DateTime<Utc>,
) -> (&'static str, Option<GraphError>) {
    if c.published_media.is_some() {
        return ("PUBLISHED", None);
    }
    if now >= c.created_at + Duration::seconds(inner.settings.container_ttl_seconds) {
        return ("EXPIRED", None);
    }
    let ready = |received: Option<DateTime<Utc>>| {
        received.is_some_and(|t| {
            now >= t + Duration::milliseconds(inner.settings.container_processing_ms)
        })
    };
    match &c.probe {
        Probe::AwaitingUpload | Probe::Pending => ("IN_PROGRESS", None),
        _ if !ready(c.received_at) => ("IN_PROGRESS", None),
        Probe::Done(Err(e)) => ("ERROR", Some(e.clone())),
        Probe::Done(Ok(facts)) => {
            if c.media_type == "CAROUSEL" {
                return carousel_status(inner, c, now);
            }
            if facts.kind == "video" {
                if let Err(e) = validate::ig_video(facts, &c.media_type) {
                    return ("ERROR", Some(e));
                }
                if let Some(off) = c.thumb_offset_ms {
                    if off < 0 || off as u64 >= facts.duration_ms.unwrap_or(0) {
                        return ("ERROR", Some(catalogue(400, 1, Some(2207057))));
                    }
                }
            }
            ("FINISHED", None)
        }
    }
}

fn carousel_status(
    inner: &Inner,
    c: &Container,
    now: DateTime<Utc>,
) -> (&'static str, Option<GraphError>) {
    let mut in_progress = false;
    for child in &c.children {
        let Some(cc) = inner.containers.get(child) else {
            return ("ERROR", Some(catalogue(400, 100, Some(2207028))));
        };
        match status(inner, cc, now) {
            ("FINISHED", _) => {}
            ("IN_PROGRESS", _) => in_progress = true,
            ("ERROR", e) => return ("ERROR", e),
            _ => return ("ERROR", Some(catalogue(400, 100, Some(2207028)))),
        }
    }
    if in_progress {
        ("IN_PROGRESS", None)
    } else {
        ("FINISHED", None)
    }
}
