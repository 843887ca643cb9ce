//! Page render times with 200 tenants and 20,000 posts (gated by `HERALD_BENCH=1`; prints
//! figures, asserts nothing about time). Run with `--release` for figures that mean
//! something:
//! `HERALD_BENCH=1 cargo test --release -p herald-web --test dashboard_bench -- --nocapture`.

mod dashboard_support;

use std::time::Instant;

use chrono::Duration;
use dashboard_support::{spawn, Browser};
use herald_platform::clock::to_millis;
use herald_platform::domain::{PostKind, PostState};
use herald_platform::ids::PostId;
use herald_platform::secret::Secret;
use herald_platform::store::connect_ui::{self, NewAccount, NewConnection};
use herald_platform::store::posts_api::{self, PostRecord};
use herald_platform::store::transaction_api::transaction;
use herald_platform::store::{auth_ui, tenants_api, StoreError};

const TENANTS: usize = 200;
const POSTS_PER_TENANT: usize = 100;
const RUNS: usize = 30;
const PASSWORD: &str = "correct horse battery";

#[actix_rt::test]
async fn page_render_times_with_200_tenants_and_20000_posts() {
    if std::env::var("HERALD_BENCH").as_deref() != Ok("1") {
        println!("benchmark skipped (set HERALD_BENCH=1)");
        return;
    }
    let app = spawn().await;
    let services = app.services.clone();
    let now = services.clock.now();
    let hash = herald_web::auth::password::hash(&Secret::new(PASSWORD)).unwrap();

    let started = Instant::now();
    let mut conn = services.store.conn().unwrap();
    let first_tenant = transaction(&mut conn, |conn| -> Result<String, StoreError> {
        let (agency, _) = auth_ui::create_agency_with_owner(
            conn,
            "Bench Agency",
            "Europe/Paris",
            "bench@acme.example",
            &hash,
            to_millis(now),
        )?;
        let states = [
            PostState::Published,
            PostState::Scheduled,
            PostState::Failed,
            PostState::Queued,
        ];
        let mut first = String::new();
        for t in 0..TENANTS {
            let tenant = tenants_api::insert_tenant(conn, agency, &format!("Client {t:03}"), now)?;
            if t == 0 {
                first = tenant.id.to_string();
            }
            let new = NewConnection {
                tenant: tenant.id,
                login_kind: "facebook",
                meta_user_id: "1",
                expires_at_ms: None,
                scopes: "pages_manage_posts",
            };
            let connection = connect_ui::upsert_connection(conn, &new, |_| "sealed".into(), 0)?;
            let account = NewAccount {
                tenant: tenant.id,
                connection,
                network: "facebook",
                external_id: &format!("page{t}"),
                name: &format!("Page {t}"),
                username: None,
                linked_page_id: None,
            };
            let account = connect_ui::upsert_account(conn, &account, |_| None, 0)?;
            for p in 0..POSTS_PER_TENANT {
                let at = now - Duration::hours(p as i64 * 3) + Duration::days(2);
                let post = PostRecord {
                    id: PostId::new(),
                    tenant_id: tenant.id,
                    account_id: account,
                    kind: PostKind::FbFeed,
                    caption: format!("Post {p} of client {t}"),
                    spec: "{}".into(),
                    publish_at: at,
                    state: states[p % states.len()],
                    attempts: 0,
                    external_id: None,
                    permalink: None,
                    last_error: None,
                    created_at: at,
                    updated_at: at.min(now),
                };
                posts_api::insert_post(conn, &post, None, "seeded")?;
            }
        }
        Ok(first)
    })
    .unwrap();
    drop(conn);
    println!(
        "seeded {TENANTS} tenants and {} posts in {:?}",
        TENANTS * POSTS_PER_TENANT,
        started.elapsed()
    );

    let browser = Browser::new(&app);
    browser
        .submit(
            "/login",
            "/login",
            &[("email", "bench@acme.example"), ("password", PASSWORD)],
        )
        .await;
    for path in [
        "/tenants".to_owned(),
        "/timeline".to_owned(),
        format!("/tenants/{first_tenant}"),
        format!("/tenants/{first_tenant}/timeline"),
        format!("/tenants/{first_tenant}/charts"),
        format!("/tenants/{first_tenant}/accounts"),
    ] {
        let mut times = Vec::with_capacity(RUNS);
        for _ in 0..RUNS {
            let start = Instant::now();
            let page = browser.get(&path).await;
            times.push(start.elapsed().as_secs_f64() * 1000.0);
            assert_eq!(page.status, reqwest::StatusCode::OK, "{path}");
        }
        times.sort_by(f64::total_cmp);
        println!(
            "{path:<60} median {:>7.1} ms   p95 {:>7.1} ms",
            times[RUNS / 2],
            times[RUNS * 95 / 100]
        );
    }
}
