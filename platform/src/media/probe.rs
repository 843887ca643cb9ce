//! Probing a media file's bytes for the facts validation needs: JPEG and PNG dimensions
//! (imagesize), MP4 and MOV codecs, duration, frame rate, size and audio (mp4). The name
//! and the declared content type are never trusted.

use std::io::Cursor;

use crate::domain::{MediaFacts, MediaType};

/// Why a file could not be probed. The message is for the person who uploaded it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProbeError {
    #[error("the file is empty")]
    Empty,
    #[error("unsupported file type: Herald accepts JPEG and PNG images and MP4 or MOV videos")]
    Unsupported,
    #[error("the {kind} file is damaged or truncated: {detail}")]
    Damaged { kind: &'static str, detail: String },
}

/// Probes `bytes`.
pub fn probe(bytes: &[u8]) -> Result<MediaFacts, ProbeError> {
    if bytes.is_empty() {
        return Err(ProbeError::Empty);
    }
    match imagesize::image_type(bytes) {
        Ok(imagesize::ImageType::Jpeg) => return image(bytes, "image/jpeg", "JPEG"),
        Ok(imagesize::ImageType::Png) => return image(bytes, "image/png", "PNG"),
        _ => {}
    }
    if looks_like_iso_media(bytes) {
        // The mp4 crate is not hardened against hostile input: a panic in it must become
        // a refusal, never a crashed worker.
        return std::panic::catch_unwind(|| video(bytes)).unwrap_or_else(|_| {
            Err(ProbeError::Damaged {
                kind: "video",
                detail: "unreadable boxes".into(),
            })
        });
    }
    Err(ProbeError::Unsupported)
}

fn size_of(bytes: &[u8]) -> u64 {
    u64::try_from(bytes.len()).unwrap_or(u64::MAX)
}

fn image(bytes: &[u8], mime: &str, kind: &'static str) -> Result<MediaFacts, ProbeError> {
    let size = imagesize::blob_size(bytes).map_err(|err| ProbeError::Damaged {
        kind,
        detail: err.to_string(),
    })?;
    let dimension = |v: usize| u32::try_from(v).unwrap_or(u32::MAX);
    Ok(MediaFacts {
        media_type: MediaType::Image,
        mime: mime.to_owned(),
        size_bytes: size_of(bytes),
        width: dimension(size.width),
        height: dimension(size.height),
        duration_ms: None,
        frame_rate: None,
        video_codec: None,
        audio_codec: None,
    })
}

/// An ISO base media file starts with a box whose type is `ftyp` (or, in old QuickTime
/// files, `moov`, `mdat`, `wide` or `free`).
fn looks_like_iso_media(bytes: &[u8]) -> bool {
    bytes.len() >= 12
        && matches!(
            &bytes[4..8],
            b"ftyp" | b"moov" | b"mdat" | b"wide" | b"free"
        )
}

fn video(bytes: &[u8]) -> Result<MediaFacts, ProbeError> {
    let damaged = |err: mp4::Error| ProbeError::Damaged {
        kind: "video",
        detail: err.to_string(),
    };
    let reader =
        mp4::Mp4Reader::read_header(Cursor::new(bytes), size_of(bytes)).map_err(damaged)?;
    let quicktime = &reader.major_brand().value == b"qt  ";

    let mut video = None;
    let mut audio_codec = None;
    for track in reader.tracks().values() {
        match track.track_type() {
            Ok(mp4::TrackType::Video) if video.is_none() => video = Some(track),
            Ok(mp4::TrackType::Audio) if audio_codec.is_none() => {
                audio_codec = Some(codec_name(track.media_type().ok()));
            }
            _ => {}
        }
    }
    let track = video.ok_or_else(|| ProbeError::Damaged {
        kind: "video",
        detail: "no video track".into(),
    })?;

    let duration = if reader.duration().is_zero() {
        track.duration()
    } else {
        reader.duration()
    };
    Ok(MediaFacts {
        media_type: MediaType::Video,
        mime: if quicktime {
            "video/quicktime"
        } else {
            "video/mp4"
        }
        .to_owned(),
        size_bytes: size_of(bytes),
        width: u32::from(track.width()),
        height: u32::from(track.height()),
        duration_ms: Some(u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)),
        frame_rate: Some(track.frame_rate()),
        video_codec: Some(codec_name(track.media_type().ok())),
        audio_codec,
    })
}

fn codec_name(media_type: Option<mp4::MediaType>) -> String {
    match media_type {
        Some(mp4::MediaType::H264) => "h264",
        Some(mp4::MediaType::H265) => "hevc",
        Some(mp4::MediaType::VP9) => "vp9",
        Some(mp4::MediaType::AAC) => "aac",
        Some(mp4::MediaType::TTXT) => "ttxt",
        None => "unknown",
    }
    .to_owned()
}
