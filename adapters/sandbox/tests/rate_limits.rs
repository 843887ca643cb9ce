//! Usage headers computed from real call counts, and throttling once a budget is spent.

mod common;

use common::*;
use serde_json::{json, Value};

fn header_json(h: &reqwest::header::HeaderMap, name: &str) -> Value {
    h.get(name)
        .and_then(|v| v.to_str().ok())
        .and_then(|s| serde_json::from_str(s).ok())
        .unwrap_or(Value::Null)
}

#[actix_web::test]
async fn app_usage_grows_then_throttles_with_code_4() {
    let env = start().await;
    env.settings(json!({"app_calls_per_user_hour": 4})).await;
    let user = env.user().await;
    let tok = user["access_token"].as_str().unwrap_or("").to_string();
    let mut seen = Vec::new();
    for _ in 0..4 {
        let (st, _, h) = env.get(&env.graph("me"), &tok).await;
        assert_eq!(st, 200);
        seen.push(
            header_json(&h, "x-app-usage")["call_count"]
                .as_i64()
                .unwrap_or(-1),
        );
    }
    assert_eq!(seen, vec![25, 50, 75, 100]);
    let (st, e, h) = env.get(&env.graph("me"), &tok).await;
    assert_eq!((st, codes(&e).0), (400, 4));
    assert_eq!(e["error"]["is_transient"], true);
    assert_eq!(header_json(&h, "x-app-usage")["call_count"], 100);
    env.advance(3601).await;
    assert_eq!(
        env.get(&env.graph("me"), &tok).await.0,
        200,
        "the window rolls on the sandbox clock"
    );
}

#[actix_web::test]
async fn page_and_instagram_budgets_answer_buc_headers_and_errors() {
    let env = start().await;
    env.settings(json!({"page_calls_per_day": 2, "ig_calls_per_day": 2}))
        .await;
    let user = env.user().await;
    let (page, ig, tok) = (page_id(&user, 0), ig_id(&user), page_token(&user, 0));
    for _ in 0..2 {
        let (_, _, h) = env.get(&env.graph(&format!("{page}/feed")), &tok).await;
        assert!(header_json(&h, "x-page-usage")["call_count"]
            .as_i64()
            .is_some());
    }
    let (st, e, h) = env.get(&env.graph(&format!("{page}/feed")), &tok).await;
    assert_eq!((st, codes(&e).0), (400, 80001));
    let buc = header_json(&h, "x-business-use-case-usage");
    let entry = &buc[page.as_str()][0];
    assert_eq!(entry["type"], "pages");
    assert!(
        entry["estimated_time_to_regain_access"]
            .as_i64()
            .is_some_and(|m| m > 0 && m <= 1440),
        "{buc}"
    );

    for _ in 0..2 {
        assert_eq!(
            env.get(&env.graph(&format!("{ig}/content_publishing_limit")), &tok)
                .await
                .0,
            200
        );
    }
    let (st, e, h) = env
        .get(&env.graph(&format!("{ig}/content_publishing_limit")), &tok)
        .await;
    assert_eq!((st, codes(&e).0), (400, 80002));
    assert_eq!(
        header_json(&h, "x-business-use-case-usage")[ig.as_str()][0]["type"],
        "instagram"
    );
}
