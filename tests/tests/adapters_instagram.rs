//! The Instagram publisher against the real sandbox: every content type is published and
//! the sandbox's ledger and request log show the right endpoint, once, with the right
//! fields; lost answers, expired and broken containers, slow processing and unreadable
//! permalinks are handled without ever publishing twice.

use chrono::Duration;
use herald_instagram::{InstagramConfig, InstagramPublisher};
use herald_platform::domain::{PostKind, PostOptions, PostSpec, SpecMedia, UserTag};
use herald_platform::publish::{Checkpoint, Publisher, Reconciled, Verdict};
use herald_tests::adapter_harness::{
    drive, Fixture, MediaServer, SandboxHandle, SandboxUser, TestContext,
};
use serde_json::{json, Value};

struct World {
    sandbox: SandboxHandle,
    media: MediaServer,
    user: SandboxUser,
    publisher: InstagramPublisher,
}

async fn world() -> World {
    let sandbox = SandboxHandle::start().await.expect("sandbox starts");
    let media = MediaServer::start().await.expect("media server starts");
    let user = sandbox.user(true, true).await;
    let publisher = InstagramPublisher::new(sandbox.graph_client(), InstagramConfig::default());
    World {
        sandbox,
        media,
        user,
        publisher,
    }
}

fn spec(kind: PostKind, caption: &str, media: Vec<SpecMedia>) -> PostSpec {
    PostSpec {
        kind,
        caption: caption.into(),
        media,
        options: PostOptions::default(),
        cover: None,
    }
}

fn ig_id(world: &World) -> String {
    world.user.ig_target().external_id
}

/// The one ledger entry of the account, after checking there is exactly one.
async fn only_entry(world: &World, owner: &str) -> Value {
    let ledger = world.sandbox.ledger(owner).await;
    assert_eq!(ledger.len(), 1, "exactly one published object: {ledger:#?}");
    ledger[0].clone()
}

#[actix_rt::test]
async fn an_image_with_alt_text_tags_location_and_collaborators_is_published_once() {
    let world = world().await;
    let ctx = TestContext::new();
    let mut post = spec(
        PostKind::IgImage,
        "Fresh bread #bakery",
        vec![world.media.media(Fixture::Portrait4x5)],
    );
    post.options.alt_text = Some("A loaf on a table".into());
    post.options.user_tags = vec![UserTag {
        username: "baker".into(),
        x: 0.5,
        y: 0.25,
    }];
    post.options.location_id = Some("110843418940484".into());
    post.options.collaborators = vec!["friend.of.bakery".into()];
    assert!(world.publisher.validate(&post, &Default::default()).is_ok());

    let target = world.user.ig_target();
    let run = drive(
        &world.publisher,
        &ctx,
        &world.sandbox,
        &target,
        &post,
        Checkpoint::default(),
    )
    .await;
    let (media_id, permalink) = run.published();

    let entry = only_entry(&world, &ig_id(&world)).await;
    assert_eq!(entry["id"], media_id.as_str());
    assert_eq!(entry["kind"], "ig_image");
    assert_eq!(entry["caption"], "Fresh bread #bakery");
    assert_eq!(
        entry["media"],
        json!([world.media.url(Fixture::Portrait4x5)])
    );
    assert!(permalink.is_some_and(|p| p.starts_with("https://www.instagram.com/")));
    assert_eq!(world.sandbox.count("POST", "/media").await, 1);
    assert_eq!(world.sandbox.count("POST", "/media_publish").await, 1);
    let requests = world.sandbox.requests().await;
    assert!(
        requests.iter().all(|r| r["path"]
            .as_str()
            .is_some_and(|p| p.starts_with("/graph/v26.0/"))),
        "every call on the Facebook Login host with the configured version: {requests:#?}"
    );
    assert!(
        !ctx.usage_reports().is_empty(),
        "usage headers are reported to the engine"
    );
}

#[actix_rt::test]
async fn a_reel_with_a_cover_and_share_to_feed_is_published_as_a_reel() {
    let world = world().await;
    let ctx = TestContext::new();
    let mut post = spec(
        PostKind::IgReel,
        "Behind the counter",
        vec![world.media.media(Fixture::Reel9x16)],
    );
    let cover = world.media.media(Fixture::Portrait4x5);
    post.options.cover = Some(cover.id);
    post.options.share_to_feed = Some(true);
    post.cover = Some(cover);
    assert!(world.publisher.validate(&post, &Default::default()).is_ok());

    let target = world.user.ig_target();
    let run = drive(
        &world.publisher,
        &ctx,
        &world.sandbox,
        &target,
        &post,
        Checkpoint::default(),
    )
    .await;
    let (media_id, _) = run.published();

    let entry = only_entry(&world, &ig_id(&world)).await;
    assert_eq!(entry["id"], media_id.as_str());
    assert_eq!(
        entry["kind"], "ig_reel",
        "a REELS container, never a standalone VIDEO"
    );
    assert_eq!(
        world.media.fetches(Fixture::Portrait4x5),
        1,
        "Meta fetched the cover_url"
    );
    assert_eq!(world.sandbox.count("POST", "/media_publish").await, 1);
}

#[actix_rt::test]
async fn a_reel_with_a_thumbnail_offset_is_published() {
    let world = world().await;
    let ctx = TestContext::new();
    let mut post = spec(
        PostKind::IgReel,
        "Kneading",
        vec![world.media.media(Fixture::Reel9x16)],
    );
    post.options.thumb_offset_ms = Some(1_500);
    let target = world.user.ig_target();
    let run = drive(
        &world.publisher,
        &ctx,
        &world.sandbox,
        &target,
        &post,
        Checkpoint::default(),
    )
    .await;
    run.published();
    assert_eq!(only_entry(&world, &ig_id(&world)).await["kind"], "ig_reel");
}

#[actix_rt::test]
async fn a_mixed_carousel_has_collaborators_and_location_on_the_parent_only() {
    let world = world().await;
    let ctx = TestContext::new();
    let items = vec![
        world.media.media(Fixture::Square1080),
        world.media.media(Fixture::Reel9x16),
        world.media.media(Fixture::Landscape191x100),
    ];
    let mut post = spec(PostKind::IgCarousel, "Three ways", items);
    post.options.collaborators = vec!["ann".into(), "bob".into(), "cy".into()];
    post.options.location_id = Some("110843418940484".into());
    assert!(world.publisher.validate(&post, &Default::default()).is_ok());

    let target = world.user.ig_target();
    let run = drive(
        &world.publisher,
        &ctx,
        &world.sandbox,
        &target,
        &post,
        Checkpoint::default(),
    )
    .await;
    run.published();

    // The sandbox refuses collaborators on a child (2207028): the publish proves they
    // were on the parent only.
    let entry = only_entry(&world, &ig_id(&world)).await;
    assert_eq!(entry["kind"], "ig_carousel");
    assert_eq!(entry["children"].as_array().map(Vec::len), Some(3));
    assert_eq!(
        world.sandbox.count("POST", "/media").await,
        4,
        "three items and one parent"
    );
    assert_eq!(world.sandbox.count("POST", "/media_publish").await, 1);
}

#[actix_rt::test]
async fn image_and_video_stories_are_published() {
    let world = world().await;
    let target = world.user.ig_target();
    for fixture in [Fixture::Portrait4x5, Fixture::Reel9x16] {
        let ctx = TestContext::new();
        let post = spec(PostKind::IgStory, "", vec![world.media.media(fixture)]);
        assert!(world.publisher.validate(&post, &Default::default()).is_ok());
        let run = drive(
            &world.publisher,
            &ctx,
            &world.sandbox,
            &target,
            &post,
            Checkpoint::default(),
        )
        .await;
        run.published();
    }
    let ledger = world.sandbox.ledger(&ig_id(&world)).await;
    let kinds: Vec<&str> = ledger.iter().filter_map(|e| e["kind"].as_str()).collect();
    assert_eq!(kinds, vec!["ig_story", "ig_story"]);
}

#[actix_rt::test]
async fn the_instagram_login_host_is_used_for_instagram_login_tokens() {
    let world = world().await;
    let ctx = TestContext::new();
    let post = spec(
        PostKind::IgImage,
        "Via Instagram Login",
        vec![world.media.media(Fixture::Square1080)],
    );
    let target = world.user.ig_login_target();
    let run = drive(
        &world.publisher,
        &ctx,
        &world.sandbox,
        &target,
        &post,
        Checkpoint::default(),
    )
    .await;
    run.published();

    only_entry(&world, &target.external_id).await;
    let requests = world.sandbox.requests().await;
    assert!(
        requests.iter().all(|r| r["path"]
            .as_str()
            .is_some_and(|p| p.starts_with("/ig-graph/v26.0/"))),
        "every call on graph.instagram.com: {requests:#?}"
    );
}

#[actix_rt::test]
async fn a_lost_publish_answer_is_reconciled_and_never_published_again() {
    let world = world().await;
    let ctx = TestContext::new();
    world
        .sandbox
        .fault(
            json!({"method": "POST", "path": "/graph/*/media_publish", "nth": 1,
            "action": {"kind": "apply_then_drop"}}),
        )
        .await;
    let post = spec(
        PostKind::IgImage,
        "Lost answer",
        vec![world.media.media(Fixture::Square1080)],
    );
    let target = world.user.ig_target();

    let run = drive(
        &world.publisher,
        &ctx,
        &world.sandbox,
        &target,
        &post,
        Checkpoint::default(),
    )
    .await;
    assert_eq!(run.error().verdict, Verdict::OutcomeUnknown);
    assert!(
        ctx.saved()
            .iter()
            .any(|c| c.0.get("publish_sent_at").is_some()),
        "the send time was saved before media_publish"
    );

    let found = world
        .publisher
        .reconcile(&ctx, &target, &post, &run.checkpoint)
        .await
        .unwrap();
    let entry = only_entry(&world, &ig_id(&world)).await;
    match found {
        Reconciled::Published { external_id, .. } => assert_eq!(entry["id"], external_id.as_str()),
        other => panic!("expected Published, got {other:?}"),
    }

    // A crash before the engine stored the reconciliation: stepping again must not publish.
    let again = drive(
        &world.publisher,
        &ctx,
        &world.sandbox,
        &target,
        &post,
        run.checkpoint,
    )
    .await;
    assert_eq!(
        again.published().0,
        entry["id"].as_str().unwrap_or_default()
    );
    assert_eq!(world.sandbox.count("POST", "/media_publish").await, 1);
    assert_eq!(world.sandbox.ledger(&ig_id(&world)).await.len(), 1);
}

#[actix_rt::test]
async fn a_publish_that_never_arrived_is_sent_again_only_after_the_grace_period() {
    let world = world().await;
    let ctx = TestContext::new();
    world
        .sandbox
        .fault(
            json!({"method": "POST", "path": "/graph/*/media_publish", "nth": 1,
            "action": {"kind": "reset"}}),
        )
        .await;
    let post = spec(
        PostKind::IgImage,
        "Dropped",
        vec![world.media.media(Fixture::Square1080)],
    );
    let target = world.user.ig_target();

    let run = drive(
        &world.publisher,
        &ctx,
        &world.sandbox,
        &target,
        &post,
        Checkpoint::default(),
    )
    .await;
    assert_eq!(run.error().verdict, Verdict::OutcomeUnknown);
    let early = world
        .publisher
        .reconcile(&ctx, &target, &post, &run.checkpoint)
        .await
        .unwrap();
    assert!(
        matches!(early, Reconciled::Unknown { .. }),
        "too early to tell: {early:?}"
    );

    world.sandbox.advance(&ctx, Duration::seconds(60)).await;
    let late = world
        .publisher
        .reconcile(&ctx, &target, &post, &run.checkpoint)
        .await
        .unwrap();
    let Reconciled::NotPublished { checkpoint } = late else {
        panic!("expected NotPublished, got {late:?}");
    };
    let again = drive(
        &world.publisher,
        &ctx,
        &world.sandbox,
        &target,
        &post,
        checkpoint,
    )
    .await;
    again.published();
    assert_eq!(world.sandbox.ledger(&ig_id(&world)).await.len(), 1);
    assert_eq!(
        world.sandbox.count("POST", "/media").await,
        1,
        "the same container was reused"
    );
}

#[actix_rt::test]
async fn an_expired_container_is_recreated() {
    let world = world().await;
    let ctx = TestContext::new();
    let post = spec(
        PostKind::IgImage,
        "Late",
        vec![world.media.media(Fixture::Square1080)],
    );
    let target = world.user.ig_target();

    let mut checkpoint = Checkpoint::default();
    world
        .publisher
        .step(&ctx, &target, &post, &mut checkpoint)
        .await
        .unwrap();
    world.sandbox.advance(&ctx, Duration::hours(25)).await;

    let run = drive(
        &world.publisher,
        &ctx,
        &world.sandbox,
        &target,
        &post,
        checkpoint,
    )
    .await;
    run.published();
    assert_eq!(
        world.sandbox.count("POST", "/media").await,
        2,
        "a new container after EXPIRED"
    );
    assert_eq!(world.sandbox.ledger(&ig_id(&world)).await.len(), 1);
}

#[actix_rt::test]
async fn a_container_that_failed_at_meta_is_recreated_and_a_bad_one_fails_by_name() {
    let world = world().await;
    let target = world.user.ig_target();

    // Meta could not fetch the video once: the container ends in ERROR, a new one works.
    let ctx = TestContext::new();
    world.media.fail_next(Fixture::Reel9x16, 1);
    let post = spec(
        PostKind::IgReel,
        "Second try",
        vec![world.media.media(Fixture::Reel9x16)],
    );
    let run = drive(
        &world.publisher,
        &ctx,
        &world.sandbox,
        &target,
        &post,
        Checkpoint::default(),
    )
    .await;
    run.published();
    assert_eq!(world.sandbox.count("POST", "/media").await, 2);

    // A reel that is too short is wrong input: it fails with the field, never retried.
    let ctx = TestContext::new();
    let post = spec(
        PostKind::IgReel,
        "Too short",
        vec![world.media.media(Fixture::TooShort1s)],
    );
    let run = drive(
        &world.publisher,
        &ctx,
        &world.sandbox,
        &target,
        &post,
        Checkpoint::default(),
    )
    .await;
    match &run.error().verdict {
        Verdict::InvalidInput {
            field: Some(field), ..
        } => assert_eq!(field, "media"),
        other => panic!("expected invalid input, got {other:?}"),
    }
    assert_eq!(world.sandbox.ledger(&ig_id(&world)).await.len(), 1);
}

#[actix_rt::test]
async fn slow_processing_is_polled_with_backoff_and_published_once_finished() {
    let world = world().await;
    let ctx = TestContext::new();
    world
        .sandbox
        .settings(json!({"container_processing_ms": 40_000}))
        .await;
    let post = spec(
        PostKind::IgReel,
        "Slow",
        vec![world.media.media(Fixture::Reel9x16)],
    );
    let target = world.user.ig_target();
    let run = drive(
        &world.publisher,
        &ctx,
        &world.sandbox,
        &target,
        &post,
        Checkpoint::default(),
    )
    .await;
    run.published();
    // Reads at about 10, 15, 25, 45 and 85 s: the wait doubles, so a long processing
    // time costs a few calls, not one per interval.
    let polls = ctx.calls_to("container status");
    assert!(
        (2..=5).contains(&polls),
        "40 s of processing took {polls} status reads"
    );
    assert_eq!(world.sandbox.count("POST", "/media_publish").await, 1);
}

#[actix_rt::test]
async fn an_unreadable_permalink_never_fails_a_live_post() {
    let world = world().await;
    let ctx = TestContext::new();
    world
        .sandbox
        .settings(json!({"permalink_delay_ms": 600_000}))
        .await;
    let post = spec(
        PostKind::IgImage,
        "Live anyway",
        vec![world.media.media(Fixture::Square1080)],
    );
    let target = world.user.ig_target();
    let run = drive(
        &world.publisher,
        &ctx,
        &world.sandbox,
        &target,
        &post,
        Checkpoint::default(),
    )
    .await;
    let (media_id, permalink) = run.published();
    assert_eq!(permalink, None);

    world.sandbox.advance(&ctx, Duration::minutes(11)).await;
    let later = world
        .publisher
        .permalink(&ctx, &target, &media_id)
        .await
        .unwrap();
    assert!(
        later.is_some(),
        "the permalink comes once Meta can read the media"
    );
}

#[actix_rt::test]
async fn the_publishing_quota_defers_the_post() {
    let world = world().await;
    world.sandbox.settings(json!({"ig_publish_quota": 1})).await;
    let target = world.user.ig_target();
    let first = spec(
        PostKind::IgImage,
        "One",
        vec![world.media.media(Fixture::Square1080)],
    );
    let ctx = TestContext::new();
    drive(
        &world.publisher,
        &ctx,
        &world.sandbox,
        &target,
        &first,
        Checkpoint::default(),
    )
    .await
    .published();

    let second = spec(
        PostKind::IgImage,
        "Two",
        vec![world.media.media(Fixture::Square1080)],
    );
    let run = drive(
        &world.publisher,
        &ctx,
        &world.sandbox,
        &target,
        &second,
        Checkpoint::default(),
    )
    .await;
    assert!(
        matches!(run.error().verdict, Verdict::DeferUntil { .. }),
        "{:?}",
        run.error()
    );
    assert_eq!(
        run.error().graph.as_ref().map(|g| (g.code, g.subcode)),
        Some((9, Some(2207042)))
    );
}

#[actix_rt::test]
async fn fixtures_that_break_the_specs_are_refused_before_scheduling() {
    let world = world().await;
    let check = |post: PostSpec| -> Vec<String> {
        match world.publisher.validate(&post, &Default::default()) {
            Ok(()) => Vec::new(),
            Err(violations) => violations.iter().map(ToString::to_string).collect(),
        }
    };
    let png = spec(
        PostKind::IgImage,
        "PNG",
        vec![world.media.media(Fixture::NotJpeg)],
    );
    assert_eq!(
        check(png),
        vec!["media[0] (PNG): Instagram takes JPEG images only; convert the file to JPEG"]
    );
    let banner = spec(
        PostKind::IgImage,
        "Banner",
        vec![world.media.media(Fixture::Banner4x1)],
    );
    assert_eq!(
        check(banner),
        vec![
            "media[0] (1200x300 (aspect 4)): the aspect ratio must be between 4:5 (0.8) and 1.91:1"
        ]
    );
    let short = spec(
        PostKind::IgReel,
        "Short",
        vec![world.media.media(Fixture::TooShort1s)],
    );
    assert_eq!(
        check(short),
        vec!["media[0] (1 s): the video must last 3 s to 15 min 0 s"]
    );
    let edges = [
        Fixture::Portrait4x5,
        Fixture::Landscape191x100,
        Fixture::Square1080,
    ];
    for fixture in edges {
        let post = spec(PostKind::IgImage, "Edge", vec![world.media.media(fixture)]);
        assert!(check(post).is_empty(), "{fixture:?} is inside the specs");
    }
}
