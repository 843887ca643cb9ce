//! The ledger: every object published through the sandbox, so tests can check
//! "exactly once".

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One published object.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct LedgerEntry {
    /// The id Graph answered with (post id, photo id, video id or IG media id).
    pub id: String,
    /// The Page id or IG account id it was published on.
    pub owner: String,
    /// `fb_post`, `fb_photo`, `fb_video`, `fb_reel`, `fb_story`, `ig_image`, `ig_reel`,
    /// `ig_carousel`, `ig_story`.
    pub kind: String,
    pub caption: Option<String>,
    pub media: Vec<String>,
    pub children: Vec<String>,
    pub time: DateTime<Utc>,
    /// The sandbox request id (`x-fb-request-id`) of the call that published it.
    pub request_id: String,
    /// The IG container it came from, when there was one.
    #[serde(default)]
    pub container_id: Option<String>,
}
