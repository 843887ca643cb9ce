//! The classifier: what Herald does about a Graph error, decided from
//! `(code, error_subcode, is_transient)` alone, row by row from META_API.md's error table.
//! Message text is never read here: Meta rewords messages, and translates them.

use chrono::{DateTime, Duration, Utc};
use herald_platform::publish::Verdict;

use crate::error::{CallError, Delivery, GraphError};
use crate::usage::regain_access_minutes;

/// How long to wait on a throttling error when the usage headers name no time.
pub const THROTTLE_DEFAULT_DEFER: Duration = Duration::minutes(15);
/// How long to wait after a policy block (368).
pub const POLICY_BLOCK_DEFER: Duration = Duration::hours(6);
/// How long to wait when the account is restricted or spam-limited.
pub const RESTRICTED_DEFER: Duration = Duration::hours(6);
/// How long to wait when the IG publishing quota is spent (the rolling window frees a
/// slot at the latest after 24 hours; the adapter narrows this when it can).
pub const QUOTA_DEFER: Duration = Duration::hours(1);
/// How long to wait on Facebook's "posting too fast" (1390008).
pub const TOO_FAST_DEFER: Duration = Duration::minutes(30);

/// Input errors Meta reports by subcode: (subcode, field, rule in plain words).
const INPUT_SUBCODES: &[(i64, &str, &str)] = &[
    (
        2207004,
        "media",
        "the image is larger than Instagram accepts (at most 8 MiB)",
    ),
    (
        2207005,
        "media",
        "the media format is not supported (images must be JPEG)",
    ),
    (
        2207009,
        "media",
        "the aspect ratio is outside 4:5 to 1.91:1",
    ),
    (
        2207010,
        "caption",
        "the caption is too long or has too many hashtags or mentions",
    ),
    (
        2207026,
        "media",
        "the video format is not supported (MP4 or MOV, H.264 or HEVC, AAC)",
    ),
    (
        2207057,
        "options.thumb_offset_ms",
        "the thumbnail offset is outside the video",
    ),
    (2207023, "kind", "the media type is unknown"),
    (
        2207028,
        "media",
        "the carousel is invalid (2 to 10 finished children)",
    ),
    (
        2207018,
        "options.collaborators",
        "a collaborator handle is unknown or not allowed",
    ),
    (
        2207089,
        "kind",
        "a standalone VIDEO container cannot be published; use a reel",
    ),
    (
        1366046,
        "media",
        "the photo is larger than Facebook accepts",
    ),
    (1363040, "media", "the reel's aspect ratio must be 9:16"),
    (
        1363127,
        "media",
        "the video resolution is too low (reels at least 540x960)",
    ),
    (
        1363128,
        "media",
        "the video duration is outside what this kind accepts",
    ),
    (1363129, "media", "the frame rate is outside 24 to 60 fps"),
    (2061006, "media", "the media URL is invalid"),
    (1349125, "media", "the media URL is invalid"),
];

/// Input errors Meta reports by code: (code, field, rule).
const INPUT_CODES: &[(i64, &str, &str)] = &[
    (
        36000,
        "media",
        "the image is larger than Instagram accepts (at most 8 MiB)",
    ),
    (
        36001,
        "media",
        "the media format is not supported (images must be JPEG)",
    ),
    (36003, "media", "the aspect ratio is outside 4:5 to 1.91:1"),
    (
        352,
        "media",
        "the video format is not supported (MP4 or MOV, H.264 or HEVC, AAC)",
    ),
    (
        6000,
        "media",
        "Meta could not use the file (it never arrived or is not valid)",
    ),
];

/// Subcodes that mean the container is broken, missing or expired.
const RECREATE_SUBCODES: &[i64] = &[2207001, 2207032, 2207053, 2207006, 2207008, 2207020];

/// Subcodes that mean Meta could not download the media: retried, then failed.
const DOWNLOAD_SUBCODES: &[i64] = &[2207003, 2207052];

/// Subcodes of 190 that mean the token itself is dead: reauthorize.
const REAUTH_SUBCODES: &[i64] = &[458, 460, 463, 464, 467, 492];

/// Subcodes that mean the account is restricted or spam-limited.
const RESTRICTED_SUBCODES: &[i64] = &[2207051, 2207050];

fn invalid(field: &str, rule: &str) -> Verdict {
    Verdict::InvalidInput {
        field: Some(field.to_owned()),
        rule: rule.to_owned(),
    }
}

fn defer(now: DateTime<Utc>, by: Duration, reason: &str) -> Verdict {
    Verdict::DeferUntil {
        until: now + by,
        reason: reason.to_owned(),
    }
}

fn is_throttle_code(code: i64) -> bool {
    matches!(code, 4 | 17 | 32 | 341 | 613 | 80000..=80014)
}

/// What to do about Meta's error. `now` anchors `DeferUntil`.
pub fn classify(error: &GraphError, now: DateTime<Utc>) -> Verdict {
    let code = error.code;

    // Subcodes name the situation more precisely than codes: they go first.
    if let Some(subcode) = error.subcode {
        if let Some((_, field, rule)) = INPUT_SUBCODES.iter().find(|(s, ..)| *s == subcode) {
            return invalid(field, rule);
        }
        if RECREATE_SUBCODES.contains(&subcode) {
            return Verdict::RecreateContainer;
        }
        if DOWNLOAD_SUBCODES.contains(&subcode) {
            return Verdict::RetryLater;
        }
        if RESTRICTED_SUBCODES.contains(&subcode) {
            return defer(
                now,
                RESTRICTED_DEFER,
                "the account is restricted or spam-limited",
            );
        }
        match (code, subcode) {
            (9007, 2207027) => return Verdict::RetryLater,
            (9, 2207042) => {
                return defer(
                    now,
                    QUOTA_DEFER,
                    "the Instagram publishing quota is reached",
                );
            }
            (100, 33) => return Verdict::RetryLater,
            (190, s) if REAUTH_SUBCODES.contains(&s) => return Verdict::NeedsReauth,
            (_, 1390008) => return defer(now, TOO_FAST_DEFER, "posting too fast"),
            _ => {}
        }
    }

    // Codes alone.
    if let Some((_, field, rule)) = INPUT_CODES.iter().find(|(c, ..)| *c == code) {
        return invalid(field, rule);
    }
    match code {
        1 | 2 => Verdict::RetryLater,
        c if is_throttle_code(c) => {
            let minutes = regain_access_minutes(&error.usage);
            let wait = if minutes > 0 {
                Duration::minutes(i64::try_from(minutes).unwrap_or(i64::MAX / 60_000))
            } else {
                THROTTLE_DEFAULT_DEFER
            };
            defer(now, wait, "Meta is throttling calls for this account")
        }
        368 => defer(
            now,
            POLICY_BLOCK_DEFER,
            "temporarily blocked by Meta for policy reasons",
        ),
        10 | 200..=299 => Verdict::PermissionDenied { permission: None },
        // 190 without one of the token subcodes: the user lacks a role on this Page
        // ("must be granted before impersonating a user's page"). Reconnecting won't help.
        190 if error.subcode.is_none() => Verdict::PermissionDenied {
            permission: Some("a role on this Page for the connected user".to_owned()),
        },
        190 => Verdict::NeedsReauth,
        506 => Verdict::OutcomeUnknown,
        1390008 => defer(now, TOO_FAST_DEFER, "posting too fast"),
        -1 | -2 | 9004 | 9007 => Verdict::RetryLater,
        _ if error.is_transient == Some(true) || error.http_status >= 500 => Verdict::RetryLater,
        100 => Verdict::InvalidInput {
            field: None,
            rule: "Meta refused a parameter".to_owned(),
        },
        _ => Verdict::InvalidInput {
            field: None,
            rule: "Meta refused the request".to_owned(),
        },
    }
}

/// What to do about any failed call: Meta's error through [`classify`]; a network
/// failure by whether the request may have arrived and could have taken effect.
pub fn classify_call(error: &CallError, now: DateTime<Utc>) -> Verdict {
    match error {
        CallError::Graph(graph) => classify(graph, now),
        CallError::Transport {
            delivery: Delivery::NotSent,
            ..
        } => Verdict::RetryLater,
        CallError::Transport {
            idempotent: true, ..
        } => Verdict::RetryLater,
        CallError::Transport {
            idempotent: false, ..
        } => Verdict::OutcomeUnknown,
    }
}

/// What a container in `ERROR` (`status` carrying `subcode`) calls for: a new container,
/// unless the input itself is wrong.
pub fn classify_container_error(subcode: Option<i64>) -> Verdict {
    let error = GraphError {
        http_status: 400,
        code: 0,
        subcode,
        is_transient: None,
        fbtrace_id: None,
        error_type: None,
        message: String::new(),
        user_title: None,
        user_msg: None,
        usage: Default::default(),
    };
    match classify(&error, Utc::now()) {
        verdict @ Verdict::InvalidInput { field: Some(_), .. } => verdict,
        _ => Verdict::RecreateContainer,
    }
}

#[cfg(test)]
#[path = "classify_tests.rs"]
mod tests;
