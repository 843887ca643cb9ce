//! Helpers both publishers use to run a publish as persisted steps: the record of a call
//! under way, Meta's timestamps, and a best-effort follow-up read.

use chrono::{DateTime, Duration, Utc};
use herald_platform::publish::{Checkpoint, PublishError, StepContext};
use serde::{Deserialize, Serialize};

/// How far Meta's clock may be from ours when matching objects by time.
pub const CLOCK_SLACK: Duration = Duration::minutes(5);

/// A non-idempotent call that was about to be sent: saved before sending, cleared once its
/// answer is stored. Found set after a crash, it says what may have happened at Meta.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InFlight {
    /// The endpoint label (`media`, `media_publish`, `feed`, …).
    pub call: String,
    pub sent_at: DateTime<Utc>,
}

/// Saves `state` as the checkpoint, both in the engine's store and in `checkpoint`.
pub async fn persist<T: Serialize>(
    ctx: &dyn StepContext,
    checkpoint: &mut Checkpoint,
    state: &T,
) -> Result<(), PublishError> {
    *checkpoint = Checkpoint::write(state);
    ctx.save(checkpoint).await
}

/// Reads Meta's `created_time`/`timestamp` (`2026-12-04T16:00:00+0000`, or RFC 3339).
pub fn parse_meta_time(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%z")
        .or_else(|_| DateTime::parse_from_rfc3339(text))
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// The moment an object created in answer to a call sent at `sent_at` can have been
/// created at the earliest, by Meta's clock.
pub fn earliest(sent_at: DateTime<Utc>) -> DateTime<Utc> {
    sent_at - CLOCK_SLACK
}

/// The trailing number of a container's `status` ("Error: … error code 2207003").
pub fn status_subcode(status: &str) -> Option<i64> {
    let digits: String = status
        .trim_end_matches(|c: char| !c.is_ascii_digit())
        .chars()
        .rev()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.chars().rev().collect::<String>().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_meta_timestamps() {
        let t = parse_meta_time("2026-12-04T16:00:05+0000").unwrap();
        assert_eq!(t.to_rfc3339(), "2026-12-04T16:00:05+00:00");
        assert!(parse_meta_time("2026-12-04T16:00:05Z").is_some());
        assert!(parse_meta_time("yesterday").is_none());
    }

    #[test]
    fn reads_the_subcode_of_a_status() {
        assert_eq!(
            status_subcode("Error: Media upload has failed with error code 2207003"),
            Some(2207003)
        );
        assert_eq!(status_subcode("Error: Media ID 2207020."), Some(2207020));
        assert_eq!(status_subcode("Error"), None);
    }
}
