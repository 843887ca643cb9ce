//! Noisy neighbour: one tenant schedules 5,000 posts for the same minute; another
//! tenant's single post due then is published within a fair share, not after the burst.

#[macro_use]
mod engine_support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use diesel_free::count_published;
use engine_support::{new_feed_post, FakeMeta, Ledger, World};
use herald_platform::domain::PostState;
use herald_platform::engine::{Engine, EngineLimits, LimiterSettings};
use herald_platform::store::posts;
use herald_platform::store::Store;

mod diesel_free {
    use herald_platform::domain::PostState;
    use herald_platform::ids::TenantId;
    use herald_platform::store::posts_list::{self, PostFilter};
    use herald_platform::store::Store;

    /// Published posts of a tenant (up to the first page: enough to compare with).
    pub fn count_published(store: &Store, tenant: TenantId) -> usize {
        let mut conn = store.conn().expect("conn");
        let filter = PostFilter {
            states: vec![PostState::Published],
            limit: 200,
            ..PostFilter::default()
        };
        posts_list::list(&mut conn, tenant, &filter)
            .expect("list")
            .posts
            .len()
    }
}

const BURST: usize = 5_000;

async fn a_quiet_tenants_post_is_not_stuck_behind_a_burst(store: Store) {
    let world = World::new(store);
    let (noisy, noisy_page) = world.tenant_with_page("noisy");
    let (quiet, quiet_page) = world.tenant_with_page("quiet");

    // The burst, all due in the same minute, written before the quiet tenant's post.
    let due = Utc::now() - chrono::Duration::seconds(30);
    {
        let mut conn = world.store.conn().expect("conn");
        for n in 0..BURST {
            let new = new_feed_post(noisy_page, &format!("burst {n}"), due);
            posts::create(
                &mut conn,
                noisy,
                &new,
                "Scheduled for publishing by the test.",
                None,
                Utc::now(),
            )
            .expect("burst post");
        }
    }
    let lone = world.feed_post(
        quiet,
        quiet_page,
        "The quiet one",
        due + chrono::Duration::seconds(20),
    );

    let ledger = Arc::new(Ledger::default());
    let limits = EngineLimits {
        limiter: LimiterSettings {
            calls_per_minute: 1_000_000,
            burst: 10_000,
            ..LimiterSettings::default()
        },
        ..EngineLimits::default()
    };
    let started = Instant::now();
    let engine = Engine::start(world.deps(Arc::new(FakeMeta::new(ledger.clone())), limits))
        .await
        .expect("start");

    while world.post(quiet, lone).state != PostState::Published {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the quiet tenant's post waited: {:?}; burst published: {}",
            world.post(quiet, lone),
            count_published(&world.store, noisy)
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let waited = started.elapsed();
    let noisy_done = count_published(&world.store, noisy);
    // A fair share: published while the burst has barely begun (the first claim takes at
    // most a handful of the noisy tenant's posts), not after 5,000.
    assert!(
        noisy_done < 100,
        "published only after {noisy_done} of the burst"
    );
    assert!(waited < Duration::from_secs(5), "took {waited:?}");

    // The burst keeps going.
    let burst_started = Instant::now();
    while count_published(&world.store, noisy) < 100 {
        assert!(
            burst_started.elapsed() < Duration::from_secs(60),
            "the burst stalled"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    engine.shutdown(Duration::from_secs(2)).await;
}

on_every_backend!(a_quiet_tenants_post_is_not_stuck_behind_a_burst);
