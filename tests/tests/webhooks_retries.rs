//! Outbound webhook delivery against a receiver that misbehaves on purpose, with an
//! accelerated clock instead of real waits: the retry schedule, 410, `Retry-After`,
//! redirects, timeouts, and the 5-day rule.

mod webhooks_support;

use std::time::Duration;

use chrono::Duration as ChronoDuration;
use herald_platform::webhooks::schedule::SCHEDULE_SECS;
use herald_platform::webhooks::{EventType, SigningSecret};
use serde_json::json;
use webhooks_support::{env, Answer, Receiver};

#[actix_rt::test]
async fn a_failing_receiver_gets_the_documented_schedule_then_is_given_up() {
    let receiver = Receiver::start().await;
    receiver.always(Answer::Status(500));
    let env = env(Duration::from_secs(2));
    let made = env.endpoint(&format!("{}/hook", receiver.base));
    let endpoint = made.endpoint.id;
    let event = env.event(EventType::PostPublished, json!({"post_id": "post_1"}));

    // Attempt 1 is immediate.
    let report = env.round().await;
    assert_eq!(
        (report.events_dispatched, report.attempts, report.delivered),
        (1, 1, 0)
    );

    for attempt in 2..=SCHEDULE_SECS.len() {
        let before = env.now();
        let due = env.pending_due(endpoint).expect("a retry is scheduled");
        let delay_ms = (due - before).num_milliseconds() as f64;
        let base_ms = SCHEDULE_SECS[attempt - 1] as f64 * 1000.0;
        assert!(
            delay_ms >= base_ms * 0.9 - 50.0 && delay_ms <= base_ms * 1.1 + 50.0,
            "attempt {attempt}: waited {delay_ms} ms, schedule says {base_ms} ms"
        );
        // Nothing is sent before it is due.
        assert_eq!(
            env.round().await.attempts,
            0,
            "attempt {attempt} came early"
        );
        env.advance_to(due);
        assert_eq!(
            env.round().await.attempts,
            1,
            "attempt {attempt} did not come"
        );
    }

    // The schedule is spent: no more attempts, ever.
    assert_eq!(env.pending_due(endpoint), None);
    env.clock.advance(ChronoDuration::days(3));
    assert_eq!(env.round().await.attempts, 0);

    let log = env.deliveries(endpoint);
    assert_eq!(log.len(), SCHEDULE_SECS.len());
    assert!(log
        .iter()
        .all(|d| d.status == "failed" && d.http_status == Some(500)));
    assert!(log
        .iter()
        .all(|d| d.response_start.as_deref() == Some("answered 500")));
    assert_eq!(
        log.iter().map(|d| d.attempt).collect::<Vec<_>>(),
        (1..=8).collect::<Vec<_>>()
    );

    // Every attempt carried the same event id, and a valid signature.
    let seen = receiver.seen();
    assert_eq!(seen.len(), SCHEDULE_SECS.len());
    let secret = SigningSecret::parse(made.secret.expose()).unwrap();
    for request in &seen {
        assert_eq!(request.headers["webhook-id"], event);
        let ts: i64 = request.headers["webhook-timestamp"].parse().unwrap();
        assert!(secret.verify(
            &request.headers["webhook-signature"],
            &event,
            ts,
            request.body.as_bytes()
        ));
    }
    // Still enabled: it has not been failing for 5 days.
    assert!(env.endpoint_now(endpoint).enabled);
}

#[actix_rt::test]
async fn gone_disables_the_endpoint_and_tells_the_agency() {
    let receiver = Receiver::start().await;
    receiver.then(Answer::Status(410));
    let env = env(Duration::from_secs(2));
    let endpoint = env.endpoint(&format!("{}/hook", receiver.base)).endpoint.id;
    // An agency-wide endpoint hears about it.
    let watcher = Receiver::start().await;
    let input = herald_web::services::webhook_endpoints::EndpointInput {
        url: Some(format!("{}/agency", watcher.base)),
        ..Default::default()
    };
    let agency_scope = herald_platform::store::webhook_endpoints_api::EndpointScope {
        agency: env.agency,
        tenant: None,
    };
    herald_web::services::webhook_endpoints::create_endpoint(&env.services, agency_scope, input)
        .unwrap();

    env.event(EventType::PostFailed, json!({"post_id": "post_2"}));
    env.round().await;

    let state = env.endpoint_now(endpoint);
    assert!(!state.enabled);
    assert_eq!(
        state.disabled_reason.as_deref(),
        Some("the endpoint answered 410 Gone")
    );
    assert_eq!(env.pending_due(endpoint), None);

    // Later events skip the disabled endpoint; the agency hears of the disabling.
    env.event(EventType::PostFailed, json!({"post_id": "post_3"}));
    env.round().await;
    env.round().await;
    assert_eq!(receiver.seen().len(), 1);
    let types: Vec<String> = watcher
        .seen()
        .iter()
        .map(|s| {
            serde_json::from_str::<serde_json::Value>(&s.body).unwrap()["type"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert!(
        types.contains(&"webhook_endpoint.disabled".to_owned()),
        "{types:?}"
    );
}

#[actix_rt::test]
async fn retry_after_is_honoured() {
    let receiver = Receiver::start().await;
    receiver.then(Answer::StatusWithRetryAfter(429, "3600".into()));
    let env = env(Duration::from_secs(2));
    let endpoint = env.endpoint(&format!("{}/hook", receiver.base)).endpoint.id;
    env.event(EventType::QuotaExhausted, json!({}));
    let at = env.now();
    env.round().await;
    let due = env.pending_due(endpoint).unwrap();
    let waited = (due - at).num_seconds();
    assert!(
        (3599..=3700).contains(&waited),
        "retried after {waited} s instead of an hour"
    );

    env.clock.advance(ChronoDuration::minutes(30));
    assert_eq!(env.round().await.attempts, 0);
    env.advance_to(due);
    assert_eq!(env.round().await.delivered, 1);
}

#[actix_rt::test]
async fn redirects_are_not_followed_and_count_as_failures() {
    let target = Receiver::start().await;
    let receiver = Receiver::start().await;
    receiver.then(Answer::RedirectTo(format!("{}/elsewhere", target.base)));
    let env = env(Duration::from_secs(2));
    let endpoint = env.endpoint(&format!("{}/hook", receiver.base)).endpoint.id;
    env.event(EventType::PostPublished, json!({}));
    env.round().await;

    assert!(target.seen().is_empty(), "the redirect was followed");
    let log = env.deliveries(endpoint);
    assert_eq!(log[0].status, "failed");
    assert_eq!(log[0].http_status, Some(302));
    assert!(
        env.pending_due(endpoint).is_some(),
        "a redirect is retried like a failure"
    );
}

#[actix_rt::test]
async fn a_slow_receiver_times_out_and_is_retried() {
    let receiver = Receiver::start().await;
    receiver.then(Answer::Slow(Duration::from_secs(3)));
    let env = env(Duration::from_millis(300));
    let endpoint = env.endpoint(&format!("{}/hook", receiver.base)).endpoint.id;
    env.event(EventType::PostPublished, json!({}));
    let started = std::time::Instant::now();
    env.round().await;
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "the attempt was not cut off"
    );

    let log = env.deliveries(endpoint);
    assert_eq!(log[0].status, "failed");
    assert_eq!(log[0].error.as_deref(), Some("timed out"));
    let due = env.pending_due(endpoint).unwrap();
    env.advance_to(due);
    assert_eq!(env.round().await.delivered, 1);
}

#[actix_rt::test]
async fn five_days_of_failure_disable_the_endpoint() {
    let receiver = Receiver::start().await;
    receiver.always(Answer::Status(503));
    let env = env(Duration::from_secs(2));
    let endpoint = env.endpoint(&format!("{}/hook", receiver.base)).endpoint.id;
    env.event(EventType::PostPublished, json!({}));
    env.round().await;
    let failing_since = env
        .endpoint_now(endpoint)
        .failing_since
        .expect("failing is recorded");

    // Days later, another event still fails: past 5 days, the endpoint is disabled.
    env.clock
        .advance(ChronoDuration::days(5) + ChronoDuration::minutes(1));
    env.event(EventType::PostPublished, json!({}));
    env.round().await;
    let state = env.endpoint_now(endpoint);
    assert_eq!(state.failing_since, Some(failing_since));
    assert!(!state.enabled);
    assert_eq!(
        state.disabled_reason.as_deref(),
        Some("every delivery failed for 5 days")
    );

    // A success in between would have reset the clock.
    receiver.always(Answer::Status(200));
    let fresh = env
        .endpoint(&format!("{}/hook2", receiver.base))
        .endpoint
        .id;
    env.event(EventType::PostPublished, json!({}));
    env.round().await;
    assert_eq!(env.endpoint_now(fresh).failing_since, None);
}

#[actix_rt::test]
async fn the_dispatcher_actor_delivers_on_its_own_and_on_request() {
    use actix::Actor;
    let receiver = Receiver::start().await;
    let env = env(Duration::from_secs(2));
    env.endpoint(&format!("{}/hook", receiver.base));
    let actor = herald_platform::webhooks::WebhookDispatcher::new(env.dispatcher.clone()).start();

    // On request: a round runs now and reports what it did.
    env.event(EventType::PostPublished, json!({"n": 1}));
    let report = actor
        .send(herald_platform::webhooks::RunNow)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((report.events_dispatched, report.delivered), (1, 1));

    // On its own: the next tick picks up a new event.
    env.event(EventType::PostPublished, json!({"n": 2}));
    for _ in 0..40 {
        if receiver.seen().len() == 2 {
            break;
        }
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(receiver.seen().len(), 2);
}
