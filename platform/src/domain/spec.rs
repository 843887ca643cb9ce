//! What a post says: the caption, its media and the options of its kind.

use serde::{Deserialize, Serialize};

use super::{MediaFacts, PostKind};
use crate::ids::MediaId;

/// A person tagged on an Instagram image: `x` and `y` in 0..=1.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserTag {
    pub username: String,
    pub x: f64,
    pub y: f64,
}

/// Options that only some kinds take. Unknown fields are refused at the API edge.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PostOptions {
    /// `fb_feed`: a link to share.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
    /// `ig_image` (and carousel image children, in order): text for screen readers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alt_text: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub user_tags: Vec<UserTag>,
    /// A Page id with a location (IG image, reel, carousel parent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location_id: Option<String>,
    /// IG carousel parent, image or reel: at most 3 usernames without `@`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub collaborators: Vec<String>,
    /// `ig_reel`: also show the reel in the feed (Meta's default is true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub share_to_feed: Option<bool>,
    /// `ig_reel`: a cover image media id; wins over `thumb_offset_ms`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cover: Option<MediaId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thumb_offset_ms: Option<u64>,
    /// `fb_video`, `fb_reel`: a title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
}

/// One media file of a post as an adapter sees it: where Meta can fetch it and what it is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpecMedia {
    pub id: MediaId,
    /// A public, unauthenticated URL that serves the bytes with the right content type.
    pub url: String,
    pub facts: MediaFacts,
}

/// Everything an adapter needs to validate or publish a post.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PostSpec {
    pub kind: PostKind,
    pub caption: String,
    pub media: Vec<SpecMedia>,
    pub options: PostOptions,
    /// `ig_reel` with `options.cover`: the cover image.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cover: Option<SpecMedia>,
}
