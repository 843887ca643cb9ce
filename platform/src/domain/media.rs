//! Facts probed from a media file's bytes (never taken from its name or a header).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MediaType {
    Image,
    Video,
}

/// What Herald knows about a media file after probing it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MediaFacts {
    pub media_type: MediaType,
    /// `image/jpeg`, `image/png`, `video/mp4`, `video/quicktime`, …
    pub mime: String,
    pub size_bytes: u64,
    pub width: u32,
    pub height: u32,
    /// Videos only.
    pub duration_ms: Option<u64>,
    /// Videos only, frames per second.
    pub frame_rate: Option<f64>,
    /// Videos only: `h264`, `hevc`, …
    pub video_codec: Option<String>,
    /// Videos only: `aac`, … ; `None` when the file has no audio track.
    pub audio_codec: Option<String>,
}

impl MediaFacts {
    /// Width divided by height; 0 for a degenerate file.
    pub fn aspect_ratio(&self) -> f64 {
        if self.height == 0 {
            0.0
        } else {
            f64::from(self.width) / f64::from(self.height)
        }
    }
}
