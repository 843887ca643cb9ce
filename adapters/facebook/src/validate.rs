//! Pre-flight validation of Facebook Page posts against META_API.md: what each kind takes,
//! no photos and video mixed, at most 10 photos, and each file's probed facts against the
//! specs of its kind (reels 9:16, at least 540x960, 24–60 fps, 3–90 s; stories at most
//! 60 s).

use herald_graph::rules::{
    dimensions, format_name, mebibytes, seconds, shown, thousands, trim_float,
};
use herald_platform::domain::{MediaFacts, MediaType, PostKind, PostSpec};
use herald_platform::publish::{Limits, Violation};

/// Facebook's own limit on a post's text.
pub const POST_MAX_CHARS: usize = 63_206;
pub const PHOTOS_MAX: usize = 10;
pub const PHOTO_MAX_BYTES: u64 = 10 * 1024 * 1024;
pub const REEL_MIN_MS: u64 = 3_000;
pub const REEL_MAX_MS: u64 = 90_000;
pub const STORY_MAX_MS: u64 = 60_000;
pub const REEL_MIN_WIDTH: u32 = 540;
pub const REEL_MIN_HEIGHT: u32 = 960;
pub const REEL_FPS_MIN: f64 = 24.0;
pub const REEL_FPS_MAX: f64 = 60.0;
const REEL_ASPECT: f64 = 9.0 / 16.0;
const REEL_ASPECT_TOLERANCE: f64 = 0.01;

const PHOTO_MIMES: &[&str] = &[
    "image/jpeg",
    "image/png",
    "image/gif",
    "image/bmp",
    "image/tiff",
    "image/webp",
];
const VIDEO_MIMES: &[&str] = &["video/mp4", "video/quicktime"];

/// Every rule a Facebook post breaks. `limits` is for Instagram's caption rules; a Page
/// post is held to Facebook's own length limit.
pub fn validate(spec: &PostSpec, _limits: &Limits) -> Vec<Violation> {
    let mut out = Vec::new();
    let chars = spec.caption.chars().count();
    if spec.kind == PostKind::FbStory && !spec.caption.trim().is_empty() {
        // `photo_stories` and `video_stories` take no text: Meta would drop it unseen.
        out.push(Violation::new(
            "caption",
            format!("{} characters", thousands(chars as u64)),
            "a story takes no caption",
        ));
    } else if chars > POST_MAX_CHARS {
        out.push(Violation::new(
            "caption",
            format!("{} characters", thousands(chars as u64)),
            format!("at most {} characters", thousands(POST_MAX_CHARS as u64)),
        ));
    }
    check_options(spec, &mut out);
    check_media(spec, &mut out);
    out
}

fn check_options(spec: &PostSpec, out: &mut Vec<Violation>) {
    let options = &spec.options;
    let instagram_only = "this option is for Instagram posts only";
    let mut refuse = |field: &str, value: String, rule: &str| {
        out.push(Violation::new(
            format!("options.{field}"),
            shown(&value),
            rule,
        ));
    };
    if let Some(alt) = &options.alt_text {
        refuse("alt_text", alt.clone(), instagram_only);
    }
    if !options.user_tags.is_empty() {
        refuse(
            "user_tags",
            format!("{} tags", options.user_tags.len()),
            instagram_only,
        );
    }
    if let Some(location) = &options.location_id {
        refuse("location_id", location.clone(), instagram_only);
    }
    if !options.collaborators.is_empty() {
        refuse(
            "collaborators",
            options.collaborators.join(","),
            instagram_only,
        );
    }
    if options.share_to_feed.is_some() {
        refuse("share_to_feed", "set".into(), instagram_only);
    }
    if let Some(cover) = &options.cover {
        refuse("cover", cover.to_string(), instagram_only);
    }
    if let Some(offset) = options.thumb_offset_ms {
        refuse("thumb_offset_ms", offset.to_string(), instagram_only);
    }
    if let Some(title) = &options.title {
        if !matches!(spec.kind, PostKind::FbVideo | PostKind::FbReel) {
            refuse(
                "title",
                title.clone(),
                "a title is for videos and reels only",
            );
        }
    }
    if let Some(link) = &options.link {
        if spec.kind != PostKind::FbFeed {
            refuse("link", link.clone(), "a link is for feed posts only");
        } else if !link.starts_with("https://") && !link.starts_with("http://")
            || url::Url::parse(link).is_err()
        {
            refuse(
                "link",
                link.clone(),
                "a link is a full http:// or https:// address",
            );
        }
    }
}

fn check_media(spec: &PostSpec, out: &mut Vec<Violation>) {
    let count = spec.media.len();
    let videos = spec
        .media
        .iter()
        .filter(|m| m.facts.media_type == MediaType::Video)
        .count();
    match spec.kind {
        PostKind::FbFeed => {
            if count > 0 {
                out.push(Violation::new(
                    "media",
                    format!("{count} files"),
                    "a feed post takes text or a link; post media as photos, a video or a reel",
                ));
            }
            if spec.caption.trim().is_empty() && spec.options.link.is_none() {
                out.push(Violation::new(
                    "caption",
                    "empty",
                    "a feed post needs text or a link",
                ));
            }
        }
        PostKind::FbPhotos => {
            if videos > 0 {
                out.push(Violation::new(
                    "media",
                    format!("{} photos and {videos} videos", count - videos),
                    "photos and a video cannot be mixed in one post",
                ));
            }
            if !(1..=PHOTOS_MAX).contains(&count) {
                out.push(Violation::new(
                    "media",
                    format!("{count} files"),
                    format!("a photo post takes 1 to {PHOTOS_MAX} photos"),
                ));
            }
        }
        PostKind::FbVideo | PostKind::FbReel => {
            if count != 1 || videos != 1 {
                let what = if spec.kind == PostKind::FbReel {
                    "a reel"
                } else {
                    "a video post"
                };
                out.push(Violation::new(
                    "media",
                    format!("{count} files"),
                    format!("{what} takes exactly one video"),
                ));
            }
        }
        _ => {
            if count != 1 {
                out.push(Violation::new(
                    "media",
                    format!("{count} files"),
                    "a story takes exactly one photo or video",
                ));
            }
        }
    }

    for (i, media) in spec.media.iter().enumerate() {
        let field = format!("media[{i}]");
        let facts = &media.facts;
        match (spec.kind, facts.media_type) {
            (PostKind::FbPhotos | PostKind::FbStory, MediaType::Image) => {
                photo_rules(&field, facts, out)
            }
            (PostKind::FbReel, MediaType::Video) => reel_rules(&field, facts, out),
            (PostKind::FbVideo, MediaType::Video) => video_container(&field, facts, out),
            (PostKind::FbStory, MediaType::Video) => {
                video_container(&field, facts, out);
                if let Some(ms) = facts.duration_ms.filter(|ms| *ms > STORY_MAX_MS) {
                    out.push(Violation::new(
                        field,
                        seconds(ms),
                        "a video story lasts at most 60 s",
                    ));
                }
            }
            _ => {}
        }
    }
}

fn photo_rules(field: &str, facts: &MediaFacts, out: &mut Vec<Violation>) {
    if !PHOTO_MIMES.contains(&facts.mime.as_str()) {
        out.push(Violation::new(
            field,
            format_name(&facts.mime),
            "Facebook takes JPEG, PNG, GIF, BMP, TIFF or WebP photos",
        ));
    }
    if facts.size_bytes > PHOTO_MAX_BYTES {
        out.push(Violation::new(
            field,
            mebibytes(facts.size_bytes),
            "a photo is at most 10 MiB",
        ));
    }
}

fn video_container(field: &str, facts: &MediaFacts, out: &mut Vec<Violation>) {
    if !VIDEO_MIMES.contains(&facts.mime.as_str()) {
        out.push(Violation::new(
            field,
            format_name(&facts.mime),
            "a video must be MP4 or MOV",
        ));
    }
}

fn reel_rules(field: &str, facts: &MediaFacts, out: &mut Vec<Violation>) {
    video_container(field, facts, out);
    if (facts.aspect_ratio() - REEL_ASPECT).abs() > REEL_ASPECT_TOLERANCE {
        out.push(Violation::new(
            field,
            dimensions(facts),
            "a reel is vertical 9:16",
        ));
    }
    if facts.width < REEL_MIN_WIDTH || facts.height < REEL_MIN_HEIGHT {
        out.push(Violation::new(
            field,
            format!("{}x{}", facts.width, facts.height),
            "a reel is at least 540x960",
        ));
    }
    match facts.duration_ms {
        Some(ms) if (REEL_MIN_MS..=REEL_MAX_MS).contains(&ms) => {}
        Some(ms) => out.push(Violation::new(field, seconds(ms), "a reel lasts 3 to 90 s")),
        None => out.push(Violation::new(
            field,
            "unknown duration",
            "the video's duration could not be read",
        )),
    }
    match facts.frame_rate {
        Some(fps) if (REEL_FPS_MIN..=REEL_FPS_MAX).contains(&fps) => {}
        Some(fps) => out.push(Violation::new(
            field,
            format!("{} fps", trim_float(fps)),
            "a reel's frame rate is 24 to 60 fps",
        )),
        None => out.push(Violation::new(
            field,
            "unknown frame rate",
            "the frame rate could not be read",
        )),
    }
}

#[cfg(test)]
#[path = "validate_tests.rs"]
mod tests;
