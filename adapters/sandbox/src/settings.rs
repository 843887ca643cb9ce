//! The sandbox's tunable limits, read and changed through `PUT /_sandbox/settings`.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Limits and timings; defaults follow META_API.md.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// IG publishing quota per account per `ig_quota_duration_seconds` (META_API.md: 50).
    pub ig_publish_quota: u32,
    pub ig_quota_duration_seconds: i64,
    /// Containers an IG account may create per 24 hours.
    pub ig_container_limit: u32,
    /// Reels a Page may publish through the API per 24 hours.
    pub fb_reels_per_day: u32,
    /// How long an IG container stays IN_PROGRESS after its media arrived.
    pub container_processing_ms: i64,
    /// How long a Facebook video stays in its processing phase.
    pub video_processing_ms: i64,
    /// Time after which an unpublished container is EXPIRED.
    pub container_ttl_seconds: i64,
    pub hashtag_limit: usize,
    pub mention_limit: usize,
    pub caption_limit: usize,
    /// PNG images are tolerated by Instagram in practice.
    pub png_tolerated: bool,
    /// Calls per hour for app and user tokens, per user of the app.
    pub app_calls_per_user_hour: u32,
    /// Page-token calls per Page per 24 hours (4,800 × engaged users, with one user).
    pub page_calls_per_day: u32,
    /// Calls per IG account per 24 hours.
    pub ig_calls_per_day: u32,
    pub download_timeout_ms: u64,
    pub max_image_bytes: u64,
    pub max_fb_photo_bytes: u64,
    pub max_video_bytes: u64,
    /// Chunk size the resumable Page video upload asks for.
    pub upload_chunk_bytes: u64,
    /// After publishing, reads of the new IG media answer 100/33 for this long.
    pub permalink_delay_ms: i64,
    /// Same message on the same Page within this window answers 506; 0 turns it off.
    pub duplicate_window_seconds: i64,
    /// Life of a login dialog code.
    pub code_ttl_seconds: i64,
    pub short_token_seconds: i64,
    pub long_token_seconds: i64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            ig_publish_quota: 50,
            ig_quota_duration_seconds: 86_400,
            ig_container_limit: 400,
            fb_reels_per_day: 30,
            container_processing_ms: 3_000,
            video_processing_ms: 3_000,
            container_ttl_seconds: 86_400,
            hashtag_limit: 30,
            mention_limit: 20,
            caption_limit: 2_200,
            png_tolerated: true,
            app_calls_per_user_hour: 200,
            page_calls_per_day: 4_800,
            ig_calls_per_day: 4_800,
            download_timeout_ms: 10_000,
            max_image_bytes: 8 * 1024 * 1024,
            max_fb_photo_bytes: 10 * 1024 * 1024,
            max_video_bytes: 1024 * 1024 * 1024,
            upload_chunk_bytes: 1024 * 1024,
            permalink_delay_ms: 0,
            duplicate_window_seconds: 0,
            code_ttl_seconds: 600,
            short_token_seconds: 2 * 3_600,
            long_token_seconds: 5_184_000,
        }
    }
}

impl Settings {
    /// Applies the keys of `patch` over these settings; an unknown key or a wrong type is
    /// an error naming the key.
    pub fn merged(&self, patch: &Value) -> Result<Settings, String> {
        let Some(obj) = patch.as_object() else {
            return Err("settings: body must be a JSON object".into());
        };
        let mut current = serde_json::to_value(self).map_err(|e| e.to_string())?;
        let Some(cur) = current.as_object_mut() else {
            return Err("settings: internal shape".into());
        };
        for (k, v) in obj {
            if !cur.contains_key(k) {
                return Err(format!("settings.{k}: unknown setting"));
            }
            cur.insert(k.clone(), v.clone());
        }
        serde_json::from_value(current).map_err(|e| format!("settings: {e}"))
    }
}
