//! Graph API versions: which are served, and the error for a retired one.

use chrono::{DateTime, NaiveDate, Utc};

use crate::errors::GraphError;

/// The current version, used for links the sandbox builds (`upload_url`, `uri`).
pub const CURRENT: &str = "v26.0";

/// `Ok(())` when `version` (e.g. `v26.0`) is served at `now`, else Meta's error.
pub fn check(version: &str, now: DateTime<Utc>) -> Result<(), GraphError> {
    let Some(major) = parse(version) else {
        return Err(GraphError::new(
            2500,
            format!("Unknown path components: /{version}"),
        ));
    };
    if major > 26 {
        return Err(GraphError::new(
            2500,
            format!("Unknown path components: /{version}"),
        ));
    }
    let end_of_life = match major {
        0..=20 => NaiveDate::from_ymd_opt(2026, 9, 24),
        21 => NaiveDate::from_ymd_opt(2027, 1, 21),
        _ => None,
    };
    let retired = end_of_life
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .is_some_and(|d| now.naive_utc() >= d);
    if retired {
        return Err(GraphError::new(
            2635,
            format!(
                "(#2635) You are calling a deprecated version of the Ads API. Please update \
                 to the latest version: {CURRENT}."
            ),
        ));
    }
    Ok(())
}

/// The major number of `vNN.0`, or `None` when the segment is not a version.
pub fn parse(segment: &str) -> Option<u32> {
    let rest = segment.strip_prefix('v')?;
    let (major, minor) = rest.split_once('.')?;
    if minor != "0" {
        return None;
    }
    major.parse().ok()
}

/// Whether a path segment looks like a version (`v` followed by digits and a dot).
pub fn looks_like_version(segment: &str) -> bool {
    segment
        .strip_prefix('v')
        .and_then(|r| r.chars().next())
        .is_some_and(|c| c.is_ascii_digit())
        && segment.contains('.')
}
