//! Pre-flight validation of Instagram posts against META_API.md: caption limits, options
//! each kind takes, carousel size, collaborators, and each media file's probed facts
//! against the specs of its kind.

use herald_graph::rules::{
    check_caption, dimensions, format_name, mebibytes, seconds, shown, thousands, trim_float,
};
use herald_platform::domain::{MediaFacts, MediaType, PostKind, PostSpec};
use herald_platform::publish::{Limits, Violation};

pub const IMAGE_MAX_BYTES: u64 = 8 * 1024 * 1024;
pub const IMAGE_MIN_WIDTH: u32 = 320;
pub const IMAGE_MAX_WIDTH: u32 = 1440;
/// 4:5 and 1.91:1, with room for rounding of the pixel sizes.
pub const ASPECT_MIN: f64 = 0.8;
pub const ASPECT_MAX: f64 = 1.91;
const ASPECT_TOLERANCE: f64 = 0.005;
pub const VIDEO_MIN_MS: u64 = 3_000;
pub const REEL_MAX_MS: u64 = 15 * 60 * 1_000;
pub const STORY_MAX_MS: u64 = 60_000;
pub const FPS_MIN: f64 = 23.0;
pub const FPS_MAX: f64 = 60.0;
pub const VIDEO_MAX_WIDTH: u32 = 1920;
pub const CAROUSEL_MIN: usize = 2;
pub const CAROUSEL_MAX: usize = 10;
pub const COLLABORATORS_MAX: usize = 3;
pub const USER_TAGS_MAX: usize = 20;

const VIDEO_MIMES: &[&str] = &["video/mp4", "video/quicktime"];
const VIDEO_CODECS: &[&str] = &["h264", "hevc"];

/// Every rule an Instagram post breaks.
pub fn validate(spec: &PostSpec, limits: &Limits) -> Vec<Violation> {
    let mut out = Vec::new();
    let options = &spec.options;

    if spec.kind == PostKind::IgStory {
        if !spec.caption.trim().is_empty() {
            let value = format!(
                "{} characters",
                thousands(spec.caption.chars().count() as u64)
            );
            out.push(Violation::new("caption", value, "a story takes no caption"));
        }
    } else {
        check_caption(&spec.caption, limits, &mut out);
    }

    // Options each kind takes.
    let takes = |kinds: &[PostKind]| kinds.contains(&spec.kind);
    let refuse = |out: &mut Vec<Violation>, field: &str, value: String, rule: &str| {
        out.push(Violation::new(
            format!("options.{field}"),
            shown(&value),
            rule,
        ));
    };
    if let Some(link) = &options.link {
        refuse(
            &mut out,
            "link",
            link.clone(),
            "links are for Facebook feed posts only",
        );
    }
    if let Some(title) = &options.title {
        refuse(
            &mut out,
            "title",
            title.clone(),
            "titles are for Facebook videos and reels only",
        );
    }
    if let Some(alt) = &options.alt_text {
        if !takes(&[PostKind::IgImage, PostKind::IgCarousel]) {
            refuse(
                &mut out,
                "alt_text",
                alt.clone(),
                "alt text is for images only",
            );
        }
    }
    if options.share_to_feed.is_some() && spec.kind != PostKind::IgReel {
        refuse(
            &mut out,
            "share_to_feed",
            "set".into(),
            "share_to_feed is for reels only",
        );
    }
    if let Some(cover) = &options.cover {
        if spec.kind != PostKind::IgReel {
            refuse(
                &mut out,
                "cover",
                cover.to_string(),
                "a cover is for reels only",
            );
        }
    }
    if let Some(offset) = options.thumb_offset_ms {
        if spec.kind != PostKind::IgReel {
            refuse(
                &mut out,
                "thumb_offset_ms",
                offset.to_string(),
                "a thumbnail offset is for reels only",
            );
        }
    }
    if !options.user_tags.is_empty() && !takes(&[PostKind::IgImage, PostKind::IgReel]) {
        let value = format!("{} tags", options.user_tags.len());
        refuse(
            &mut out,
            "user_tags",
            value,
            "user tags are for single images and reels only",
        );
    }
    if options.location_id.is_some() && spec.kind == PostKind::IgStory {
        refuse(
            &mut out,
            "location_id",
            "set".into(),
            "a story takes no location",
        );
    }
    if !options.collaborators.is_empty() && spec.kind == PostKind::IgStory {
        refuse(
            &mut out,
            "collaborators",
            options.collaborators.join(","),
            "a story takes no collaborators",
        );
    }

    check_user_tags(spec, &mut out);
    check_collaborators(&options.collaborators, &mut out);
    if let Some(location) = &options.location_id {
        if location.is_empty() || !location.chars().all(|c| c.is_ascii_digit()) {
            refuse(
                &mut out,
                "location_id",
                location.clone(),
                "a location is the numeric id of a Page with a location",
            );
        }
    }

    check_media(spec, &mut out);
    out
}

fn check_user_tags(spec: &PostSpec, out: &mut Vec<Violation>) {
    let tags = &spec.options.user_tags;
    if tags.len() > USER_TAGS_MAX {
        out.push(Violation::new(
            "options.user_tags",
            format!("{} tags", tags.len()),
            format!("at most {USER_TAGS_MAX} people can be tagged"),
        ));
    }
    for (i, tag) in tags.iter().enumerate() {
        let field = format!("options.user_tags[{i}]");
        if !valid_username(&tag.username) {
            out.push(Violation::new(
                field.clone(),
                shown(&tag.username),
                "a username without @: letters, digits, dots and underscores, at most 30",
            ));
        }
        if !(0.0..=1.0).contains(&tag.x) || !(0.0..=1.0).contains(&tag.y) {
            out.push(Violation::new(
                field,
                format!("x={}, y={}", trim_float(tag.x), trim_float(tag.y)),
                "x and y are fractions of the image, from 0 to 1",
            ));
        }
    }
}

fn valid_username(name: &str) -> bool {
    !name.is_empty()
        && name.chars().count() <= 30
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '_')
}

fn check_collaborators(names: &[String], out: &mut Vec<Violation>) {
    if names.len() > COLLABORATORS_MAX {
        out.push(Violation::new(
            "options.collaborators",
            format!("{} usernames", names.len()),
            format!("at most {COLLABORATORS_MAX} collaborators"),
        ));
    }
    for (i, name) in names.iter().enumerate() {
        let field = format!("options.collaborators[{i}]");
        if name.starts_with('@') {
            out.push(Violation::new(
                field,
                shown(name),
                "write the username without @",
            ));
        } else if !valid_username(name) {
            out.push(Violation::new(
                field,
                shown(name),
                "a username: letters, digits, dots and underscores, at most 30",
            ));
        }
    }
}

fn check_media(spec: &PostSpec, out: &mut Vec<Violation>) {
    let count = spec.media.len();
    match spec.kind {
        PostKind::IgCarousel => {
            if !(CAROUSEL_MIN..=CAROUSEL_MAX).contains(&count) {
                out.push(Violation::new(
                    "media",
                    format!("{count} files"),
                    format!("a carousel takes {CAROUSEL_MIN} to {CAROUSEL_MAX} images or videos"),
                ));
            }
        }
        _ => {
            if count != 1 {
                let what = match spec.kind {
                    PostKind::IgImage => "an image post takes exactly one image",
                    PostKind::IgReel => "a reel takes exactly one video",
                    _ => "a story takes exactly one image or video",
                };
                out.push(Violation::new("media", format!("{count} files"), what));
            }
        }
    }

    for (i, media) in spec.media.iter().enumerate() {
        let field = format!("media[{i}]");
        let facts = &media.facts;
        match (spec.kind, facts.media_type) {
            (PostKind::IgImage, MediaType::Video) => {
                out.push(Violation::new(
                    field,
                    "a video",
                    "an image post takes an image; post a video as a reel",
                ));
            }
            (PostKind::IgReel, MediaType::Image) => {
                out.push(Violation::new(field, "an image", "a reel takes a video"));
            }
            (PostKind::IgStory, MediaType::Image) => image_rules(&field, facts, false, out),
            (PostKind::IgStory, MediaType::Video) => video_rules(&field, facts, STORY_MAX_MS, out),
            (_, MediaType::Image) => image_rules(&field, facts, true, out),
            (_, MediaType::Video) => video_rules(&field, facts, REEL_MAX_MS, out),
        }
    }

    if spec.kind == PostKind::IgReel {
        let duration = spec.media.first().and_then(|m| m.facts.duration_ms);
        if let (Some(offset), Some(duration)) = (spec.options.thumb_offset_ms, duration) {
            if spec.options.cover.is_none() && offset >= duration {
                out.push(Violation::new(
                    "options.thumb_offset_ms",
                    seconds(offset),
                    format!(
                        "the thumbnail must be inside the video ({} long)",
                        seconds(duration)
                    ),
                ));
            }
        }
        match (&spec.options.cover, &spec.cover) {
            (Some(_), None) => out.push(Violation::new(
                "options.cover",
                "missing",
                "the cover image could not be found",
            )),
            (_, Some(cover)) if cover.facts.media_type != MediaType::Image => out.push(
                Violation::new("options.cover", "a video", "a cover is a JPEG image"),
            ),
            (_, Some(cover)) => image_rules("options.cover", &cover.facts, false, out),
            _ => {}
        }
    }
}

/// JPEG, size, width and (for feed images) aspect ratio.
fn image_rules(field: &str, facts: &MediaFacts, feed: bool, out: &mut Vec<Violation>) {
    if facts.mime != "image/jpeg" {
        out.push(Violation::new(
            field,
            format_name(&facts.mime),
            "Instagram takes JPEG images only; convert the file to JPEG",
        ));
    }
    if facts.size_bytes > IMAGE_MAX_BYTES {
        out.push(Violation::new(
            field,
            mebibytes(facts.size_bytes),
            "an image is at most 8 MiB",
        ));
    }
    if feed {
        let aspect = facts.aspect_ratio();
        if !(ASPECT_MIN - ASPECT_TOLERANCE..=ASPECT_MAX + ASPECT_TOLERANCE).contains(&aspect) {
            out.push(Violation::new(
                field,
                dimensions(facts),
                "the aspect ratio must be between 4:5 (0.8) and 1.91:1",
            ));
        }
        if !(IMAGE_MIN_WIDTH..=IMAGE_MAX_WIDTH).contains(&facts.width) {
            out.push(Violation::new(
                field,
                format!("{} px wide", facts.width),
                format!("the width must be {IMAGE_MIN_WIDTH} to {IMAGE_MAX_WIDTH} px"),
            ));
        }
    }
}

/// Container, codecs, duration, frame rate and width of a reel, story or carousel video.
fn video_rules(field: &str, facts: &MediaFacts, max_ms: u64, out: &mut Vec<Violation>) {
    if !VIDEO_MIMES.contains(&facts.mime.as_str()) {
        out.push(Violation::new(
            field,
            format_name(&facts.mime),
            "a video must be MP4 or MOV",
        ));
    }
    match facts.video_codec.as_deref() {
        Some(codec) if VIDEO_CODECS.contains(&codec) => {}
        other => out.push(Violation::new(
            field,
            other.unwrap_or("unknown codec").to_owned(),
            "the video codec must be H.264 or HEVC",
        )),
    }
    if let Some(audio) = facts.audio_codec.as_deref() {
        if audio != "aac" {
            out.push(Violation::new(
                field,
                audio.to_owned(),
                "the audio codec must be AAC",
            ));
        }
    }
    match facts.duration_ms {
        Some(ms) if (VIDEO_MIN_MS..=max_ms).contains(&ms) => {}
        Some(ms) => out.push(Violation::new(
            field,
            seconds(ms),
            format!(
                "the video must last {} to {}",
                seconds(VIDEO_MIN_MS),
                seconds(max_ms)
            ),
        )),
        None => out.push(Violation::new(
            field,
            "unknown duration",
            "the video's duration could not be read",
        )),
    }
    match facts.frame_rate {
        Some(fps) if (FPS_MIN..=FPS_MAX).contains(&fps) => {}
        Some(fps) => out.push(Violation::new(
            field,
            format!("{} fps", trim_float(fps)),
            "the frame rate must be 23 to 60 fps",
        )),
        None => out.push(Violation::new(
            field,
            "unknown frame rate",
            "the frame rate could not be read",
        )),
    }
    if facts.width > VIDEO_MAX_WIDTH {
        out.push(Violation::new(
            field,
            format!("{} px wide", facts.width),
            format!("a video is at most {VIDEO_MAX_WIDTH} px wide"),
        ));
    }
}

#[cfg(test)]
#[path = "validate_tests.rs"]
mod tests;
