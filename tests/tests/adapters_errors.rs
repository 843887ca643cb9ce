//! Every row of META_API.md's error table, provoked through the sandbox's fault rules and
//! real conditions (a dead token, a lost Page role, a spent budget, a dropped connection),
//! and classified by the adapters as the table says.

use herald_facebook::{FacebookConfig, FacebookPublisher};
use herald_instagram::{InstagramConfig, InstagramPublisher};
use herald_platform::domain::{PostKind, PostOptions, PostSpec};
use herald_platform::publish::{Checkpoint, PublishError, Publisher, Reconciled, Verdict};
use herald_tests::adapter_harness::{drive, Fixture, MediaServer, SandboxHandle, TestContext};
use serde_json::json;

#[derive(Debug, Clone, Copy)]
enum Expect {
    Retry,
    Recreate,
    Defer,
    Reauth,
    Permission,
    Input(&'static str),
    Unknown,
}

/// (row, HTTP status, code, subcode, expected verdict).
const ROWS: &[(&str, u16, i64, Option<i64>, Expect)] = &[
    ("unknown error", 500, 1, None, Expect::Retry),
    ("temporary service error", 503, 2, None, Expect::Retry),
    ("app throttled", 400, 4, None, Expect::Defer),
    ("user throttled", 400, 17, None, Expect::Defer),
    ("page throttled", 400, 32, None, Expect::Defer),
    ("app limit", 400, 341, None, Expect::Defer),
    ("custom limit", 400, 613, None, Expect::Defer),
    ("business use case", 400, 80002, None, Expect::Defer),
    ("instagram use case", 400, 80014, None, Expect::Defer),
    ("policy block", 400, 368, None, Expect::Defer),
    ("permission missing", 403, 10, None, Expect::Permission),
    ("permission missing", 403, 200, None, Expect::Permission),
    ("token app removed", 401, 190, Some(458), Expect::Reauth),
    (
        "token password changed",
        401,
        190,
        Some(460),
        Expect::Reauth,
    ),
    ("token expired", 401, 190, Some(463), Expect::Reauth),
    (
        "token unconfirmed user",
        401,
        190,
        Some(464),
        Expect::Reauth,
    ),
    ("token invalid", 401, 190, Some(467), Expect::Reauth),
    ("token session", 401, 190, Some(492), Expect::Reauth),
    ("no role on the Page", 400, 190, None, Expect::Permission),
    ("object not readable yet", 400, 100, Some(33), Expect::Retry),
    ("duplicate post", 400, 506, None, Expect::Unknown),
    (
        "container not finished",
        400,
        9007,
        Some(2207027),
        Expect::Retry,
    ),
    ("publishing quota", 400, 9, Some(2207042), Expect::Defer),
    ("download failed", 400, -2, Some(2207003), Expect::Retry),
    ("download failed", 400, 9004, Some(2207052), Expect::Retry),
    ("server error", 500, -1, Some(2207001), Expect::Recreate),
    ("upload error", 500, -1, Some(2207032), Expect::Recreate),
    ("upload error", 500, -1, Some(2207053), Expect::Recreate),
    (
        "container missing",
        400,
        100,
        Some(2207006),
        Expect::Recreate,
    ),
    (
        "container missing",
        400,
        100,
        Some(2207008),
        Expect::Recreate,
    ),
    (
        "container expired",
        400,
        -2,
        Some(2207020),
        Expect::Recreate,
    ),
    ("account restricted", 400, 4, Some(2207051), Expect::Defer),
    ("spam limited", 400, 100, Some(2207050), Expect::Defer),
    (
        "image too large",
        400,
        36000,
        Some(2207004),
        Expect::Input("media"),
    ),
    (
        "image format",
        400,
        36001,
        Some(2207005),
        Expect::Input("media"),
    ),
    (
        "aspect ratio",
        400,
        36003,
        Some(2207009),
        Expect::Input("media"),
    ),
    (
        "caption too long",
        400,
        100,
        Some(2207010),
        Expect::Input("caption"),
    ),
    (
        "video format",
        400,
        352,
        Some(2207026),
        Expect::Input("media"),
    ),
    (
        "thumb offset",
        400,
        1,
        Some(2207057),
        Expect::Input("options.thumb_offset_ms"),
    ),
    (
        "unknown type",
        400,
        100,
        Some(2207023),
        Expect::Input("kind"),
    ),
    ("carousel", 400, 100, Some(2207028), Expect::Input("media")),
    (
        "collaborator handle",
        400,
        110,
        Some(2207018),
        Expect::Input("options.collaborators"),
    ),
    (
        "standalone VIDEO",
        400,
        100,
        Some(2207089),
        Expect::Input("kind"),
    ),
];

/// Facebook-side input errors seen in practice.
const FB_ROWS: &[(&str, u16, i64, Option<i64>, Expect)] = &[
    (
        "photo too large",
        400,
        100,
        Some(1366046),
        Expect::Input("media"),
    ),
    (
        "reel aspect ratio",
        400,
        100,
        Some(1363040),
        Expect::Input("media"),
    ),
    (
        "resolution",
        400,
        100,
        Some(1363127),
        Expect::Input("media"),
    ),
    ("duration", 400, 100, Some(1363128), Expect::Input("media")),
    (
        "frame rate",
        400,
        100,
        Some(1363129),
        Expect::Input("media"),
    ),
    ("posting too fast", 400, 368, Some(1390008), Expect::Defer),
    (
        "invalid URL",
        400,
        100,
        Some(2061006),
        Expect::Input("media"),
    ),
    (
        "invalid URL",
        400,
        100,
        Some(1349125),
        Expect::Input("media"),
    ),
    (
        "problem with the file",
        400,
        6000,
        None,
        Expect::Input("media"),
    ),
];

fn check(row: &str, err: &PublishError, expect: Expect, code: i64, subcode: Option<i64>) {
    let ok = match (expect, &err.verdict) {
        (Expect::Retry, Verdict::RetryLater) => true,
        (Expect::Recreate, Verdict::RecreateContainer) => true,
        (Expect::Defer, Verdict::DeferUntil { .. }) => true,
        (Expect::Reauth, Verdict::NeedsReauth) => true,
        (Expect::Permission, Verdict::PermissionDenied { permission }) => permission.is_some(),
        (Expect::Input(field), Verdict::InvalidInput { field: Some(f), .. }) => f == field,
        (Expect::Unknown, Verdict::OutcomeUnknown) => true,
        _ => false,
    };
    assert!(
        ok,
        "row `{row}` ({code}/{subcode:?}): expected {expect:?}, got {err:?}"
    );
    let graph = err
        .graph
        .as_ref()
        .unwrap_or_else(|| panic!("row `{row}` lost Meta's error"));
    assert_eq!(
        (graph.code, graph.subcode),
        (code, subcode),
        "row `{row}` kept code and subcode"
    );
    assert!(
        graph.fbtrace_id.is_some(),
        "row `{row}` kept the fbtrace_id"
    );
}

fn spec(kind: PostKind, caption: &str, media: Vec<herald_platform::domain::SpecMedia>) -> PostSpec {
    PostSpec {
        kind,
        caption: caption.into(),
        media,
        options: PostOptions::default(),
        cover: None,
    }
}

#[actix_rt::test]
async fn every_row_of_the_error_table_is_classified_as_the_table_says() {
    let sandbox = SandboxHandle::start().await.expect("sandbox starts");
    let media = MediaServer::start().await.expect("media server starts");
    let user = sandbox.user(true, false).await;
    let publisher = InstagramPublisher::new(sandbox.graph_client(), InstagramConfig::default());
    let target = user.ig_target();
    let post = spec(
        PostKind::IgImage,
        "Errors",
        vec![media.media(Fixture::Square1080)],
    );

    for (row, http, code, subcode, expect) in ROWS {
        sandbox.clear_faults().await;
        sandbox
            .fault(json!({"method": "POST", "path": "/graph/*/media",
                "action": {"kind": "error", "http": http, "code": code, "subcode": subcode}}))
            .await;
        let ctx = TestContext::new();
        let mut checkpoint = Checkpoint::default();
        let result = publisher.step(&ctx, &target, &post, &mut checkpoint).await;
        let err = result.expect_err(row);
        check(row, &err, *expect, *code, *subcode);
    }
    assert!(sandbox.ledger(&target.external_id).await.is_empty());
}

#[actix_rt::test]
async fn facebook_input_errors_are_classified() {
    let sandbox = SandboxHandle::start().await.expect("sandbox starts");
    let user = sandbox.user(false, false).await;
    let publisher = FacebookPublisher::new(sandbox.graph_client(), FacebookConfig::default());
    let target = user.page_target();
    let post = spec(PostKind::FbFeed, "Errors", vec![]);

    for (row, http, code, subcode, expect) in FB_ROWS {
        sandbox.clear_faults().await;
        sandbox
            .fault(json!({"method": "POST", "path": "/graph/*/feed",
                "action": {"kind": "error", "http": http, "code": code, "subcode": subcode}}))
            .await;
        let ctx = TestContext::new();
        let mut checkpoint = Checkpoint::default();
        let err = publisher
            .step(&ctx, &target, &post, &mut checkpoint)
            .await
            .expect_err(row);
        check(row, &err, *expect, *code, *subcode);
        assert!(
            checkpoint.0.get("publish_sent_at").is_none(),
            "row `{row}`: Meta answered, so nothing is left to reconcile"
        );
    }
}

#[actix_rt::test]
async fn a_dead_token_asks_for_reauthorization() {
    let sandbox = SandboxHandle::start().await.expect("sandbox starts");
    let media = MediaServer::start().await.expect("media server starts");
    let user = sandbox.user(true, false).await;
    sandbox.invalidate(&user.pages[0].token, 460).await;

    let ig = InstagramPublisher::new(sandbox.graph_client(), InstagramConfig::default());
    let post = spec(
        PostKind::IgImage,
        "Reauth",
        vec![media.media(Fixture::Square1080)],
    );
    let err = ig
        .step(
            &TestContext::new(),
            &user.ig_target(),
            &post,
            &mut Checkpoint::default(),
        )
        .await
        .expect_err("a dead token fails");
    assert_eq!(err.verdict, Verdict::NeedsReauth, "{err:?}");
    assert!(
        !err.to_string().contains(&user.pages[0].token),
        "the token never shows: {err}"
    );
}

#[actix_rt::test]
async fn a_lost_page_role_fails_that_page_without_asking_to_reconnect() {
    let sandbox = SandboxHandle::start().await.expect("sandbox starts");
    let user = sandbox.user(false, false).await;
    sandbox.revoke_role(&user.pages[0].id, &user.id).await;

    let fb = FacebookPublisher::new(sandbox.graph_client(), FacebookConfig::default());
    let post = spec(PostKind::FbFeed, "No role", vec![]);
    let err = fb
        .step(
            &TestContext::new(),
            &user.page_target(),
            &post,
            &mut Checkpoint::default(),
        )
        .await
        .expect_err("a lost role fails");
    assert!(
        matches!(
            err.verdict,
            Verdict::PermissionDenied {
                permission: Some(_)
            }
        ),
        "{err:?}"
    );
}

#[actix_rt::test]
async fn a_spent_budget_defers_as_long_as_meta_says() {
    let sandbox = SandboxHandle::start().await.expect("sandbox starts");
    let media = MediaServer::start().await.expect("media server starts");
    let user = sandbox.user(true, false).await;
    sandbox.settings(json!({"ig_calls_per_day": 2})).await;
    let ig = InstagramPublisher::new(sandbox.graph_client(), InstagramConfig::default());
    let post = spec(
        PostKind::IgImage,
        "Budget",
        vec![media.media(Fixture::Square1080)],
    );
    let ctx = TestContext::new();

    let run = drive(
        &ig,
        &ctx,
        &sandbox,
        &user.ig_target(),
        &post,
        Checkpoint::default(),
    )
    .await;
    let err = run.error();
    match &err.verdict {
        Verdict::DeferUntil { until, .. } => {
            assert!(*until > herald_platform::publish::StepContext::now(&ctx))
        }
        other => panic!("expected a deferral, got {other:?}"),
    }
    let peak = ctx
        .usage_reports()
        .iter()
        .map(|(_, r)| r.peak_percent())
        .fold(0.0, f64::max);
    assert!(
        peak >= 100.0,
        "the usage headers reported the spent budget ({peak}%)"
    );
}

#[actix_rt::test]
async fn network_failures_are_unknown_after_a_send_and_retried_before() {
    let sandbox = SandboxHandle::start().await.expect("sandbox starts");
    let media = MediaServer::start().await.expect("media server starts");
    let user = sandbox.user(true, false).await;
    let ig = InstagramPublisher::new(sandbox.graph_client(), InstagramConfig::default());
    let target = user.ig_target();
    let post = spec(
        PostKind::IgImage,
        "Network",
        vec![media.media(Fixture::Square1080)],
    );

    // A dropped container creation: unknown; reconciling resumes safely.
    sandbox
        .fault(json!({"method": "POST", "path": "/graph/*/media", "nth": 1, "action": {"kind": "reset"}}))
        .await;
    let ctx = TestContext::new();
    let mut checkpoint = Checkpoint::default();
    let err = ig
        .step(&ctx, &target, &post, &mut checkpoint)
        .await
        .expect_err("dropped");
    assert_eq!(err.verdict, Verdict::OutcomeUnknown);
    let resumed = ig
        .reconcile(&ctx, &target, &post, &checkpoint)
        .await
        .unwrap();
    let Reconciled::NotPublished { checkpoint } = resumed else {
        panic!("expected NotPublished, got {resumed:?}");
    };

    // A dropped status read is simply retried.
    sandbox.clear_faults().await;
    sandbox
        .fault(json!({"method": "GET", "path": "/graph/*", "nth": 1, "action": {"kind": "reset"}}))
        .await;
    let mut checkpoint = checkpoint;
    ig.step(&ctx, &target, &post, &mut checkpoint)
        .await
        .expect("creates the container");
    sandbox.advance(&ctx, chrono::Duration::seconds(5)).await;
    let err = ig
        .step(&ctx, &target, &post, &mut checkpoint)
        .await
        .expect_err("dropped read");
    assert_eq!(err.verdict, Verdict::RetryLater);

    // A proxy's bare 502 on media_publish: Meta may have published; reconcile.
    sandbox.clear_faults().await;
    sandbox
        .fault(
            json!({"method": "POST", "path": "/graph/*/media_publish", "nth": 1,
            "action": {"kind": "status", "http": 502}}),
        )
        .await;
    let err = ig
        .step(&ctx, &target, &post, &mut checkpoint)
        .await
        .expect_err("502");
    assert_eq!(err.verdict, Verdict::OutcomeUnknown);
    sandbox.advance(&ctx, chrono::Duration::seconds(60)).await;
    let run = drive(&ig, &ctx, &sandbox, &target, &post, checkpoint).await;
    run.published();
    assert_eq!(sandbox.ledger(&target.external_id).await.len(), 1);
}

#[actix_rt::test]
async fn publishing_an_unfinished_container_waits_instead_of_failing() {
    let sandbox = SandboxHandle::start().await.expect("sandbox starts");
    let media = MediaServer::start().await.expect("media server starts");
    let user = sandbox.user(true, false).await;
    let ig = InstagramPublisher::new(sandbox.graph_client(), InstagramConfig::default());
    let target = user.ig_target();
    sandbox
        .fault(
            json!({"method": "POST", "path": "/graph/*/media_publish", "nth": 1,
            "action": {"kind": "error", "http": 400, "code": 9007, "subcode": 2207027}}),
        )
        .await;
    let post = spec(
        PostKind::IgImage,
        "Not yet",
        vec![media.media(Fixture::Square1080)],
    );
    let ctx = TestContext::new();
    let run = drive(&ig, &ctx, &sandbox, &target, &post, Checkpoint::default()).await;
    run.published();
    assert!(run.waits >= 2, "waited again after 9007/2207027");
    assert_eq!(sandbox.count("POST", "/media_publish").await, 2);
    assert_eq!(sandbox.ledger(&target.external_id).await.len(), 1);
}

#[actix_rt::test]
async fn a_container_refused_at_publish_as_expired_is_recreated_and_published_once() {
    let sandbox = SandboxHandle::start().await.expect("sandbox starts");
    let media = MediaServer::start().await.expect("media server starts");
    let user = sandbox.user(true, false).await;
    let ig = InstagramPublisher::new(sandbox.graph_client(), InstagramConfig::default());
    let target = user.ig_target();
    sandbox
        .fault(
            json!({"method": "POST", "path": "/graph/*/media_publish", "nth": 1,
            "action": {"kind": "error", "http": 400, "code": -2, "subcode": 2207020}}),
        )
        .await;
    let post = spec(
        PostKind::IgImage,
        "Expired",
        vec![media.media(Fixture::Square1080)],
    );
    let run = drive(
        &ig,
        &TestContext::new(),
        &sandbox,
        &target,
        &post,
        Checkpoint::default(),
    )
    .await;
    run.published();
    assert_eq!(sandbox.count("POST", "/media").await, 2, "a new container");
    assert_eq!(sandbox.ledger(&target.external_id).await.len(), 1);
}
