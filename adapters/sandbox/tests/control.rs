//! The control API: faults, clock, settings, request log, reset; versions; start time.

mod common;

use std::time::{Duration, Instant};

use common::*;
use herald_sandbox::SandboxConfig;
use serde_json::{json, Value};

#[actix_web::test]
async fn starts_in_under_a_second() {
    let t = Instant::now();
    let (server, addr) = herald_sandbox::serve(
        "127.0.0.1:0".parse().expect("addr"),
        SandboxConfig::default(),
    )
    .await
    .expect("serve");
    actix_web::rt::spawn(server);
    let r = reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("client")
        .get(format!("http://{addr}/_sandbox/clock"))
        .send()
        .await
        .expect("clock");
    assert_eq!(r.status().as_u16(), 200);
    assert!(
        t.elapsed() < Duration::from_secs(1),
        "took {:?}",
        t.elapsed()
    );
}

#[actix_web::test]
async fn versions_are_checked_on_the_sandbox_clock() {
    let env = start().await;
    let user = env.user().await;
    let tok = user["access_token"].as_str().unwrap_or("").to_string();
    for v in ["v26.0", "v25.0", "v24.0", "v21.0"] {
        let (st, _, _) = env.get(&format!("{}/graph/{v}/me", env.base), &tok).await;
        assert_eq!(st, 200, "{v}");
    }
    for v in ["v20.0", "v19.0"] {
        let (st, e, _) = env.get(&format!("{}/graph/{v}/me", env.base), &tok).await;
        assert_eq!((st, codes(&e).0), (400, 2635), "{v}");
        assert!(e["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("deprecated version")));
    }
    // v21.0 ends on 2027-01-21.
    let now: Value = env
        .http
        .get(format!("{}/_sandbox/clock", env.base))
        .send()
        .await
        .expect("c")
        .json()
        .await
        .expect("j");
    let now =
        chrono::DateTime::parse_from_rfc3339(now["now"].as_str().unwrap_or("")).expect("rfc3339");
    let end = chrono::DateTime::parse_from_rfc3339("2027-01-21T00:00:01Z").expect("date");
    env.advance((end - now).num_seconds().max(0)).await;
    let (st, e, _) = env.get(&format!("{}/graph/v21.0/me", env.base), &tok).await;
    assert_eq!((st, codes(&e).0), (400, 2635));
}

#[actix_web::test]
async fn fault_error_status_and_nth() {
    let env = start().await;
    let user = env.user().await;
    let (page, tok) = (page_id(&user, 0), page_token(&user, 0));
    let action = json!({"kind": "error", "http": 500, "code": 2});
    env.fault(json!({"method": "POST", "path": "/graph/*/feed", "nth": 2, "action": action}))
        .await;
    let feed = env.graph(&format!("{page}/feed"));
    assert_eq!(env.post(&feed, &tok, &[("message", "1")]).await.0, 200);
    let (st, e) = env.post(&feed, &tok, &[("message", "2")]).await;
    assert_eq!((st, codes(&e).0), (500, 2));
    assert_eq!(e["error"]["is_transient"], true);
    assert!(e["error"]["fbtrace_id"]
        .as_str()
        .is_some_and(|t| !t.is_empty()));
    assert_eq!(env.post(&feed, &tok, &[("message", "3")]).await.0, 200);

    env.http
        .delete(format!("{}/_sandbox/faults", env.base))
        .send()
        .await
        .expect("clear");
    env.fault(json!({"path": "/graph/*/me", "action": {"kind": "status", "http": 503}}))
        .await;
    let r = env
        .http
        .get(env.graph("me"))
        .bearer_auth(&tok)
        .send()
        .await
        .expect("me");
    assert_eq!(r.status().as_u16(), 503);
    assert_eq!(
        env.ledger().await.len(),
        2,
        "the faulted call published nothing"
    );
}

#[actix_web::test]
async fn an_injected_throttle_says_when_access_returns() {
    let env = start().await;
    let user = env.user().await;
    let (page, tok) = (page_id(&user, 0), page_token(&user, 0));
    let action = json!({"kind": "error", "code": 80001, "regain_minutes": 3});
    env.fault(json!({"method": "POST", "path": "/graph/*/feed", "nth": 1, "action": action}))
        .await;
    let r = env
        .http
        .post(env.graph(&format!("{page}/feed")))
        .bearer_auth(&tok)
        .form(&[("message", "throttled")])
        .send()
        .await
        .expect("feed");
    assert_eq!(r.status().as_u16(), 400);
    let usage: Value = serde_json::from_str(
        r.headers()
            .get("x-business-use-case-usage")
            .and_then(|v| v.to_str().ok())
            .expect("a usage header comes with the throttle"),
    )
    .expect("json");
    assert_eq!(usage[&page][0]["estimated_time_to_regain_access"], 3);
    assert_eq!(usage[&page][0]["call_count"], 100);
    let body: Value = r.json().await.expect("envelope");
    assert_eq!(codes(&body).0, 80001);
}

#[actix_web::test]
async fn fault_delay_reset_and_apply_then_drop() {
    let env = start().await;
    let user = env.user().await;
    let (page, tok) = (page_id(&user, 0), page_token(&user, 0));
    let feed = env.graph(&format!("{page}/feed"));

    env.fault(json!({"path": "/graph/*/me", "action": {"kind": "delay", "ms": 300}}))
        .await;
    let t = Instant::now();
    let (st, _, _) = env.get(&env.graph("me"), &tok).await;
    assert!(st == 200 && t.elapsed() >= Duration::from_millis(300));

    env.fault(
        json!({"method": "POST", "path": "/graph/*/feed", "nth": 1, "action": {"kind": "reset"}}),
    )
    .await;
    let r = env
        .http
        .post(&feed)
        .form(&[("message", "lost"), ("access_token", tok.as_str())])
        .send()
        .await;
    assert!(r.is_err(), "reset answers nothing");
    assert!(
        env.ledger().await.is_empty(),
        "reset does not apply the call"
    );

    env.http
        .delete(format!("{}/_sandbox/faults", env.base))
        .send()
        .await
        .expect("clear");
    let action = json!({"kind": "apply_then_drop"});
    env.fault(json!({"method": "POST", "path": "/graph/*/feed", "nth": 1, "action": action}))
        .await;
    let r = env
        .http
        .post(&feed)
        .form(&[("message", "applied"), ("access_token", tok.as_str())])
        .send()
        .await;
    assert!(r.is_err(), "apply_then_drop answers nothing");
    let ledger = env.ledger().await;
    assert_eq!(ledger.len(), 1, "but the post exists");
    assert_eq!(ledger[0]["caption"], "applied");
    let (_, list, _) = env.get(&feed, &tok).await;
    assert_eq!(
        list["data"][0]["message"], "applied",
        "and is visible among recent posts"
    );

    let reqs: Value = env
        .http
        .get(format!("{}/_sandbox/requests", env.base))
        .send()
        .await
        .expect("r")
        .json()
        .await
        .expect("j");
    let dropped = reqs["data"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|r| r["status"] == 0)
        .count();
    assert_eq!(dropped, 2);
    assert!(reqs["data"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|r| r["token_owner"] == Value::String(page.clone())));
}

#[actix_web::test]
async fn settings_reject_unknown_keys_and_reset_clears_everything() {
    let env = start().await;
    let r = env
        .http
        .put(format!("{}/_sandbox/settings", env.base))
        .json(&json!({"ig_quota": 5}))
        .send()
        .await
        .expect("s");
    assert_eq!(r.status().as_u16(), 400);
    let v: Value = r.json().await.unwrap_or(Value::Null);
    assert_eq!(v["error"]["field"], "settings.ig_quota");
    let r = env
        .http
        .post(format!("{}/_sandbox/faults", env.base))
        .json(&json!({"path": "/graph/*", "probability": 2.0, "action": {"kind": "reset"}}))
        .send()
        .await
        .expect("f");
    assert_eq!(r.status().as_u16(), 400);

    let user = env.user().await;
    env.advance(3600).await;
    let c: Value = env
        .http
        .get(format!("{}/_sandbox/clock", env.base))
        .send()
        .await
        .expect("c")
        .json()
        .await
        .expect("j");
    assert_eq!(c["offset_seconds"], 3600);
    env.http
        .post(format!("{}/_sandbox/reset", env.base))
        .send()
        .await
        .expect("reset");
    let c: Value = env
        .http
        .get(format!("{}/_sandbox/clock", env.base))
        .send()
        .await
        .expect("c")
        .json()
        .await
        .expect("j");
    assert_eq!(c["offset_seconds"], 0);
    let (st, e, _) = env
        .get(
            &env.graph("me"),
            user["access_token"].as_str().unwrap_or(""),
        )
        .await;
    assert_eq!((st, codes(&e).0), (400, 190), "tokens are gone after reset");
}

#[actix_web::test]
async fn mounted_under_a_prefix_like_herald_does() {
    use actix_web::{web, App, HttpServer};
    let sandbox = herald_sandbox::Sandbox::new(SandboxConfig {
        public_base_url: "http://127.0.0.1:1/sandbox".into(),
        ..Default::default()
    });
    let s2 = sandbox.clone();
    let server = HttpServer::new(move || {
        let s = s2.clone();
        App::new().service(web::scope("/sandbox").configure(move |c| s.configure(c)))
    })
    .workers(1)
    .bind(("127.0.0.1", 0))
    .expect("bind");
    let addr = server.addrs()[0];
    actix_web::rt::spawn(server.run());
    let http = reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("client");
    let base = format!("http://{addr}/sandbox");
    let user: Value = http
        .post(format!("{base}/_sandbox/users"))
        .json(&json!({"name": "M", "pages": [{"name": "P"}]}))
        .send()
        .await
        .expect("u")
        .json()
        .await
        .expect("j");
    http.post(format!("{base}/_sandbox/faults"))
        .json(&json!({"path": "/graph/*/me", "action": {"kind": "status", "http": 502}}))
        .send()
        .await
        .expect("f");
    let r = http
        .get(format!("{base}/graph/v26.0/me"))
        .bearer_auth(user["access_token"].as_str().unwrap_or(""))
        .send()
        .await
        .expect("me");
    assert_eq!(
        r.status().as_u16(),
        502,
        "fault paths are relative to the mount point"
    );
}

#[actix_web::test]
async fn mounted_somewhere_the_base_url_does_not_say() {
    use actix_web::{web, App, HttpServer};
    let sandbox = herald_sandbox::Sandbox::new(SandboxConfig {
        public_base_url: "http://127.0.0.1:1/sandbox".into(),
        ..Default::default()
    });
    let s2 = sandbox.clone();
    let server = HttpServer::new(move || {
        let s = s2.clone();
        App::new().service(web::scope("/elsewhere").configure(move |c| s.configure(c)))
    })
    .workers(1)
    .bind(("127.0.0.1", 0))
    .expect("bind");
    let addr = server.addrs()[0];
    actix_web::rt::spawn(server.run());
    let http = reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("client");
    let base = format!("http://{addr}/elsewhere");
    let user: Value = http
        .post(format!("{base}/_sandbox/users"))
        .json(&json!({"name": "M", "pages": [{"name": "P"}]}))
        .send()
        .await
        .expect("u")
        .json()
        .await
        .expect("j");
    http.post(format!("{base}/_sandbox/faults"))
        .json(&json!({"path": "/graph/*/me", "action": {"kind": "status", "http": 502}}))
        .send()
        .await
        .expect("f");
    let r = http
        .get(format!("{base}/graph/v26.0/me"))
        .bearer_auth(user["access_token"].as_str().unwrap_or(""))
        .send()
        .await
        .expect("me");
    assert_eq!(
        r.status().as_u16(),
        502,
        "fault paths are relative to the mount point"
    );
}

#[actix_web::test]
async fn links_use_the_bound_address_when_asked_for_port_zero() {
    let env = start_with(SandboxConfig {
        public_base_url: "http://127.0.0.1:0".into(),
        ..Default::default()
    })
    .await;
    let user = env.user().await;
    let (page, tok) = (page_id(&user, 0), page_token(&user, 0));
    let (_, v) = env
        .post(
            &env.graph(&format!("{page}/video_reels")),
            &tok,
            &[("upload_phase", "start")],
        )
        .await;
    let upload_url = v["upload_url"].as_str().unwrap_or("");
    assert!(
        upload_url.starts_with(&format!("{}/rupload/", env.base)),
        "{upload_url}"
    );
}

#[actix_web::test]
async fn probability_zero_never_fires_and_one_always_does() {
    let env = start().await;
    let user = env.user().await;
    let tok = user["access_token"].as_str().unwrap_or("").to_string();
    let never = json!({"kind": "status", "http": 500});
    env.fault(json!({"path": "/graph/*/me", "probability": 0.0, "action": never}))
        .await;
    for _ in 0..20 {
        assert_eq!(env.get(&env.graph("me"), &tok).await.0, 200);
    }
    let always = json!({"kind": "status", "http": 502});
    env.fault(json!({"path": "/graph/*/me", "probability": 1.0, "action": always}))
        .await;
    for _ in 0..5 {
        assert_eq!(env.get(&env.graph("me"), &tok).await.0, 502);
    }
}

#[actix_web::test]
async fn unknown_paths_and_bad_tokens_still_answer_the_envelope_and_usage() {
    let env = start().await;
    let r = env
        .http
        .get(format!("{}/nowhere/at/all", env.base))
        .send()
        .await
        .expect("get");
    assert_eq!(r.status().as_u16(), 400);
    let v: Value = r.json().await.unwrap_or(Value::Null);
    assert_eq!(codes(&v).0, 2500);

    let (st, e, h) = env.get(&env.graph("me"), "EAABnot-a-token").await;
    assert_eq!((st, codes(&e)), (400, (190, None)));
    assert!(
        h.get("x-app-usage").is_some(),
        "usage headers on every answer"
    );
    assert!(h.get("www-authenticate").is_some());
}
