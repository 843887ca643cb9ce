//! When to try again: exponential backoff with jitter, chosen by the classifier's verdict.
//!
//! Jitter spreads the retries of many posts that failed together (a Meta outage) so they
//! do not all come back in the same second.

use chrono::{DateTime, Duration, Utc};
use rand::Rng;

/// First wait after a temporary fault (`RetryLater`).
pub const RETRY_BASE: Duration = Duration::seconds(30);
/// Longest wait between two retries of a temporary fault.
pub const RETRY_CAP: Duration = Duration::minutes(30);
/// Failed attempts after which a post that keeps hitting temporary faults fails.
pub const MAX_ATTEMPTS: u32 = 8;

/// First wait before asking Meta again whether an unknown outcome took effect.
pub const RECONCILE_BASE: Duration = Duration::seconds(20);
/// Longest wait between two reconciliations.
pub const RECONCILE_CAP: Duration = Duration::minutes(15);
/// Reconciliations that could not tell before a person is asked to look (`unconfirmed`).
pub const MAX_RECONCILE_ATTEMPTS: u32 = 6;

/// New containers made for one post before it fails.
pub const MAX_RECREATES: u32 = 3;

/// How often posts of an account that needs reconnecting are looked at again (they also
/// resume as soon as the client reconnects).
pub const REAUTH_RECHECK: Duration = Duration::hours(1);

/// Largest random delay added to a deferral, so that posts deferred to the same moment
/// (a quota window opening) do not all start in the same second.
pub const DEFER_JITTER_CAP: Duration = Duration::seconds(30);

/// `base * 2^(attempt-1)`, capped, then "equal jitter": a uniform pick in the upper half,
/// so the wait never drops below half the nominal one. `attempt` counts from 1.
pub fn backoff(attempt: u32, base: Duration, cap: Duration, rng: &mut impl Rng) -> Duration {
    let exponent = attempt.saturating_sub(1).min(20);
    let nominal_ms = base
        .num_milliseconds()
        .saturating_mul(1_i64 << exponent)
        .min(cap.num_milliseconds())
        .max(1);
    let half = nominal_ms / 2;
    Duration::milliseconds(half + rng.gen_range(0..=nominal_ms - half))
}

/// When to retry after the `attempt`-th temporary fault.
pub fn retry_at(now: DateTime<Utc>, attempt: u32, rng: &mut impl Rng) -> DateTime<Utc> {
    now + backoff(attempt, RETRY_BASE, RETRY_CAP, rng)
}

/// When to reconcile again after the `attempt`-th answer that could not tell.
pub fn reconcile_at(now: DateTime<Utc>, attempt: u32, rng: &mut impl Rng) -> DateTime<Utc> {
    now + backoff(attempt, RECONCILE_BASE, RECONCILE_CAP, rng)
}

/// A deferral to `until` (never earlier than now), plus up to a tenth of the wait (at most
/// [`DEFER_JITTER_CAP`]) of jitter.
pub fn defer_at(now: DateTime<Utc>, until: DateTime<Utc>, rng: &mut impl Rng) -> DateTime<Utc> {
    let until = until.max(now);
    let spread_ms =
        ((until - now).num_milliseconds() / 10).clamp(0, DEFER_JITTER_CAP.num_milliseconds());
    until + Duration::milliseconds(rng.gen_range(0..=spread_ms))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::SeedableRng;

    #[test]
    fn waits_grow_and_stop_at_the_cap() {
        let mut rng = StdRng::seed_from_u64(7);
        let mut last_nominal = Duration::zero();
        for attempt in 1..=12 {
            let wait = backoff(attempt, RETRY_BASE, RETRY_CAP, &mut rng);
            let nominal = (RETRY_BASE * 2_i32.pow(attempt - 1)).min(RETRY_CAP);
            assert!(wait <= nominal, "attempt {attempt}: {wait} > {nominal}");
            assert!(
                wait * 2 >= nominal,
                "attempt {attempt}: {wait} below half of {nominal}"
            );
            assert!(nominal >= last_nominal);
            last_nominal = nominal;
        }
        assert_eq!(last_nominal, RETRY_CAP);
    }

    #[test]
    fn jitter_spreads_posts_that_failed_together() {
        let mut rng = StdRng::seed_from_u64(1);
        let waits: std::collections::HashSet<i64> = (0..50)
            .map(|_| backoff(3, RETRY_BASE, RETRY_CAP, &mut rng).num_milliseconds())
            .collect();
        assert!(waits.len() > 40, "only {} distinct waits", waits.len());
    }

    #[test]
    fn a_deferral_never_runs_early_and_stays_close() {
        let mut rng = StdRng::seed_from_u64(3);
        let now = Utc::now();
        let until = now + Duration::minutes(10);
        for _ in 0..100 {
            let at = defer_at(now, until, &mut rng);
            assert!(at >= until && at <= until + DEFER_JITTER_CAP);
        }
        // A deferral into the past runs now, not earlier.
        assert_eq!(defer_at(now, now - Duration::hours(1), &mut rng), now);
    }

    #[test]
    fn huge_attempt_counts_do_not_overflow() {
        let mut rng = StdRng::seed_from_u64(9);
        assert!(backoff(u32::MAX, RETRY_BASE, RETRY_CAP, &mut rng) <= RETRY_CAP);
    }
}
