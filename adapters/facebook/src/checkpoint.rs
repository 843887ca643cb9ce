//! What the Facebook adapter persists between steps.

use chrono::{DateTime, Utc};
use herald_graph::{InFlight, StepState};
use serde::{Deserialize, Serialize};

/// The adapter's checkpoint, stored by the engine as JSON with the post.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FbCheckpoint {
    /// Unpublished photos uploaded so far (photo posts and photo stories), in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub photo_ids: Vec<String>,
    /// The video of a resumable upload, reel or video story, once started.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub video_id: Option<String>,
    /// Where a reel's or story's bytes go (the rupload host).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upload_url: Option<String>,
    /// A resumable `/videos` upload session and the next chunk Meta asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upload_session_id: Option<String>,
    #[serde(default)]
    pub start_offset: u64,
    #[serde(default)]
    pub end_offset: u64,
    /// The upload request went out (Meta fetches a `file_url` itself).
    #[serde(default)]
    pub upload_sent: bool,
    /// The bytes reached Meta.
    #[serde(default)]
    pub uploaded: bool,
    /// Status reads while waiting for an upload to land.
    #[serde(default)]
    pub polls: u32,
    /// A preparatory call under way (its answer not yet stored).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_flight: Option<InFlight>,
    /// When the call that makes the post live was sent; from then on nothing is sent
    /// again before reconciling.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub publish_sent_at: Option<DateTime<Utc>>,
    /// The live object's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub post_id: Option<String>,
}

impl StepState for FbCheckpoint {
    fn published_id(&self) -> Option<&str> {
        self.post_id.as_deref()
    }

    fn set_published_id(&mut self, id: String) {
        self.post_id = Some(id);
    }

    fn awaiting_answer(&self) -> bool {
        self.publish_sent_at.is_some() || self.in_flight.is_some()
    }
}
