//! What happens after one delivery attempt: the plain rules the dispatcher follows.
//!
//! A 2xx answer delivers. A 410 disables the endpoint at once. Anything else (another
//! status, a redirect, which is never followed, a timeout, a refused address) is retried on
//! the schedule; when the schedule is spent the delivery is abandoned, and an endpoint that
//! has failed without a single success for [`DISABLE_AFTER_FAILING`] is disabled and the
//! agency told.

use chrono::{DateTime, Duration, Utc};

use super::schedule;
use super::transport::{TransportError, WebhookResponse};

/// An endpoint that has failed for this long, without a success, is disabled.
pub const DISABLE_AFTER_FAILING: Duration = Duration::days(5);

/// How much of a receiver's answer is kept in the delivery log.
pub const RESPONSE_START_CHARS: usize = 512;

/// Why an endpoint was disabled. The text is stored and shown to the agency.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DisableReason {
    /// The receiver answered 410 Gone.
    Gone,
    /// Every delivery failed for [`DISABLE_AFTER_FAILING`].
    FailingTooLong,
}

impl DisableReason {
    pub fn as_str(&self) -> &'static str {
        match self {
            DisableReason::Gone => "the endpoint answered 410 Gone",
            DisableReason::FailingTooLong => "every delivery failed for 5 days",
        }
    }
}

/// What the dispatcher does next with a delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// The receiver accepted the event.
    Delivered,
    /// Try again at the given time.
    RetryAt(DateTime<Utc>),
    /// The schedule is spent: the delivery is abandoned (it can be redelivered by hand).
    GiveUp,
    /// The endpoint is disabled; the delivery is abandoned.
    DisableEndpoint(DisableReason),
}

/// Whether the answer counts as delivered.
pub fn is_success(status: u16) -> bool {
    (200..300).contains(&status)
}

/// Decides what follows attempt number `attempt` (1-based) made at `now`.
pub fn decide(
    result: &Result<WebhookResponse, TransportError>,
    attempt: u32,
    failing_since: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    jitter: f64,
) -> Decision {
    let retry_after = match result {
        Ok(answer) if is_success(answer.status) => return Decision::Delivered,
        Ok(answer) if answer.status == 410 => {
            return Decision::DisableEndpoint(DisableReason::Gone)
        }
        Ok(answer) => answer
            .retry_after
            .as_deref()
            .and_then(|v| schedule::parse_retry_after(v, now)),
        Err(_) => None,
    };

    if failing_since.is_some_and(|since| now - since >= DISABLE_AFTER_FAILING) {
        return Decision::DisableEndpoint(DisableReason::FailingTooLong);
    }
    match schedule::next_attempt_at(now, attempt + 1, retry_after, jitter) {
        Some(at) => Decision::RetryAt(at),
        None => Decision::GiveUp,
    }
}

/// The endpoint's `failing_since` after an attempt: cleared by a success, set by the first
/// failure, kept by later ones.
pub fn failing_since_after(
    delivered: bool,
    failing_since: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    if delivered {
        None
    } else {
        Some(failing_since.unwrap_or(now))
    }
}

/// The start of an answer, cut at a character boundary, for the delivery log.
pub fn response_start(body: &str) -> String {
    body.chars().take(RESPONSE_START_CHARS).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, retry_after: Option<&str>) -> Result<WebhookResponse, TransportError> {
        Ok(WebhookResponse {
            status,
            retry_after: retry_after.map(str::to_owned),
            body_start: String::new(),
        })
    }

    #[test]
    fn success_gone_and_redirects() {
        let now = Utc::now();
        assert_eq!(
            decide(&answer(204, None), 1, None, now, 0.0),
            Decision::Delivered
        );
        assert_eq!(
            decide(&answer(410, None), 3, None, now, 0.0),
            Decision::DisableEndpoint(DisableReason::Gone)
        );
        assert_eq!(
            decide(&answer(302, None), 1, None, now, 0.0),
            Decision::RetryAt(now + Duration::seconds(5))
        );
    }

    #[test]
    fn failures_follow_the_schedule_then_give_up() {
        let now = Utc::now();
        let timeout = Err(TransportError::Timeout);
        assert_eq!(
            decide(&timeout, 4, Some(now), now, 0.0),
            Decision::RetryAt(now + Duration::hours(2))
        );
        assert_eq!(decide(&timeout, 8, Some(now), now, 0.0), Decision::GiveUp);
    }

    #[test]
    fn retry_after_is_honoured() {
        let now = Utc::now();
        assert_eq!(
            decide(&answer(429, Some("600")), 1, None, now, 0.0),
            Decision::RetryAt(now + Duration::seconds(600))
        );
    }

    #[test]
    fn five_days_of_failure_disables() {
        let now = Utc::now();
        let since = now - Duration::days(5);
        assert_eq!(
            decide(&answer(500, None), 2, Some(since), now, 0.0),
            Decision::DisableEndpoint(DisableReason::FailingTooLong)
        );
        let since = now - Duration::days(4);
        assert!(matches!(
            decide(&answer(500, None), 2, Some(since), now, 0.0),
            Decision::RetryAt(_)
        ));
        assert_eq!(failing_since_after(true, Some(since), now), None);
        assert_eq!(failing_since_after(false, Some(since), now), Some(since));
        assert_eq!(failing_since_after(false, None, now), Some(now));
    }
}
