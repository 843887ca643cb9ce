//! Instants shown in the agency's time zone, and times typed in it read back.

use std::str::FromStr;

use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use herald_platform::clock::from_millis;

/// The agency's zone; UTC when the stored name is unknown.
pub fn zone(name: &str) -> Tz {
    Tz::from_str(name).unwrap_or(Tz::UTC)
}

/// `2026-12-04 17:30` in `tz`.
pub fn local(at: DateTime<Utc>, tz: &str) -> String {
    at.with_timezone(&zone(tz))
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

/// Like [`local`], from unix milliseconds.
pub fn local_ms(ms: i64, tz: &str) -> String {
    local(from_millis(ms), tz)
}

/// Reads a `datetime-local` field (`2026-12-04T17:30`) as a time in `tz`. A time that
/// does not exist (skipped by a clock change) is an error; an ambiguous one takes the
/// earlier instant.
pub fn parse_local(text: &str, tz: &str) -> Result<DateTime<Utc>, String> {
    let naive = NaiveDateTime::parse_from_str(text.trim(), "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(text.trim(), "%Y-%m-%dT%H:%M:%S"))
        .map_err(|_| "must be a date and time such as 2026-12-04T17:30".to_owned())?;
    zone(tz)
        .from_local_datetime(&naive)
        .earliest()
        .map(|at| at.with_timezone(&Utc))
        .ok_or_else(|| format!("{text} does not exist in {tz} (the clocks skip it)"))
}

/// `in 3 h`, `5 min ago`: a rough distance from `now`, for lists.
pub fn relative(at: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let seconds = (at - now).num_seconds();
    let (amount, future) = (seconds.unsigned_abs(), seconds >= 0);
    let text = match amount {
        0..=59 => return "now".into(),
        60..=3599 => format!("{} min", amount / 60),
        3600..=172_799 => format!("{} h", amount / 3600),
        _ => format!("{} days", amount / 86_400),
    };
    if future {
        format!("in {text}")
    } else {
        format!("{text} ago")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_local_time_is_read_in_the_agency_zone() {
        let at = parse_local("2026-07-01T12:00", "Europe/Paris").unwrap();
        assert_eq!(at.to_rfc3339(), "2026-07-01T10:00:00+00:00");
        assert_eq!(local(at, "Europe/Paris"), "2026-07-01 12:00");
        assert!(parse_local("2026-03-29T02:30", "Europe/Paris")
            .unwrap_err()
            .contains("skip"));
        assert!(parse_local("tomorrow", "UTC").is_err());
    }
}
