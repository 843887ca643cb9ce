//! The content rules Meta enforces: caption limits, image and video specs, and how download
//! failures are reported on each side.

use crate::errors::{catalogue, GraphError};
use crate::media_probe::{FetchError, MediaFacts};
use crate::settings::Settings;

fn count_prefixed(text: &str, prefix: char) -> usize {
    text.split(|c: char| c.is_whitespace())
        .filter(|w| {
            let mut chars = w.chars();
            chars.next() == Some(prefix)
                && chars
                    .next()
                    .is_some_and(|c| c.is_alphanumeric() || c == '_')
        })
        .count()
}

/// Caption length, hashtag and mention limits (code 100, subcode 2207010).
pub fn caption(s: &Settings, caption: Option<&str>) -> Result<(), GraphError> {
    let Some(text) = caption else {
        return Ok(());
    };
    let len = text.chars().count();
    let hashtags = count_prefixed(text, '#');
    let mentions = count_prefixed(text, '@');
    let problem = if len > s.caption_limit {
        Some(format!(
            "caption: {len} characters, at most {} allowed",
            s.caption_limit
        ))
    } else if hashtags > s.hashtag_limit {
        Some(format!(
            "caption: {hashtags} hashtags, at most {} allowed",
            s.hashtag_limit
        ))
    } else if mentions > s.mention_limit {
        Some(format!(
            "caption: {mentions} @-mentions, at most {} allowed",
            s.mention_limit
        ))
    } else {
        None
    };
    match problem {
        Some(p) => {
            let mut e = catalogue(400, 100, Some(2207010));
            e.message = format!("(#100) {p}");
            Err(e)
        }
        None => Ok(()),
    }
}

/// An Instagram download failure as Meta reports it.
pub fn ig_fetch_error(err: &FetchError, video: bool, url: &str) -> GraphError {
    let mut e = match err {
        FetchError::Timeout => catalogue(400, -2, Some(2207003)),
        FetchError::TooLarge(_) if !video => catalogue(400, 36000, Some(2207004)),
        FetchError::TooLarge(_) => catalogue(400, 352, Some(2207026)),
        FetchError::Unreachable(_) | FetchError::NotAFile(_) => catalogue(400, 9004, Some(2207052)),
    };
    e.user_msg = Some(format!(
        "{} URL: {url}",
        e.user_msg.clone().unwrap_or_default()
    ));
    e
}

/// Instagram image rules: JPEG (PNG tolerated by setting), aspect 4:5 to 1.91:1.
pub fn ig_image(s: &Settings, f: &MediaFacts) -> Result<(), GraphError> {
    let format_ok = f.format == "jpeg" || (s.png_tolerated && f.format == "png");
    if f.kind != "image" || !format_ok {
        return Err(catalogue(400, 36001, Some(2207005)));
    }
    if f.bytes > s.max_image_bytes {
        return Err(catalogue(400, 36000, Some(2207004)));
    }
    let a = f.aspect();
    if !(0.8 - 0.005..=1.91 + 0.005).contains(&a) {
        let mut e = catalogue(400, 36003, Some(2207009));
        e.message = format!(
            "The submitted image with aspect ratio ('{}/{}') cannot be published. Please submit \
             an image with a valid aspect ratio.",
            f.width, f.height
        );
        return Err(e);
    }
    Ok(())
}

/// Instagram video rules for `REELS`, `STORIES` and carousel `VIDEO`; the error is the one
/// the container's status reports.
pub fn ig_video(f: &MediaFacts, media_type: &str) -> Result<(), GraphError> {
    let dur = f.duration_ms.unwrap_or(0);
    let fps = f.fps.unwrap_or(0.0);
    let max_ms = if media_type == "STORIES" {
        60_000
    } else {
        15 * 60_000
    };
    let problem = if f.kind != "video" || !matches!(f.format.as_str(), "mp4" | "mov") {
        Some("video_url: the file is not an MP4 or MOV video".to_string())
    } else if !matches!(f.video_codec.as_deref(), Some("h264" | "hevc")) {
        Some("video_url: the video codec must be H.264 or HEVC".to_string())
    } else if f.audio_codec.as_deref().is_some_and(|a| a != "aac") {
        Some("video_url: the audio codec must be AAC".to_string())
    } else if dur < 3_000 || dur > max_ms {
        Some(format!(
            "video_url: duration {dur} ms is outside 3 s to {} s",
            max_ms / 1000
        ))
    } else if !(23.0..=60.0).contains(&fps) {
        Some(format!(
            "video_url: frame rate {fps} is outside 23 to 60 fps"
        ))
    } else if f.width > 1920 {
        Some(format!("video_url: width {} is above 1920", f.width))
    } else {
        None
    };
    match problem {
        Some(p) => {
            let mut e = catalogue(400, 352, Some(2207026));
            e.message = p;
            Err(e)
        }
        None => Ok(()),
    }
}

/// Facebook reel rules: MP4, 9:16, at least 540×960, 24–60 fps, 3–90 s.
pub fn fb_reel(f: &MediaFacts) -> Result<(), GraphError> {
    let dur = f.duration_ms.unwrap_or(0);
    let fps = f.fps.unwrap_or(0.0);
    let fail = |sub: i64, msg: String| {
        let mut e = GraphError::param(msg).with_sub(sub);
        e.user_title = Some("Video does not meet the reel specification".into());
        e.user_msg = e.message.strip_prefix("(#100) ").map(String::from);
        e
    };
    if f.kind != "video" || !matches!(f.format.as_str(), "mp4" | "mov") {
        return Err(catalogue(400, 6000, None));
    }
    if (f.aspect() - 9.0 / 16.0).abs() > 0.01 {
        return Err(fail(
            1363040,
            format!("video: aspect ratio {}x{} is not 9:16", f.width, f.height),
        ));
    }
    if f.width < 540 || f.height < 960 {
        return Err(fail(
            1363127,
            format!(
                "video: resolution {}x{} is below 540x960",
                f.width, f.height
            ),
        ));
    }
    if !(3_000..=90_000).contains(&dur) {
        return Err(fail(
            1363128,
            format!("video: duration {dur} ms is outside 3 to 90 s"),
        ));
    }
    if !(24.0..=60.0).contains(&fps) {
        return Err(fail(
            1363129,
            format!("video: frame rate {fps} is outside 24 to 60 fps"),
        ));
    }
    Ok(())
}

/// A Facebook download failure (photo `url`, video `file_url`).
pub fn fb_fetch_error(err: &FetchError, url: &str) -> GraphError {
    match err {
        FetchError::TooLarge(_) => {
            GraphError::param(format!("url: the photo at {url} is too large")).with_sub(1366046)
        }
        FetchError::Timeout | FetchError::Unreachable(_) | FetchError::NotAFile(_) => {
            GraphError::param(format!("url: could not fetch a media file from {url}"))
                .with_sub(2061006)
        }
    }
}
