//! An account whose token Meta no longer accepts: its post waits (deferred, not failed),
//! the account is marked for the client to reconnect, the client's systems are told, and
//! the post goes out once the client reconnects.

#[macro_use]
mod engine_support;

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use engine_support::{reauth_error, FakeMeta, Ledger, World};
use herald_platform::domain::PostState;
use herald_platform::store::connections::LinkStatus;
use herald_platform::store::Store;
use herald_platform::store::{accounts, outbox, post_events};

async fn needs_reauth_defers_the_post_and_asks_for_a_reconnect(store: Store) {
    let world = World::new(store);
    let (tenant, account) = world.tenant_with_page("lapsed");
    let post = world.feed_post(tenant, account, "Waits for reconnect", Utc::now());
    let ledger = Arc::new(Ledger::default());
    let meta = Arc::new(FakeMeta::new(ledger.clone()));
    *meta.fail_next.lock().expect("fail") = Some(reauth_error());
    let engine = world.start(meta.clone()).await;

    // Deferred: back in the queue with a time, never failed.
    let deferred = world
        .wait_until(&engine, tenant, post, |p| {
            p.state == PostState::Queued && p.next_attempt_at.is_some()
        })
        .await;
    assert!(deferred
        .next_attempt_at
        .is_some_and(|at| at > Utc::now() + chrono::Duration::minutes(30)));
    let mut conn = world.store.conn().expect("conn");
    let status = accounts::get(&mut conn, tenant, account)
        .expect("account")
        .status;
    assert_eq!(status, LinkStatus::ReauthRequired);
    let events: Vec<String> = outbox::list_for_tenant(&mut conn, tenant, 50)
        .expect("outbox")
        .into_iter()
        .map(|e| e.event_type)
        .collect();
    assert!(
        events.contains(&"account.reauth_required".to_owned()),
        "{events:?}"
    );
    assert!(events.contains(&"post.deferred".to_owned()), "{events:?}");
    assert!(!events.contains(&"post.failed".to_owned()), "{events:?}");
    let timeline = post_events::list(&mut conn, tenant, post).expect("timeline");
    assert!(
        timeline
            .last()
            .is_some_and(|e| e.detail.contains("reconnect")),
        "{timeline:#?}"
    );

    // Nothing more is tried while the account needs reconnecting.
    engine.run_due_now().await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(meta.calls().len(), 1);

    // The client reconnects: the post resumes and goes out once.
    accounts::set_status(
        &mut conn,
        tenant,
        account,
        LinkStatus::Active,
        None,
        Utc::now(),
    )
    .expect("status");
    drop(conn);
    engine
        .account_reconnected(tenant, account)
        .await
        .expect("resume");
    world
        .wait_for(&engine, tenant, post, PostState::Published)
        .await;
    assert_eq!(ledger.count("Waits for reconnect"), 1);
    engine.shutdown(Duration::from_secs(2)).await;
}

on_every_backend!(needs_reauth_defers_the_post_and_asks_for_a_reconnect);
