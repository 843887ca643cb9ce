use std::time::Instant;

use super::*;
use crate::clock::SystemClock;
use crate::publish::UsageFigure;

fn limiter(settings: LimiterSettings, app: Arc<AppBudget>) -> RateLimiter {
    RateLimiter::new(settings, Arc::new(SystemClock), app, None)
}

fn page_figure(percent: f64, regain: Option<u64>) -> BudgetReport {
    BudgetReport {
        figures: vec![UsageFigure {
            scope: BudgetScope::BusinessUseCase {
                object_id: "page1".into(),
                use_case: "pages".into(),
            },
            call_count: percent,
            total_cputime: 0.0,
            total_time: 0.0,
            regain_access_minutes: regain,
        }],
    }
}

fn deferred_until(result: Result<(), PublishError>) -> DateTime<Utc> {
    match result {
        Err(PublishError {
            verdict: Verdict::DeferUntil { until, .. },
            ..
        }) => until,
        other => panic!("expected a deferral, got {other:?}"),
    }
}

#[tokio::test]
async fn calls_go_at_once_while_the_budget_is_fresh() {
    let limiter = limiter(LimiterSettings::default(), Arc::default());
    let started = Instant::now();
    for _ in 0..10 {
        limiter.before_call("page1", "feed").await.expect("allowed");
    }
    assert!(started.elapsed() < Duration::from_millis(200));
}

#[tokio::test]
async fn a_throttled_object_is_not_called_until_its_regain_time() {
    let limiter = limiter(LimiterSettings::default(), Arc::default());
    limiter.usage("page1", &page_figure(100.0, Some(10)));
    let until = deferred_until(limiter.before_call("page1", "feed").await);
    let expected = Utc::now() + chrono::Duration::minutes(10);
    assert!(
        (until - expected).num_seconds().abs() <= 2,
        "{until} vs {expected}"
    );
    // Another object of the same tenant is not affected.
    limiter
        .before_call("page2", "feed")
        .await
        .expect("other object allowed");
}

#[tokio::test]
async fn calls_slow_down_as_usage_nears_the_limit() {
    let settings = LimiterSettings {
        max_pause: Duration::from_millis(400),
        ..LimiterSettings::default()
    };
    let limiter = limiter(settings, Arc::default());
    limiter.usage("page1", &page_figure(95.0, None));
    let started = Instant::now();
    limiter
        .before_call("page1", "feed")
        .await
        .expect("allowed after a pause");
    let paused = started.elapsed();
    assert!(
        paused >= Duration::from_millis(200),
        "paused only {paused:?}"
    );

    limiter.usage("page1", &page_figure(20.0, None));
    let started = Instant::now();
    limiter.before_call("page1", "feed").await.expect("allowed");
    assert!(started.elapsed() < Duration::from_millis(100));
}

#[tokio::test]
async fn a_spent_own_budget_defers_instead_of_blocking_the_step() {
    let settings = LimiterSettings {
        calls_per_minute: 1,
        burst: 2,
        inline_wait_max: Duration::from_millis(10),
        ..LimiterSettings::default()
    };
    let limiter = limiter(settings, Arc::default());
    limiter.before_call("page1", "feed").await.expect("first");
    limiter.before_call("page1", "feed").await.expect("second");
    let until = deferred_until(limiter.before_call("page1", "feed").await);
    assert!(until > Utc::now() + chrono::Duration::seconds(30));
}

#[tokio::test]
async fn app_wide_throttling_reaches_every_tenant() {
    let app = Arc::new(AppBudget::default());
    let one = limiter(LimiterSettings::default(), app.clone());
    let other = limiter(LimiterSettings::default(), app);
    let report = BudgetReport {
        figures: vec![UsageFigure {
            scope: BudgetScope::App,
            call_count: 100.0,
            total_cputime: 10.0,
            total_time: 10.0,
            regain_access_minutes: Some(3),
        }],
    };
    one.usage("page1", &report);
    deferred_until(other.before_call("page9", "feed").await);
}

#[test]
fn publishing_quotas_count_only_the_kinds_they_cover() {
    let settings = LimiterSettings {
        ig_quota_default: 2,
        fb_reels_per_day: 1,
        ..LimiterSettings::default()
    };
    let limiter = limiter(settings, Arc::default());
    let now = Utc::now();

    limiter.record_published("ig1", PostKind::IgImage, now);
    assert!(limiter.quota_free_at("ig1", PostKind::IgReel).is_none());
    limiter.record_published("ig1", PostKind::IgCarousel, now);
    let (free_at, reason) = limiter
        .quota_free_at("ig1", PostKind::IgStory)
        .expect("quota used up");
    assert!(free_at > now + chrono::Duration::hours(23));
    assert!(
        reason.contains("Instagram publishing quota of 2"),
        "{reason}"
    );

    limiter.record_published("page1", PostKind::FbReel, now);
    assert!(limiter.quota_free_at("page1", PostKind::FbReel).is_some());
    assert!(limiter.quota_free_at("page1", PostKind::FbFeed).is_none());
}

#[test]
fn metas_publishing_limit_overrides_the_default() {
    let limiter = limiter(LimiterSettings::default(), Arc::default());
    limiter.publishing_limit("ig1", 25, 25);
    assert!(limiter.quota_free_at("ig1", PostKind::IgImage).is_some());
}
