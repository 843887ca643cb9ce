//! A crash in the middle of a publish (after `publish_sent_at` was saved and Meta applied
//! the publish, before the answer came back) is reconciled at the next start: the post is
//! marked published and nothing is sent twice.

#[macro_use]
mod engine_support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use engine_support::{FakeMeta, Ledger, World};
use herald_platform::domain::PostState;
use herald_platform::store::post_events;
use herald_platform::store::Store;

async fn a_restart_mid_publish_reconciles_and_never_publishes_twice(store: Store) {
    let world = World::new(store);
    let (tenant, account) = world.tenant_with_page("crashy");
    let post = world.feed_post(tenant, account, "Exactly once", Utc::now());
    let ledger = Arc::new(Ledger::default());

    // First life: Meta applies the publish, and the answer never comes back.
    let hanging = Arc::new(FakeMeta {
        hang_after_send: true,
        ..FakeMeta::new(ledger.clone())
    });
    let first = world.start(hanging.clone()).await;
    let started = Instant::now();
    while ledger.count("Exactly once") == 0 {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the publish was never sent"
        );
        first.run_due_now().await;
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let stuck = world.post(tenant, post);
    assert_eq!(stuck.state, PostState::Publishing);
    assert!(
        stuck
            .checkpoint
            .0
            .get("publish_sent_at")
            .is_some_and(|v| !v.is_null()),
        "{stuck:?}"
    );
    // The node dies: its actors are abandoned mid-call.
    first.shutdown(Duration::from_millis(100)).await;

    // Second life: a new node on the same database.
    let meta = Arc::new(FakeMeta::new(ledger.clone()));
    let second = world.start(meta.clone()).await;
    let published = world
        .wait_for(&second, tenant, post, PostState::Published)
        .await;

    assert_eq!(ledger.count("Exactly once"), 1, "published twice");
    assert_eq!(
        meta.calls(),
        vec!["reconcile:Exactly once".to_owned()],
        "acted before reconciling"
    );
    assert!(published.external_id.is_some());

    let mut conn = world.store.conn().expect("conn");
    let timeline = post_events::list(&mut conn, tenant, post).expect("timeline");
    let last = timeline.last().expect("an event");
    assert!(
        last.detail.contains("nothing was sent again"),
        "{timeline:#?}"
    );
    second.shutdown(Duration::from_secs(2)).await;
}

async fn a_restart_before_the_publish_was_applied_resumes_and_publishes_once(store: Store) {
    let world = World::new(store);
    let (tenant, account) = world.tenant_with_page("resume");
    let post = world.feed_post(tenant, account, "Resumed", Utc::now());
    let ledger = Arc::new(Ledger::default());

    // First life: the first step fails in a way that leaves the outcome unknown, and
    // Meta's side has nothing.
    let first_meta = Arc::new(FakeMeta::new(ledger.clone()));
    *first_meta.fail_next.lock().expect("fail") =
        Some(herald_platform::publish::PublishError::new(
            herald_platform::publish::Verdict::OutcomeUnknown,
            "the connection dropped",
        ));
    let first = world.start(first_meta.clone()).await;
    let published = world
        .wait_for(&first, tenant, post, PostState::Published)
        .await;
    assert_eq!(ledger.count("Resumed"), 1);
    assert!(published.external_id.is_some());
    // It reconciled before anything else after the unknown outcome.
    let calls = first_meta.calls();
    assert_eq!(calls[0], "step:Resumed");
    assert_eq!(calls[1], "reconcile:Resumed");
    first.shutdown(Duration::from_secs(2)).await;
}

on_every_backend!(a_restart_mid_publish_reconciles_and_never_publishes_twice);

on_every_backend!(a_restart_before_the_publish_was_applied_resumes_and_publishes_once);
