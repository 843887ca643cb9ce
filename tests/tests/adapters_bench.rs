//! Benchmark (runs only with `HERALD_BENCH=1`): Graph calls per published IG reel, IG
//! carousel and FB reel against the sandbox with a 5 s processing time, moving the clocks
//! instead of waiting. Prints the median, minimum and maximum of each.
//!
//! `HERALD_BENCH=1 cargo test -p herald-tests --test adapters_bench -- --nocapture`

use herald_facebook::{FacebookConfig, FacebookPublisher};
use herald_instagram::{InstagramConfig, InstagramPublisher};
use herald_platform::domain::{PostKind, PostOptions, PostSpec, SpecMedia};
use herald_platform::publish::{Checkpoint, PublishTarget, Publisher, StepContext, StepOutcome};
use herald_tests::adapter_harness::{Fixture, MediaServer, SandboxHandle, TestContext};
use serde_json::json;

const RUNS: usize = 9;
/// Real time given to the sandbox's background download before the clock jumps, as Meta
/// starts fetching at once.
const DOWNLOAD_HEAD_START: std::time::Duration = std::time::Duration::from_millis(100);

fn spec(kind: PostKind, caption: &str, media: Vec<SpecMedia>) -> PostSpec {
    PostSpec {
        kind,
        caption: caption.into(),
        media,
        options: PostOptions::default(),
        cover: None,
    }
}

/// Publishes once; answers (calls to publish, permalink reads).
async fn measure(
    publisher: &dyn Publisher,
    sandbox: &SandboxHandle,
    target: &PublishTarget,
    post: &PostSpec,
) -> (usize, usize) {
    let ctx = TestContext::new();
    let mut checkpoint = Checkpoint::default();
    loop {
        match publisher.step(&ctx, target, post, &mut checkpoint).await {
            Ok(StepOutcome::Continue { .. }) => {}
            Ok(StepOutcome::WaitUntil { at, .. }) => {
                tokio::time::sleep(DOWNLOAD_HEAD_START).await;
                sandbox.advance(&ctx, at - ctx.now()).await;
            }
            Ok(StepOutcome::Published { .. }) => break,
            Err(err) => panic!("publish failed: {err:?}"),
        }
    }
    let permalink = ctx.calls_to("permalink");
    (ctx.call_count() - permalink, permalink)
}

fn summary(name: &str, mut figures: Vec<(usize, usize)>) -> usize {
    figures.sort();
    let calls: Vec<usize> = figures.iter().map(|f| f.0).collect();
    let median = calls[calls.len() / 2];
    let permalink = figures[figures.len() / 2].1;
    println!(
        "{name:<22} calls to publish: median {median}, min {}, max {} (+{permalink} permalink read) over {} runs",
        calls[0],
        calls[calls.len() - 1],
        calls.len()
    );
    median
}

#[actix_rt::test]
async fn graph_calls_per_published_post() {
    if std::env::var("HERALD_BENCH").as_deref() != Ok("1") {
        println!("adapters benchmark skipped (set HERALD_BENCH=1)");
        return;
    }
    let sandbox = SandboxHandle::start().await.expect("sandbox starts");
    let media = MediaServer::start().await.expect("media server starts");
    let user = sandbox.user(true, false).await;
    sandbox
        .settings(json!({"container_processing_ms": 5_000, "video_processing_ms": 5_000}))
        .await;
    let ig = InstagramPublisher::new(sandbox.graph_client(), InstagramConfig::default());
    let fb = FacebookPublisher::new(sandbox.graph_client(), FacebookConfig::default());

    let mut reels = Vec::new();
    let mut carousels = Vec::new();
    let mut fb_reels = Vec::new();
    for run in 0..RUNS {
        let reel = spec(
            PostKind::IgReel,
            &format!("reel {run}"),
            vec![media.media(Fixture::Reel9x16)],
        );
        reels.push(measure(&ig, &sandbox, &user.ig_target(), &reel).await);

        let items = vec![
            media.media(Fixture::Square1080),
            media.media(Fixture::Portrait4x5),
            media.media(Fixture::Reel9x16),
        ];
        let carousel = spec(PostKind::IgCarousel, &format!("carousel {run}"), items);
        carousels.push(measure(&ig, &sandbox, &user.ig_target(), &carousel).await);

        let reel = spec(
            PostKind::FbReel,
            &format!("fb reel {run}"),
            vec![media.media(Fixture::Reel9x16)],
        );
        fb_reels.push(measure(&fb, &sandbox, &user.page_target(), &reel).await);
    }

    println!("Graph calls per published post, 5 s processing time:");
    let ig_reel = summary("IG reel", reels);
    summary("IG carousel (3 items)", carousels);
    let fb_reel = summary("FB reel", fb_reels);
    assert!(
        ig_reel <= 3,
        "an IG reel took {ig_reel} calls at the median"
    );
    assert!(
        fb_reel <= 3,
        "an FB reel took {fb_reel} calls at the median"
    );
}
