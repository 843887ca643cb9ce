//! The retry schedule: when the next attempt at a delivery is due.
//!
//! Attempt 1 is immediate; after a failure the next attempt waits 5 s, 5 min, 30 min,
//! 2 h, 5 h, 10 h and 10 h, each with up to ±10 % jitter so that endpoints that failed
//! together do not all retry in the same second. A `Retry-After` from the receiver is
//! honoured (never retried sooner), capped at [`MAX_RETRY_AFTER`].

use chrono::{DateTime, Duration, Utc};
use rand::Rng;

/// Delay before each attempt, by attempt number minus one.
pub const SCHEDULE_SECS: [i64; 8] = [0, 5, 300, 1_800, 7_200, 18_000, 36_000, 36_000];

/// Total attempts per event and endpoint.
pub const MAX_ATTEMPTS: u32 = SCHEDULE_SECS.len() as u32;

/// Largest jitter, in per mille of the delay.
pub const JITTER_PER_MILLE: i64 = 100;

/// A `Retry-After` longer than this is capped, so one answer cannot park an event forever.
pub const MAX_RETRY_AFTER: Duration = Duration::hours(24);

/// The delay before `attempt` (1-based) without jitter; `None` past the last attempt.
pub fn base_delay(attempt: u32) -> Option<Duration> {
    let index = usize::try_from(attempt.checked_sub(1)?).ok()?;
    SCHEDULE_SECS
        .get(index)
        .map(|secs| Duration::seconds(*secs))
}

/// Applies a jitter factor in `-1.0..=1.0` (scaled to ±[`JITTER_PER_MILLE`]).
pub fn jittered(delay: Duration, factor: f64) -> Duration {
    let factor = factor.clamp(-1.0, 1.0);
    let spread_ms = delay.num_milliseconds() * JITTER_PER_MILLE / 1000;
    // The product is bounded by `spread_ms`, so the cast cannot overflow.
    delay + Duration::milliseconds((spread_ms as f64 * factor) as i64)
}

/// When attempt `next_attempt` is due after a failure at `now`, or `None` when the
/// schedule is spent. `retry_after` is what the receiver asked for, if anything.
pub fn next_attempt_at(
    now: DateTime<Utc>,
    next_attempt: u32,
    retry_after: Option<Duration>,
    jitter: f64,
) -> Option<DateTime<Utc>> {
    let scheduled = jittered(base_delay(next_attempt)?, jitter);
    let asked = retry_after
        .map(|d| d.min(MAX_RETRY_AFTER))
        .unwrap_or(Duration::zero());
    Some(now + scheduled.max(asked))
}

/// A random jitter factor for [`next_attempt_at`].
pub fn random_jitter() -> f64 {
    rand::thread_rng().gen_range(-1.0..=1.0)
}

/// Reads a `Retry-After` header: delay-seconds or an HTTP date. Garbage is ignored.
pub fn parse_retry_after(value: &str, now: DateTime<Utc>) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u32>() {
        return Some(Duration::seconds(i64::from(secs)));
    }
    let at = DateTime::parse_from_rfc2822(value)
        .ok()?
        .with_timezone(&Utc);
    Some((at - now).max(Duration::zero()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schedule_is_the_documented_one() {
        let delays: Vec<i64> = (1..=MAX_ATTEMPTS)
            .map(|a| base_delay(a).unwrap().num_seconds())
            .collect();
        assert_eq!(delays, [0, 5, 300, 1800, 7200, 18000, 36000, 36000]);
        assert_eq!(base_delay(0), None);
        assert_eq!(base_delay(9), None);
    }

    #[test]
    fn jitter_stays_within_ten_percent() {
        let now = Utc::now();
        for attempt in 2..=MAX_ATTEMPTS {
            let base = base_delay(attempt).unwrap();
            for factor in [-1.0, -0.3, 0.0, 0.7, 1.0, 5.0, random_jitter()] {
                let at = next_attempt_at(now, attempt, None, factor).unwrap();
                let delay = (at - now).num_milliseconds() as f64;
                let base_ms = base.num_milliseconds() as f64;
                assert!(
                    delay >= base_ms * 0.9 && delay <= base_ms * 1.1,
                    "{attempt} {factor}"
                );
            }
        }
        assert_eq!(next_attempt_at(now, MAX_ATTEMPTS + 1, None, 0.0), None);
    }

    #[test]
    fn retry_after_is_never_undercut_and_is_capped() {
        let now = Utc::now();
        let at = next_attempt_at(now, 2, Some(Duration::seconds(120)), 0.0).unwrap();
        assert_eq!(at - now, Duration::seconds(120));
        let at = next_attempt_at(now, 5, Some(Duration::seconds(1)), 0.0).unwrap();
        assert_eq!(at - now, Duration::hours(2));
        let at = next_attempt_at(now, 2, Some(Duration::days(30)), 0.0).unwrap();
        assert_eq!(at - now, MAX_RETRY_AFTER);
    }

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        let now = DateTime::parse_from_rfc2822("Wed, 21 Oct 2015 07:28:00 GMT")
            .unwrap()
            .to_utc();
        assert_eq!(parse_retry_after("30", now), Some(Duration::seconds(30)));
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:29:00 GMT", now),
            Some(Duration::seconds(60))
        );
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-5", now), None);
    }
}
