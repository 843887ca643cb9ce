//! Downloading media the way Meta does (from the URL it is given) and probing the bytes:
//! image format and dimensions; video container, codecs, duration, frame rate, dimensions.

use std::net::IpAddr;
use std::time::Duration;

use serde::Serialize;

use crate::mp4_boxes;
use crate::state::Shared;

/// What the sandbox learned from a media file.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct MediaFacts {
    /// `image` or `video`.
    pub kind: &'static str,
    /// `jpeg`, `png`, `gif`, `webp`, `bmp`, `mp4`, `mov`, ...
    pub format: String,
    pub bytes: u64,
    pub width: u32,
    pub height: u32,
    pub duration_ms: Option<u64>,
    pub fps: Option<f64>,
    /// `h264`, `hevc`, `vp9` or `unknown`.
    pub video_codec: Option<String>,
    /// `aac`, or `unknown`; `None` when the video has no audio track.
    pub audio_codec: Option<String>,
}

impl MediaFacts {
    /// Width over height.
    pub fn aspect(&self) -> f64 {
        if self.height == 0 {
            0.0
        } else {
            f64::from(self.width) / f64::from(self.height)
        }
    }
}

/// Why a download failed.
#[derive(Debug, Clone, PartialEq)]
pub enum FetchError {
    /// Not reachable, not a 2xx answer, or not allowed (non-loopback in loopback-only mode).
    Unreachable(String),
    /// Took longer than the download timeout.
    Timeout,
    /// Larger than the limit for this kind of media.
    TooLarge(u64),
    /// Answered a web page instead of a file.
    NotAFile(String),
}

/// Whether `url` may be fetched under the sandbox's network rules.
pub fn allowed(shared: &Shared, url: &str) -> Result<url::Url, FetchError> {
    let parsed =
        url::Url::parse(url).map_err(|_| FetchError::Unreachable(format!("{url}: not a URL")))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(FetchError::Unreachable(format!(
            "{url}: only http and https are fetched"
        )));
    }
    if shared.config.loopback_only {
        let loopback = match parsed.host() {
            Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
            Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
            Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
            None => false,
        };
        if !loopback {
            return Err(FetchError::Unreachable(format!(
                "{url}: the sandbox fetches loopback addresses only"
            )));
        }
    }
    Ok(parsed)
}

/// Downloads `url` within `timeout`, refusing more than `max_bytes`.
pub async fn fetch(
    shared: &Shared,
    url: &str,
    max_bytes: u64,
    timeout: Duration,
) -> Result<Vec<u8>, FetchError> {
    let parsed = allowed(shared, url)?;
    let work = async {
        let mut resp = shared
            .http
            .get(parsed)
            .send()
            .await
            .map_err(|e| FetchError::Unreachable(format!("{url}: {e}")))?;
        if !resp.status().is_success() {
            return Err(FetchError::Unreachable(format!(
                "{url}: answered {}",
                resp.status()
            )));
        }
        let ctype = resp
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_ascii_lowercase();
        if ctype.starts_with("text/html") {
            return Err(FetchError::NotAFile(format!(
                "{url}: served a web page ({ctype})"
            )));
        }
        if resp.content_length().is_some_and(|n| n > max_bytes) {
            return Err(FetchError::TooLarge(resp.content_length().unwrap_or(0)));
        }
        let mut out = Vec::new();
        while let Some(chunk) = resp
            .chunk()
            .await
            .map_err(|e| FetchError::Unreachable(format!("{url}: {e}")))?
        {
            out.extend_from_slice(&chunk);
            if out.len() as u64 > max_bytes {
                return Err(FetchError::TooLarge(out.len() as u64));
            }
        }
        Ok(out)
    };
    match tokio::time::timeout(timeout, work).await {
        Ok(r) => r,
        Err(_) => Err(FetchError::Timeout),
    }
}

/// Probes `bytes` as an image or a video; `None` when it is neither.
pub fn probe(bytes: &[u8]) -> Option<MediaFacts> {
    probe_video(bytes).or_else(|| probe_image(bytes))
}

/// Format and dimensions of an image.
pub fn probe_image(bytes: &[u8]) -> Option<MediaFacts> {
    let kind = imagesize::image_type(bytes).ok()?;
    let size = imagesize::blob_size(bytes).ok()?;
    let format = format!("{kind:?}").to_ascii_lowercase();
    Some(MediaFacts {
        kind: "image",
        format,
        bytes: bytes.len() as u64,
        width: u32::try_from(size.width).ok()?,
        height: u32::try_from(size.height).ok()?,
        duration_ms: None,
        fps: None,
        video_codec: None,
        audio_codec: None,
    })
}

/// Container, codecs, duration, frame rate and dimensions of an MP4 or MOV file.
pub fn probe_video(bytes: &[u8]) -> Option<MediaFacts> {
    if bytes.get(4..8) != Some(b"ftyp") {
        return None;
    }
    let format = if bytes.get(8..12)? == b"qt  " {
        "mov"
    } else {
        "mp4"
    };
    let mut facts = MediaFacts {
        kind: "video",
        format: format.to_string(),
        bytes: bytes.len() as u64,
        width: 0,
        height: 0,
        duration_ms: None,
        fps: None,
        video_codec: Some("unknown".into()),
        audio_codec: None,
    };
    let Some(movie) = mp4_boxes::read(bytes) else {
        return Some(facts);
    };
    facts.duration_ms = Some(movie.duration_ms);
    for t in &movie.tracks {
        match t.handler.as_str() {
            "vide" => {
                facts.width = t.width;
                facts.height = t.height;
                facts.video_codec = Some(video_codec(&t.codec).to_string());
                if t.duration_ms > 0 {
                    facts.duration_ms = Some(t.duration_ms);
                    facts.fps = Some((t.samples as f64 * 1000.0 / t.duration_ms as f64).round());
                }
            }
            "soun" => {
                let codec = if t.codec == "mp4a" { "aac" } else { "unknown" };
                facts.audio_codec = Some(codec.to_string());
            }
            _ => {}
        }
    }
    Some(facts)
}

/// The codec of a video sample entry type.
fn video_codec(entry: &str) -> &'static str {
    match entry {
        "avc1" | "avc3" => "h264",
        "hvc1" | "hev1" => "hevc",
        "vp09" => "vp9",
        "av01" => "av1",
        _ => "unknown",
    }
}

#[cfg(test)]
mod tests {
    fn own(name: &str) -> Vec<u8> {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/");
        std::fs::read(format!("{dir}{name}")).unwrap_or_default()
    }

    #[test]
    fn mov_and_hevc_files_are_probed() {
        for (name, format, codec) in [
            ("reel_9x16.mov", "mov", "h264"),
            ("reel_hevc.mp4", "mp4", "hevc"),
        ] {
            let facts = super::probe_video(&own(name));
            let f = facts.as_ref();
            assert_eq!(
                f.map(|f| f.format.as_str()),
                Some(format),
                "{name}: {facts:?}"
            );
            assert_eq!(
                f.and_then(|f| f.video_codec.as_deref()),
                Some(codec),
                "{name}: {facts:?}"
            );
            assert_eq!(
                f.map(|f| (f.width, f.height)),
                Some((540, 960)),
                "{name}: {facts:?}"
            );
            assert_eq!(
                f.and_then(|f| f.audio_codec.as_deref()),
                Some("aac"),
                "{name}: {facts:?}"
            );
            assert!(f
                .and_then(|f| f.duration_ms)
                .is_some_and(|d| (2900..=3100).contains(&d)));
            assert!(f
                .and_then(|f| f.fps)
                .is_some_and(|r| (29.0..=30.5).contains(&r)));
        }
    }

    #[test]
    fn sample_entries_name_their_codec() {
        assert_eq!(super::video_codec("hvc1"), "hevc");
        assert_eq!(super::video_codec("avc3"), "h264");
        assert_eq!(super::video_codec("mp4v"), "unknown");
        assert!(super::probe_video(b"not a video at all").is_none());
    }
}
