//! The engine publishes a due post exactly once, and its timeline explains every step.

#[macro_use]
mod engine_support;

use std::sync::Arc;

use chrono::{Duration, Utc};
use engine_support::{FakeMeta, Ledger, World};
use herald_platform::domain::PostState;
use herald_platform::store::outbox;
use herald_platform::store::Store;

async fn a_due_post_goes_from_scheduled_to_published_once(store: Store) {
    let world = World::new(store);
    let (tenant, account) = world.tenant_with_page("acme");
    let post = world.feed_post(
        tenant,
        account,
        "Hello from Herald",
        Utc::now() - Duration::seconds(1),
    );
    let later = world.feed_post(tenant, account, "Not yet", Utc::now() + Duration::hours(3));

    let ledger = Arc::new(Ledger::default());
    let meta = Arc::new(FakeMeta::new(ledger.clone()));
    let engine = world.start(meta.clone()).await;

    let published = world
        .wait_for(&engine, tenant, post, PostState::Published)
        .await;
    assert_eq!(ledger.count("Hello from Herald"), 1);
    assert!(published.external_id.is_some());
    assert_eq!(
        published
            .permalink
            .as_deref()
            .map(|p| p.starts_with("https://facebook.test/")),
        Some(true)
    );

    // Running due work again publishes nothing more, and the later post waits its turn.
    for _ in 0..3 {
        engine.run_due_now().await;
    }
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    assert_eq!(ledger.total(), 1);
    assert_eq!(world.post(tenant, later).state, PostState::Scheduled);
    assert!(!meta.calls().iter().any(|c| c.ends_with("Not yet")));

    // The timeline walks the whole machine, each step in words.
    let mut conn = world.store.conn().expect("conn");
    let timeline =
        herald_platform::store::post_events::list(&mut conn, tenant, post).expect("timeline");
    let states: Vec<PostState> = timeline.iter().map(|e| e.to_state).collect();
    assert_eq!(
        states,
        [
            PostState::Scheduled,
            PostState::Queued,
            PostState::Preparing,
            PostState::Publishing,
            PostState::Published
        ]
    );
    assert!(
        timeline.iter().all(|e| e.detail.len() > 10),
        "{timeline:#?}"
    );
    assert!(
        timeline
            .last()
            .is_some_and(|e| e.detail.contains("Published")),
        "{timeline:#?}"
    );

    // The client's systems are told through the outbox.
    let events = outbox::list_for_tenant(&mut conn, tenant, 50).expect("outbox");
    let published_events: Vec<_> = events
        .iter()
        .filter(|e| e.event_type == "post.published")
        .collect();
    assert_eq!(published_events.len(), 1);
    assert_eq!(
        published_events[0].payload["post_id"],
        serde_json::json!(post)
    );

    engine.shutdown(std::time::Duration::from_secs(2)).await;
    assert!(!engine.health().scheduler_alive);
}

async fn the_engine_reports_itself_alive_and_wakes_on_demand(store: Store) {
    let world = World::new(store);
    let (tenant, account) = world.tenant_with_page("wake");
    let ledger = Arc::new(Ledger::default());
    let engine = world.start(Arc::new(FakeMeta::new(ledger.clone()))).await;
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    assert!(engine.health().scheduler_alive);

    // A post created while the scheduler sleeps goes out after a wake, without polling.
    let post = world.feed_post(tenant, account, "Woken", Utc::now());
    engine.wake();
    let started = std::time::Instant::now();
    while world.post(tenant, post).state != PostState::Published {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(5),
            "not published after a wake"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(ledger.count("Woken"), 1);
    engine.shutdown(std::time::Duration::from_secs(2)).await;
}

on_every_backend!(a_due_post_goes_from_scheduled_to_published_once);

on_every_backend!(the_engine_reports_itself_alive_and_wakes_on_demand);
