//! What the Instagram adapter persists between steps.

use chrono::{DateTime, Utc};
use herald_graph::{InFlight, StepState};
use serde::{Deserialize, Serialize};

/// The adapter's checkpoint, stored by the engine as JSON with the post.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct IgCheckpoint {
    /// Carousel item containers created so far, in the order of the post's media.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub children: Vec<String>,
    /// The container to publish (the carousel parent for a carousel).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container_created_at: Option<DateTime<Utc>>,
    /// Status polls of the current container.
    #[serde(default)]
    pub polls: u32,
    /// Containers given up on (expired or broken) and created again.
    #[serde(default)]
    pub recreated: u32,
    /// A container creation under way (its answer not yet stored).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_flight: Option<InFlight>,
    /// When `media_publish` was sent: from then on, the container is never published
    /// again before reconciling.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub publish_sent_at: Option<DateTime<Utc>>,
    /// The published media's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_id: Option<String>,
}

impl IgCheckpoint {
    /// Forgets every container so the next step creates new ones.
    pub fn forget_containers(&mut self) {
        self.children.clear();
        self.container_id = None;
        self.container_created_at = None;
        self.polls = 0;
        self.in_flight = None;
        self.publish_sent_at = None;
    }
}

impl StepState for IgCheckpoint {
    fn published_id(&self) -> Option<&str> {
        self.media_id.as_deref()
    }

    fn set_published_id(&mut self, id: String) {
        self.media_id = Some(id);
    }

    fn awaiting_answer(&self) -> bool {
        self.publish_sent_at.is_some() || self.in_flight.is_some()
    }
}
