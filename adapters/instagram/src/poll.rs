//! When to look at a container's status: first at about the time Meta takes to process
//! such media, then less and less often, so a publish wastes few calls.

use chrono::Duration;
use herald_platform::domain::{MediaType, PostSpec};

/// The polling schedule (settings; defaults suit Meta's usual processing times).
#[derive(Debug, Clone)]
pub struct PollSchedule {
    /// First status read after creating an image-only container.
    pub image_first: Duration,
    /// First status read after creating a container with a video.
    pub video_first: Duration,
    /// The wait after the first `IN_PROGRESS`; doubles each time after.
    pub backoff_base: Duration,
    pub backoff_max: Duration,
    /// A container still `IN_PROGRESS` this long after creation is given up and recreated.
    pub stuck_after: Duration,
}

impl Default for PollSchedule {
    fn default() -> Self {
        Self {
            image_first: Duration::seconds(3),
            video_first: Duration::seconds(10),
            backoff_base: Duration::seconds(5),
            backoff_max: Duration::minutes(5),
            stuck_after: Duration::hours(1),
        }
    }
}

impl PollSchedule {
    /// The wait before the first status read of `spec`'s container.
    pub fn first(&self, spec: &PostSpec) -> Duration {
        let has_video = spec
            .media
            .iter()
            .any(|m| m.facts.media_type == MediaType::Video);
        if has_video {
            self.video_first
        } else {
            self.image_first
        }
    }

    /// The wait after the `polls`-th read still found the container in progress.
    pub fn backoff(&self, polls: u32) -> Duration {
        let factor = 2_i32.saturating_pow(polls.saturating_sub(1).min(16));
        (self.backoff_base * factor).min(self.backoff_max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let schedule = PollSchedule::default();
        let waits: Vec<i64> = (1..=8).map(|n| schedule.backoff(n).num_seconds()).collect();
        assert_eq!(waits, vec![5, 10, 20, 40, 80, 160, 300, 300]);
    }
}
