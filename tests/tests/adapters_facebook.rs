//! The Facebook Pages publisher against the real sandbox: feed text and links, photos,
//! video by URL and by resumable upload, reels, photo and video stories, each checked in
//! the ledger and request log; lost answers are reconciled from the Page's recent objects
//! before anything is sent again.

use chrono::Duration;
use herald_facebook::{FacebookConfig, FacebookPublisher};
use herald_platform::domain::{PostKind, PostOptions, PostSpec, SpecMedia};
use herald_platform::publish::{Checkpoint, Publisher, Reconciled, Verdict};
use herald_tests::adapter_harness::{
    drive, Fixture, MediaServer, SandboxHandle, SandboxUser, TestContext,
};
use serde_json::{json, Value};

struct World {
    sandbox: SandboxHandle,
    media: MediaServer,
    user: SandboxUser,
    publisher: FacebookPublisher,
}

async fn world_with(config: FacebookConfig) -> World {
    let sandbox = SandboxHandle::start().await.expect("sandbox starts");
    let media = MediaServer::start().await.expect("media server starts");
    let user = sandbox.user(false, false).await;
    let publisher = FacebookPublisher::new(sandbox.graph_client(), config);
    World {
        sandbox,
        media,
        user,
        publisher,
    }
}

async fn world() -> World {
    world_with(FacebookConfig::default()).await
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

impl World {
    fn page(&self) -> String {
        self.user.pages[0].id.clone()
    }

    async fn publish(&self, post: &PostSpec) -> (String, Option<String>) {
        assert!(
            self.publisher.validate(post, &Default::default()).is_ok(),
            "valid: {post:?}"
        );
        let ctx = TestContext::new();
        let target = self.user.page_target();
        drive(
            &self.publisher,
            &ctx,
            &self.sandbox,
            &target,
            post,
            Checkpoint::default(),
        )
        .await
        .published()
    }

    async fn only_entry(&self) -> Value {
        let ledger = self.sandbox.ledger(&self.page()).await;
        assert_eq!(ledger.len(), 1, "exactly one published object: {ledger:#?}");
        ledger[0].clone()
    }
}

#[actix_rt::test]
async fn a_text_post_with_a_link_goes_to_the_feed_once() {
    let world = world().await;
    let mut post = spec(PostKind::FbFeed, "We open at 7", vec![]);
    post.options.link = Some("https://bakery.example/hours".into());
    let (id, permalink) = world.publish(&post).await;

    let entry = world.only_entry().await;
    assert_eq!(entry["id"], id.as_str());
    assert_eq!(entry["kind"], "fb_post");
    assert_eq!(entry["caption"], "We open at 7");
    assert_eq!(entry["media"], json!(["https://bakery.example/hours"]));
    assert!(permalink.is_some());
    assert_eq!(world.sandbox.count("POST", "/feed").await, 1);
}

#[actix_rt::test]
async fn three_photos_are_one_post_through_attached_media() {
    let world = world().await;
    let photos = vec![
        world.media.media(Fixture::Square1080),
        world.media.media(Fixture::Portrait4x5),
        world.media.media(Fixture::NotJpeg),
    ];
    let (id, _) = world
        .publish(&spec(PostKind::FbPhotos, "Three loaves", photos))
        .await;

    let entry = world.only_entry().await;
    assert_eq!(entry["id"], id.as_str());
    assert_eq!(entry["kind"], "fb_post");
    assert_eq!(entry["children"].as_array().map(Vec::len), Some(3));
    assert_eq!(
        world.sandbox.count("POST", "/photos").await,
        3,
        "unpublished photos"
    );
    assert_eq!(world.sandbox.count("POST", "/feed").await, 1);
}

#[actix_rt::test]
async fn a_single_photo_is_published_the_same_way() {
    let world = world().await;
    let post = spec(
        PostKind::FbPhotos,
        "One loaf",
        vec![world.media.media(Fixture::Square1080)],
    );
    world.publish(&post).await;
    assert_eq!(
        world.only_entry().await["children"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
}

#[actix_rt::test]
async fn a_video_is_published_by_url() {
    let world = world().await;
    let mut post = spec(
        PostKind::FbVideo,
        "The oven",
        vec![world.media.media(Fixture::Landscape16x9)],
    );
    post.options.title = Some("Oven tour".into());
    let (id, _) = world.publish(&post).await;

    let entry = world.only_entry().await;
    assert_eq!(
        (entry["id"].as_str(), entry["kind"].as_str()),
        (Some(id.as_str()), Some("fb_video"))
    );
    assert_eq!(
        entry["media"],
        json!([world.media.url(Fixture::Landscape16x9)])
    );
    assert_eq!(world.sandbox.count("POST", "/videos").await, 1);
}

#[actix_rt::test]
async fn a_video_is_published_by_resumable_upload() {
    let config = FacebookConfig {
        resumable_from_bytes: 0,
        ..FacebookConfig::default()
    };
    let world = world_with(config).await;
    world
        .sandbox
        .settings(json!({"upload_chunk_bytes": 50_000}))
        .await;
    let post = spec(
        PostKind::FbVideo,
        "Chunked",
        vec![world.media.media(Fixture::Landscape16x9)],
    );
    let (id, _) = world.publish(&post).await;

    let entry = world.only_entry().await;
    assert_eq!(
        (entry["id"].as_str(), entry["kind"].as_str()),
        (Some(id.as_str()), Some("fb_video"))
    );
    // start, three chunks of at most 50,000 bytes (132,060 in all), finish.
    assert_eq!(world.sandbox.count("POST", "/videos").await, 5);
}

#[actix_rt::test]
async fn a_reel_goes_through_video_reels_and_the_upload_host() {
    let world = world().await;
    let post = spec(
        PostKind::FbReel,
        "Morning shift",
        vec![world.media.media(Fixture::Reel9x16)],
    );
    let (id, permalink) = world.publish(&post).await;

    let entry = world.only_entry().await;
    assert_eq!(
        (entry["id"].as_str(), entry["kind"].as_str()),
        (Some(id.as_str()), Some("fb_reel"))
    );
    assert_eq!(entry["caption"], "Morning shift");
    assert_eq!(
        world.sandbox.count("POST", "/video_reels").await,
        2,
        "start and finish"
    );
    assert_eq!(
        world.sandbox.count("POST", &format!("/{id}")).await,
        1,
        "one upload to rupload"
    );
    assert_eq!(
        world.sandbox.count("POST", "/videos").await,
        0,
        "never /videos (a draft)"
    );
    assert!(permalink.is_some_and(|p| p.starts_with("https://www.facebook.com/")));
}

#[actix_rt::test]
async fn photo_and_video_stories_are_published() {
    let world = world().await;
    world
        .publish(&spec(
            PostKind::FbStory,
            "",
            vec![world.media.media(Fixture::Portrait4x5)],
        ))
        .await;
    world
        .publish(&spec(
            PostKind::FbStory,
            "",
            vec![world.media.media(Fixture::Reel9x16)],
        ))
        .await;

    let ledger = world.sandbox.ledger(&world.page()).await;
    let kinds: Vec<&str> = ledger.iter().filter_map(|e| e["kind"].as_str()).collect();
    assert_eq!(kinds, vec!["fb_story", "fb_story"]);
    assert_eq!(world.sandbox.count("POST", "/photo_stories").await, 1);
    assert_eq!(
        world.sandbox.count("POST", "/video_stories").await,
        2,
        "start and finish"
    );
}

#[actix_rt::test]
async fn a_lost_feed_answer_is_found_among_the_pages_recent_posts() {
    let world = world().await;
    world
        .sandbox
        .fault(json!({"method": "POST", "path": "/graph/*/feed", "nth": 1,
            "action": {"kind": "apply_then_drop"}}))
        .await;
    let ctx = TestContext::new();
    let target = world.user.page_target();
    let post = spec(PostKind::FbFeed, "Did this go out?", vec![]);

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
    let found = world
        .publisher
        .reconcile(&ctx, &target, &post, &run.checkpoint)
        .await
        .unwrap();
    let entry = world.only_entry().await;
    match found {
        Reconciled::Published { external_id, .. } => assert_eq!(entry["id"], external_id.as_str()),
        other => panic!("expected Published, got {other:?}"),
    }

    // Stepping again (a crash before the engine stored it) publishes nothing new.
    let again = drive(
        &world.publisher,
        &ctx,
        &world.sandbox,
        &target,
        &post,
        run.checkpoint,
    )
    .await;
    again.published();
    assert_eq!(world.sandbox.count("POST", "/feed").await, 1);
}

#[actix_rt::test]
async fn a_feed_post_that_never_arrived_is_sent_again_after_the_grace_period() {
    let world = world().await;
    world
        .sandbox
        .fault(json!({"method": "POST", "path": "/graph/*/feed", "nth": 1, "action": {"kind": "reset"}}))
        .await;
    let ctx = TestContext::new();
    let target = world.user.page_target();
    let post = spec(PostKind::FbFeed, "Second chance", vec![]);

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
    assert!(matches!(early, Reconciled::Unknown { .. }), "{early:?}");

    world.sandbox.advance(&ctx, Duration::seconds(60)).await;
    let again = drive(
        &world.publisher,
        &ctx,
        &world.sandbox,
        &target,
        &post,
        run.checkpoint,
    )
    .await;
    again.published();
    world.only_entry().await;
}

#[actix_rt::test]
async fn a_lost_reel_finish_is_confirmed_from_the_video() {
    let world = world().await;
    world
        .sandbox
        .fault(
            json!({"method": "POST", "path": "/graph/*/video_reels", "nth": 2,
            "action": {"kind": "apply_then_drop"}}),
        )
        .await;
    let ctx = TestContext::new();
    let target = world.user.page_target();
    let post = spec(
        PostKind::FbReel,
        "Lost finish",
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
    assert_eq!(run.error().verdict, Verdict::OutcomeUnknown);
    let again = drive(
        &world.publisher,
        &ctx,
        &world.sandbox,
        &target,
        &post,
        run.checkpoint,
    )
    .await;
    let (id, _) = again.published();
    assert_eq!(world.only_entry().await["id"], id.as_str());
    assert_eq!(
        world.sandbox.count("POST", "/video_reels").await,
        2,
        "finish sent once"
    );
}

#[actix_rt::test]
async fn a_lost_video_by_url_is_found_among_the_pages_videos() {
    let world = world().await;
    world
        .sandbox
        .fault(
            json!({"method": "POST", "path": "/graph/*/videos", "nth": 1,
            "action": {"kind": "apply_then_drop"}}),
        )
        .await;
    let ctx = TestContext::new();
    let target = world.user.page_target();
    let post = spec(
        PostKind::FbVideo,
        "Oven, again",
        vec![world.media.media(Fixture::Landscape16x9)],
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
    assert_eq!(run.error().verdict, Verdict::OutcomeUnknown);
    let found = world
        .publisher
        .reconcile(&ctx, &target, &post, &run.checkpoint)
        .await
        .unwrap();
    let entry = world.only_entry().await;
    assert!(
        matches!(&found, Reconciled::Published { external_id, .. } if entry["id"] == external_id.as_str()),
        "{found:?}"
    );
}

#[actix_rt::test]
async fn a_landscape_video_is_refused_as_a_reel_before_scheduling() {
    let world = world().await;
    let post = spec(
        PostKind::FbReel,
        "Wide",
        vec![world.media.media(Fixture::Landscape16x9)],
    );
    let violations = world
        .publisher
        .validate(&post, &Default::default())
        .unwrap_err();
    let text: Vec<String> = violations.iter().map(ToString::to_string).collect();
    assert_eq!(
        text,
        vec![
            "media[0] (640x360 (aspect 1.78)): a reel is vertical 9:16",
            "media[0] (640x360): a reel is at least 540x960",
        ]
    );
}
