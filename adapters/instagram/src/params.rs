//! The form of each container creation: which fields go on which kind, and on a carousel's
//! parent versus its items (collaborators and location on the parent only; never
//! `media_type=VIDEO` except on carousel items).

use herald_platform::domain::{MediaType, PostKind, PostSpec, SpecMedia};

type Form = Vec<(&'static str, String)>;

fn json_list(items: &[String]) -> String {
    serde_json::to_string(items).unwrap_or_else(|_| "[]".to_owned())
}

fn common_feed_fields(spec: &PostSpec, form: &mut Form) {
    if !spec.caption.is_empty() {
        form.push(("caption", spec.caption.clone()));
    }
    if let Some(location) = &spec.options.location_id {
        form.push(("location_id", location.clone()));
    }
    if !spec.options.collaborators.is_empty() {
        form.push(("collaborators", json_list(&spec.options.collaborators)));
    }
    if !spec.options.user_tags.is_empty() {
        let tags = serde_json::to_string(&spec.options.user_tags).unwrap_or_default();
        form.push(("user_tags", tags));
    }
}

/// The container of a single-media post (image, reel, story).
pub fn single(spec: &PostSpec, media: &SpecMedia) -> Form {
    let mut form = Form::new();
    match spec.kind {
        PostKind::IgReel => {
            form.push(("media_type", "REELS".to_owned()));
            form.push(("video_url", media.url.clone()));
            common_feed_fields(spec, &mut form);
            if let Some(share) = spec.options.share_to_feed {
                form.push(("share_to_feed", share.to_string()));
            }
            match (&spec.cover, spec.options.thumb_offset_ms) {
                (Some(cover), _) => form.push(("cover_url", cover.url.clone())),
                (None, Some(offset)) => form.push(("thumb_offset", offset.to_string())),
                (None, None) => {}
            }
        }
        PostKind::IgStory => {
            form.push(("media_type", "STORIES".to_owned()));
            let field = match media.facts.media_type {
                MediaType::Image => "image_url",
                MediaType::Video => "video_url",
            };
            form.push((field, media.url.clone()));
        }
        _ => {
            form.push(("image_url", media.url.clone()));
            common_feed_fields(spec, &mut form);
            if let Some(alt) = &spec.options.alt_text {
                form.push(("alt_text", alt.clone()));
            }
        }
    }
    form
}

/// A carousel item: `is_carousel_item=true`, nothing that belongs to the parent.
pub fn carousel_item(spec: &PostSpec, media: &SpecMedia) -> Form {
    let mut form = vec![("is_carousel_item", "true".to_owned())];
    match media.facts.media_type {
        MediaType::Image => {
            form.push(("image_url", media.url.clone()));
            if let Some(alt) = &spec.options.alt_text {
                form.push(("alt_text", alt.clone()));
            }
        }
        MediaType::Video => {
            form.push(("media_type", "VIDEO".to_owned()));
            form.push(("video_url", media.url.clone()));
        }
    }
    form
}

/// The carousel parent: its items, caption, collaborators and location.
pub fn carousel_parent(spec: &PostSpec, children: &[String]) -> Form {
    let mut form = vec![
        ("media_type", "CAROUSEL".to_owned()),
        ("children", children.join(",")),
    ];
    if !spec.caption.is_empty() {
        form.push(("caption", spec.caption.clone()));
    }
    if let Some(location) = &spec.options.location_id {
        form.push(("location_id", location.clone()));
    }
    if !spec.options.collaborators.is_empty() {
        form.push(("collaborators", json_list(&spec.options.collaborators)));
    }
    form
}

/// What Instagram lists the published media as (`media_product_type`).
pub fn product_type(kind: PostKind) -> &'static str {
    match kind {
        PostKind::IgReel => "REELS",
        PostKind::IgStory => "STORY",
        _ => "FEED",
    }
}
