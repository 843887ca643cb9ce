//! Downloading media the way Meta does (from the URL it is given) and probing the bytes:
//! image format and dimensions; video container, codecs, duration, frame rate, dimensions.

use std::io::Cursor;
use std::net::IpAddr;
use std::time::Duration;

use serde::Serialize;

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
    let brand = bytes.get(8..12)?;
    let format = if brand == b"qt  " { "mov" } else { "mp4" };
    let reader = mp4::Mp4Reader::read_header(Cursor::new(bytes), bytes.len() as u64).ok();
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
    let Some(reader) = reader else {
        return Some(facts);
    };
    facts.duration_ms = Some(reader.duration().as_millis() as u64);
    for track in reader.tracks().values() {
        match track.track_type() {
            Ok(mp4::TrackType::Video) => {
                facts.width = u32::from(track.width());
                facts.height = u32::from(track.height());
                facts.fps = Some(track.frame_rate());
                facts.video_codec = Some(
                    match track.media_type() {
                        Ok(mp4::MediaType::H264) => "h264",
                        Ok(mp4::MediaType::H265) => "hevc",
                        Ok(mp4::MediaType::VP9) => "vp9",
                        _ => sample_entry_codec(bytes),
                    }
                    .to_string(),
                );
                let d = track.duration().as_millis() as u64;
                if d > 0 {
                    facts.duration_ms = Some(d);
                }
            }
            Ok(mp4::TrackType::Audio) => {
                facts.audio_codec = Some(
                    match track.media_type() {
                        Ok(mp4::MediaType::AAC) => "aac",
                        _ => "unknown",
                    }
                    .to_string(),
                );
            }
            _ => {}
        }
    }
    Some(facts)
}

/// The video codec named by a sample description the `mp4` crate does not decode
/// (`hvc1` is the usual HEVC entry in MP4 and MOV files).
fn sample_entry_codec(bytes: &[u8]) -> &'static str {
    let mut from = 0;
    while let Some(pos) = bytes[from..].windows(4).position(|w| w == b"stsd") {
        let at = from + pos;
        match bytes.get(at + 16..at + 20) {
            Some(b"hvc1" | b"hev1") => return "hevc",
            Some(b"avc1" | b"avc3") => return "h264",
            _ => {}
        }
        from = at + 4;
    }
    "unknown"
}

#[cfg(test)]
mod tests {
    use super::sample_entry_codec;

    fn stsd(entry: &[u8; 4]) -> Vec<u8> {
        let mut b = vec![0, 0, 0, 40];
        b.extend_from_slice(b"stsd");
        b.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 24]);
        b.extend_from_slice(entry);
        b
    }

    #[test]
    fn hevc_sample_entries_are_recognised() {
        assert_eq!(sample_entry_codec(&stsd(b"hvc1")), "hevc");
        assert_eq!(sample_entry_codec(&stsd(b"avc3")), "h264");
        assert_eq!(sample_entry_codec(&stsd(b"mp4v")), "unknown");
        assert_eq!(sample_entry_codec(b"no boxes here"), "unknown");
    }
}
