//! The actor tree: idle tenants' actors stop and come back on demand, a panic in one
//! publish is contained (the post still goes out, once), and the TokenRefresher marks an
//! account whose token Meta no longer accepts.

#[macro_use]
mod engine_support;

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use chrono::Utc;
use engine_support::{FakeMeta, Ledger, World};
use herald_platform::clock::OffsetClock;
use herald_platform::domain::PostState;
use herald_platform::engine::{Engine, EngineLimits, TokenCheck, TokenChecker, TokenToCheck};
use herald_platform::store::connections::LinkStatus;
use herald_platform::store::{accounts, outbox, Store};

async fn idle_tenants_stop_and_come_back_on_demand(store: Store) {
    let world = World::new(store);
    let (tenant, account) = world.tenant_with_page("sleepy");
    let ledger = Arc::new(Ledger::default());
    let limits = EngineLimits {
        idle_after: Duration::from_millis(300),
        ..EngineLimits::default()
    };
    let engine = Engine::start(world.deps(Arc::new(FakeMeta::new(ledger.clone())), limits))
        .await
        .expect("start");

    let first = world.feed_post(tenant, account, "First", Utc::now());
    world
        .wait_for(&engine, tenant, first, PostState::Published)
        .await;
    assert_eq!(engine.live_tenants().await, 1);
    let busy_actors = engine.health().live_actors;

    // Idle: the tenant's whole tree stops.
    let started = Instant::now();
    while engine.live_tenants().await > 0 || engine.health().live_actors >= busy_actors {
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "idle tenant kept its actors"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // And comes back when it has work again.
    let second = world.feed_post(tenant, account, "Second", Utc::now());
    engine.wake();
    world
        .wait_for(&engine, tenant, second, PostState::Published)
        .await;
    assert_eq!(ledger.total(), 2);
    engine.shutdown(Duration::from_secs(2)).await;
}

async fn a_panic_in_a_publish_is_contained_and_the_post_goes_out_once(store: Store) {
    let world = World::new(store);
    let (tenant, account) = world.tenant_with_page("panicky");
    let (other_tenant, other_account) = world.tenant_with_page("calm");
    let ledger = Arc::new(Ledger::default());
    let meta = Arc::new(FakeMeta::new(ledger.clone()));
    meta.panic_next.store(true, Ordering::SeqCst);
    let clock = OffsetClock::default();
    let mut deps = world.deps(meta.clone(), EngineLimits::default());
    deps.clock = Arc::new(clock.clone());
    let metrics = deps.metrics.clone();
    let engine = Engine::start(deps).await.expect("start");

    let post = world.feed_post(tenant, account, "Survives a panic", Utc::now());
    let started = Instant::now();
    while !meta.calls().iter().any(|c| c == "step:Survives a panic") {
        assert!(started.elapsed() < Duration::from_secs(5), "never tried");
        engine.run_due_now().await;
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    // The engine goes on: another tenant's post is published meanwhile.
    let other = world.feed_post(other_tenant, other_account, "Unaffected", Utc::now());
    world
        .wait_for(&engine, other_tenant, other, PostState::Published)
        .await;

    // The panicked post comes back (after its short release), is reconciled, and goes out.
    clock.advance(chrono::Duration::minutes(2));
    let published = world
        .wait_for(&engine, tenant, post, PostState::Published)
        .await;
    assert_eq!(ledger.count("Survives a panic"), 1);
    assert!(published.external_id.is_some());
    let calls: Vec<String> = meta
        .calls()
        .into_iter()
        .filter(|c| c.ends_with("Survives a panic"))
        .collect();
    assert_eq!(
        calls.get(1).map(String::as_str),
        Some("reconcile:Survives a panic"),
        "{calls:?}"
    );
    assert!(engine.health().scheduler_alive);
    let rendered = metrics.render();
    assert!(
        rendered.contains("herald_actor_restarts_total{kind=\"tenant_supervisor\"} 1"),
        "restart not counted"
    );
    engine.shutdown(Duration::from_secs(2)).await;
}

struct RevokedTokens;

#[async_trait]
impl TokenChecker for RevokedTokens {
    async fn check(&self, token: &TokenToCheck) -> TokenCheck {
        assert_eq!(token.token.expose(), "EAAB-page-token");
        TokenCheck::NeedsReauth {
            reason: "The user changed their password.".into(),
        }
    }
}

async fn the_token_refresher_marks_an_invalid_token_and_tells_the_client(store: Store) {
    let world = World::new(store);
    let (tenant, account) = world.tenant_with_page("revoked");
    let ledger = Arc::new(Ledger::default());
    let mut deps = world.deps(
        Arc::new(FakeMeta::new(ledger.clone())),
        EngineLimits::default(),
    );
    deps.token_checker = Some(Arc::new(RevokedTokens));
    let engine = Engine::start(deps).await.expect("start");

    // The tenant becomes active when its post is due; its refresher checks its tokens.
    let post = world.feed_post(
        tenant,
        account,
        "Checked",
        Utc::now() + chrono::Duration::hours(1),
    );
    let _ = post;
    let other = world.feed_post(tenant, account, "Now", Utc::now());
    engine.run_due_now().await;

    let started = Instant::now();
    loop {
        let mut conn = world.store.conn().expect("conn");
        let account = accounts::get(&mut conn, tenant, account).expect("account");
        if account.status == LinkStatus::ReauthRequired {
            assert_eq!(
                account.last_error.as_deref(),
                Some("The user changed their password.")
            );
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "the account was never marked"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mut conn = world.store.conn().expect("conn");
    let events = outbox::list_for_tenant(&mut conn, tenant, 50).expect("outbox");
    let reauth: Vec<_> = events
        .iter()
        .filter(|e| e.event_type == "account.reauth_required")
        .collect();
    assert_eq!(reauth.len(), 1, "told once");
    assert_ne!(world.post(tenant, other).state, PostState::Failed);
    engine.shutdown(Duration::from_secs(2)).await;
}

on_every_backend!(idle_tenants_stop_and_come_back_on_demand);

on_every_backend!(a_panic_in_a_publish_is_contained_and_the_post_goes_out_once);

on_every_backend!(the_token_refresher_marks_an_invalid_token_and_tells_the_client);
