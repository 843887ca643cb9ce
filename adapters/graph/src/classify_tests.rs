//! Every row of META_API.md's error table, classified twice: once with Meta's words and
//! once with garbage, to prove no verdict depends on message text.

use chrono::{Duration, TimeZone, Utc};
use herald_platform::publish::{BudgetReport, BudgetScope, UsageFigure, Verdict};

use super::*;
use crate::error::{CallError, Delivery, GraphError};

#[derive(Debug, Clone, Copy, PartialEq)]
enum Expect {
    Retry,
    Recreate,
    /// Deferred by at least this many minutes.
    Defer(i64),
    Reauth,
    Permission,
    /// Invalid input naming this field.
    Input(&'static str),
    Unknown,
}

/// (table row, code, subcode, expected).
const ROWS: &[(&str, i64, Option<i64>, Expect)] = &[
    ("1, 2 unknown or temporary", 1, None, Expect::Retry),
    ("1, 2 unknown or temporary", 2, None, Expect::Retry),
    ("throttled", 4, None, Expect::Defer(15)),
    ("throttled", 17, None, Expect::Defer(15)),
    ("throttled", 32, None, Expect::Defer(15)),
    ("throttled", 341, None, Expect::Defer(15)),
    ("throttled", 613, None, Expect::Defer(15)),
    ("throttled", 80000, None, Expect::Defer(15)),
    ("throttled", 80001, None, Expect::Defer(15)),
    ("throttled", 80014, None, Expect::Defer(15)),
    ("368 policy block", 368, None, Expect::Defer(6 * 60)),
    ("permission missing", 10, None, Expect::Permission),
    ("permission missing", 200, None, Expect::Permission),
    ("permission missing", 230, None, Expect::Permission),
    ("permission missing", 299, None, Expect::Permission),
    ("190 token", 190, Some(458), Expect::Reauth),
    ("190 token", 190, Some(460), Expect::Reauth),
    ("190 token", 190, Some(463), Expect::Reauth),
    ("190 token", 190, Some(464), Expect::Reauth),
    ("190 token", 190, Some(467), Expect::Reauth),
    ("190 token", 190, Some(492), Expect::Reauth),
    (
        "190 impersonating a user's page",
        190,
        None,
        Expect::Permission,
    ),
    ("100 (33) not yet readable", 100, Some(33), Expect::Retry),
    ("506 duplicate post", 506, None, Expect::Unknown),
    (
        "9007 (2207027) not finished",
        9007,
        Some(2207027),
        Expect::Retry,
    ),
    ("9 (2207042) quota", 9, Some(2207042), Expect::Defer(60)),
    ("could not download", -2, Some(2207003), Expect::Retry),
    ("could not download", 9004, Some(2207052), Expect::Retry),
    (
        "server or upload error",
        -1,
        Some(2207001),
        Expect::Recreate,
    ),
    (
        "server or upload error",
        -1,
        Some(2207032),
        Expect::Recreate,
    ),
    (
        "server or upload error",
        -1,
        Some(2207053),
        Expect::Recreate,
    ),
    (
        "container missing or expired",
        100,
        Some(2207006),
        Expect::Recreate,
    ),
    (
        "container missing or expired",
        100,
        Some(2207008),
        Expect::Recreate,
    ),
    (
        "container missing or expired",
        -2,
        Some(2207020),
        Expect::Recreate,
    ),
    ("restricted", 4, Some(2207051), Expect::Defer(6 * 60)),
    ("restricted", 100, Some(2207050), Expect::Defer(6 * 60)),
    (
        "image too large",
        36000,
        Some(2207004),
        Expect::Input("media"),
    ),
    ("format", 36001, Some(2207005), Expect::Input("media")),
    ("aspect ratio", 36003, Some(2207009), Expect::Input("media")),
    (
        "caption too long",
        100,
        Some(2207010),
        Expect::Input("caption"),
    ),
    ("video format", 352, Some(2207026), Expect::Input("media")),
    (
        "thumb offset",
        1,
        Some(2207057),
        Expect::Input("options.thumb_offset_ms"),
    ),
    ("unknown type", 100, Some(2207023), Expect::Input("kind")),
    ("carousel", 100, Some(2207028), Expect::Input("media")),
    (
        "collaborator handle",
        110,
        Some(2207018),
        Expect::Input("options.collaborators"),
    ),
    (
        "standalone VIDEO",
        100,
        Some(2207089),
        Expect::Input("kind"),
    ),
    (
        "FB photo too large",
        100,
        Some(1366046),
        Expect::Input("media"),
    ),
    ("FB reel aspect", 100, Some(1363040), Expect::Input("media")),
    ("FB resolution", 100, Some(1363127), Expect::Input("media")),
    ("FB duration", 100, Some(1363128), Expect::Input("media")),
    ("FB frame rate", 100, Some(1363129), Expect::Input("media")),
    ("FB posting too fast", 368, Some(1390008), Expect::Defer(30)),
    ("FB invalid URL", 100, Some(2061006), Expect::Input("media")),
    ("FB invalid URL", 100, Some(1349125), Expect::Input("media")),
    (
        "FB problem with the file",
        6000,
        None,
        Expect::Input("media"),
    ),
];

fn error(code: i64, subcode: Option<i64>, message: &str) -> GraphError {
    GraphError {
        http_status: 400,
        code,
        subcode,
        is_transient: None,
        fbtrace_id: Some("trace".into()),
        error_type: Some("OAuthException".into()),
        message: message.into(),
        user_title: Some(message.into()),
        user_msg: Some(message.into()),
        usage: BudgetReport::default(),
    }
}

fn check(row: &str, verdict: &Verdict, expect: Expect) {
    let now = Utc.with_ymd_and_hms(2026, 12, 4, 12, 0, 0).unwrap();
    let ok = match (expect, verdict) {
        (Expect::Retry, Verdict::RetryLater) => true,
        (Expect::Recreate, Verdict::RecreateContainer) => true,
        (Expect::Defer(minutes), Verdict::DeferUntil { until, reason }) => {
            *until >= now + Duration::minutes(minutes) && !reason.is_empty()
        }
        (Expect::Reauth, Verdict::NeedsReauth) => true,
        (Expect::Permission, Verdict::PermissionDenied { .. }) => true,
        (
            Expect::Input(field),
            Verdict::InvalidInput {
                field: Some(f),
                rule,
            },
        ) => f == field && !rule.is_empty(),
        (Expect::Unknown, Verdict::OutcomeUnknown) => true,
        _ => false,
    };
    assert!(ok, "row `{row}`: expected {expect:?}, got {verdict:?}");
}

#[test]
fn every_row_of_the_error_table() {
    let now = Utc.with_ymd_and_hms(2026, 12, 4, 12, 0, 0).unwrap();
    for (row, code, subcode, expect) in ROWS {
        let verdict = classify(&error(*code, *subcode, "Meta's own words"), now);
        check(row, &verdict, *expect);
    }
}

#[test]
fn no_verdict_depends_on_message_text() {
    let now = Utc.with_ymd_and_hms(2026, 12, 4, 12, 0, 0).unwrap();
    let garbage = [
        "",
        "must be granted before impersonating a user's page",
        "Error validating access token: Session has expired",
        "(#4) Application request limit reached",
        "☃ totally unrelated ☃",
    ];
    for (row, code, subcode, expect) in ROWS {
        let reference = classify(&error(*code, *subcode, "Meta's own words"), now);
        for text in garbage {
            let verdict = classify(&error(*code, *subcode, text), now);
            assert_eq!(
                verdict, reference,
                "row `{row}` changed with message {text:?}"
            );
            check(row, &verdict, *expect);
        }
    }
}

#[test]
fn a_throttle_waits_as_long_as_the_usage_headers_say() {
    let now = Utc.with_ymd_and_hms(2026, 12, 4, 12, 0, 0).unwrap();
    let mut throttled = error(80002, None, "");
    throttled.usage.figures.push(UsageFigure {
        scope: BudgetScope::BusinessUseCase {
            object_id: "17".into(),
            use_case: "instagram".into(),
        },
        call_count: 100.0,
        total_cputime: 10.0,
        total_time: 10.0,
        regain_access_minutes: Some(42),
    });
    match classify(&throttled, now) {
        Verdict::DeferUntil { until, .. } => assert_eq!(until, now + Duration::minutes(42)),
        other => panic!("expected a deferral, got {other:?}"),
    }
}

#[test]
fn transient_unknown_codes_are_retried_and_others_fail() {
    let now = Utc::now();
    let mut transient = error(12345, None, "");
    transient.is_transient = Some(true);
    assert_eq!(classify(&transient, now), Verdict::RetryLater);
    let mut server = error(12345, None, "");
    server.http_status = 503;
    assert_eq!(classify(&server, now), Verdict::RetryLater);
    assert!(matches!(
        classify(&error(12345, None, ""), now),
        Verdict::InvalidInput { .. }
    ));
}

#[test]
fn a_network_failure_after_a_non_idempotent_send_is_an_unknown_outcome() {
    let now = Utc::now();
    let transport = |delivery, idempotent| CallError::Transport {
        endpoint: "media_publish".into(),
        delivery,
        idempotent,
        detail: "timed out".into(),
        http_status: None,
    };
    assert_eq!(
        classify_call(&transport(Delivery::MaybeSent, false), now),
        Verdict::OutcomeUnknown
    );
    assert_eq!(
        classify_call(&transport(Delivery::NotSent, false), now),
        Verdict::RetryLater
    );
    assert_eq!(
        classify_call(&transport(Delivery::MaybeSent, true), now),
        Verdict::RetryLater
    );
}

#[test]
fn a_container_error_is_recreated_unless_the_input_is_wrong() {
    assert_eq!(
        classify_container_error(Some(2207001)),
        Verdict::RecreateContainer
    );
    assert_eq!(
        classify_container_error(Some(2207003)),
        Verdict::RecreateContainer
    );
    assert_eq!(classify_container_error(None), Verdict::RecreateContainer);
    assert!(matches!(
        classify_container_error(Some(2207009)),
        Verdict::InvalidInput { field: Some(f), .. } if f == "media"
    ));
}
