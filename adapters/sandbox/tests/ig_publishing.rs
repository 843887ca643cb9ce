//! Instagram publishing limits and paths: quota, container limit, expiry, resumable upload,
//! permalink delay, the Instagram Login host.

mod common;

use common::*;
use serde_json::{json, Value};

async fn container(env: &Env, ig: &str, tok: &str, form: &[(&str, &str)]) -> (u16, Value) {
    env.post(&env.graph(&format!("{ig}/media")), tok, form)
        .await
}

#[actix_web::test]
async fn quota_is_enforced_and_frees_after_the_window() {
    let env = start().await;
    env.settings(json!({"ig_publish_quota": 2})).await;
    let user = env.user().await;
    let (ig, tok) = (ig_id(&user), page_token(&user, 0));
    let url = env.media_url("square_1080.jpg");
    let mut last = (0, Value::Null);
    for _ in 0..3 {
        let (_, v) = container(&env, &ig, &tok, &[("image_url", &url)]).await;
        let cid = v["id"].as_str().unwrap_or("").to_string();
        env.settle(&cid, &tok).await;
        last = env
            .post(
                &env.graph(&format!("{ig}/media_publish")),
                &tok,
                &[("creation_id", &cid)],
            )
            .await;
    }
    assert_eq!((last.0, codes(&last.1)), (400, (9, Some(2207042))));
    env.advance(86_401).await;
    let (_, v) = container(&env, &ig, &tok, &[("image_url", &url)]).await;
    let cid = v["id"].as_str().unwrap_or("").to_string();
    env.settle(&cid, &tok).await;
    let (st, _) = env
        .post(
            &env.graph(&format!("{ig}/media_publish")),
            &tok,
            &[("creation_id", &cid)],
        )
        .await;
    assert_eq!(st, 200);
}

#[actix_web::test]
async fn unpublished_container_expires_after_24_hours() {
    let env = start().await;
    let user = env.user().await;
    let (ig, tok) = (ig_id(&user), page_token(&user, 0));
    let (_, v) = container(
        &env,
        &ig,
        &tok,
        &[("image_url", &env.media_url("square_1080.jpg"))],
    )
    .await;
    let cid = v["id"].as_str().unwrap_or("").to_string();
    env.settle(&cid, &tok).await;
    env.advance(24 * 3600 + 1).await;
    let (_, s, _) = env
        .get(&env.graph(&format!("{cid}?fields=status_code")), &tok)
        .await;
    assert_eq!(s["status_code"], "EXPIRED");
    let (st, e) = env
        .post(
            &env.graph(&format!("{ig}/media_publish")),
            &tok,
            &[("creation_id", &cid)],
        )
        .await;
    assert_eq!((st, codes(&e)), (400, (-2, Some(2207020))));
}

#[actix_web::test]
async fn container_limit_per_day() {
    let env = start().await;
    env.settings(json!({"ig_container_limit": 2})).await;
    let user = env.user().await;
    let (ig, tok) = (ig_id(&user), page_token(&user, 0));
    let url = env.media_url("square_1080.jpg");
    for _ in 0..2 {
        assert_eq!(
            container(&env, &ig, &tok, &[("image_url", &url)]).await.0,
            200
        );
    }
    let (st, e) = container(&env, &ig, &tok, &[("image_url", &url)]).await;
    assert_eq!((st, codes(&e).0), (400, 4));
}

#[actix_web::test]
async fn resumable_reel_upload_through_rupload() {
    let env = start().await;
    let user = env.user().await;
    let (ig, tok) = (ig_id(&user), page_token(&user, 0));
    let (st, v) = container(
        &env,
        &ig,
        &tok,
        &[("upload_type", "resumable"), ("media_type", "REELS")],
    )
    .await;
    assert_eq!(st, 200, "{v}");
    let cid = v["id"].as_str().unwrap_or("").to_string();
    let uri = v["uri"].as_str().unwrap_or("").to_string();
    assert!(
        uri.starts_with(&env.base) && uri.contains("/rupload/ig-api-upload/"),
        "{uri}"
    );
    let (_, s, _) = env
        .get(&env.graph(&format!("{cid}?fields=status_code")), &tok)
        .await;
    assert_eq!(s["status_code"], "IN_PROGRESS");

    let bytes = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/fixtures/media/reel_9x16.mp4"
    ))
    .unwrap_or_default();
    let r = env
        .http
        .post(&uri)
        .header("Authorization", format!("OAuth {tok}"))
        .header("offset", "0")
        .header("file_size", bytes.len().to_string())
        .body(bytes)
        .send()
        .await
        .expect("upload");
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(env.settle(&cid, &tok).await["status_code"], "FINISHED");
    let (st, _) = env
        .post(
            &env.graph(&format!("{ig}/media_publish")),
            &tok,
            &[("creation_id", &cid)],
        )
        .await;
    assert_eq!(st, 200);
}

#[actix_web::test]
async fn permalink_may_briefly_be_unreadable() {
    let env = start().await;
    env.settings(json!({"permalink_delay_ms": 60_000})).await;
    let user = env.user().await;
    let (ig, tok) = (ig_id(&user), page_token(&user, 0));
    let (_, v) = container(
        &env,
        &ig,
        &tok,
        &[("image_url", &env.media_url("square_1080.jpg"))],
    )
    .await;
    let cid = v["id"].as_str().unwrap_or("").to_string();
    env.settle(&cid, &tok).await;
    let (_, v) = env
        .post(
            &env.graph(&format!("{ig}/media_publish")),
            &tok,
            &[("creation_id", &cid)],
        )
        .await;
    let media = v["id"].as_str().unwrap_or("").to_string();
    let (st, e, _) = env
        .get(&env.graph(&format!("{media}?fields=permalink")), &tok)
        .await;
    assert_eq!((st, codes(&e)), (400, (100, Some(33))));
    env.advance(61).await;
    let (st, _, _) = env
        .get(&env.graph(&format!("{media}?fields=permalink")), &tok)
        .await;
    assert_eq!(st, 200);
}

#[actix_web::test]
async fn instagram_login_host_publishes_with_its_own_token() {
    let env = start().await;
    let user = env.user().await;
    let tok = user["instagram_login"]["access_token"]
        .as_str()
        .unwrap_or("")
        .to_string();
    let ig = user["instagram_login"]["id"]
        .as_str()
        .unwrap_or("")
        .to_string();
    let ig_graph = |p: &str| format!("{}/ig-graph/{V}/{p}", env.base);
    let (st, me, _) = env.get(&ig_graph("me?fields=user_id,username"), &tok).await;
    assert_eq!((st, me["id"].as_str()), (200, Some(ig.as_str())));
    let (st, v) = env
        .post(
            &ig_graph(&format!("{ig}/media")),
            &tok,
            &[("image_url", &env.media_url("square_1080.jpg"))],
        )
        .await;
    assert_eq!(st, 200, "{v}");
    let (st, e) = env
        .post(
            &ig_graph(&format!("{ig}/media")),
            &tok,
            &[("upload_type", "resumable"), ("media_type", "REELS")],
        )
        .await;
    assert_eq!(st, 400, "resumable is Facebook Login only: {e}");
    let cid = v["id"].as_str().unwrap_or("").to_string();
    for _ in 0..50 {
        let (_, s, _) = env
            .get(&ig_graph(&format!("{cid}?fields=status_code")), &tok)
            .await;
        if s["status_code"] == "FINISHED" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let (st, _) = env
        .post(
            &ig_graph(&format!("{ig}/media_publish")),
            &tok,
            &[("creation_id", &cid)],
        )
        .await;
    assert_eq!(st, 200);
    // A Facebook Login token is not accepted on the Instagram host.
    let (st, _, _) = env.get(&ig_graph("me"), &page_token(&user, 0)).await;
    assert_eq!(st, 400);
}

#[actix_web::test]
async fn a_lost_publish_answer_is_found_in_the_container_status() {
    let env = start().await;
    let user = env.user().await;
    let (ig, tok) = (ig_id(&user), page_token(&user, 0));
    let (_, v) = container(
        &env,
        &ig,
        &tok,
        &[("image_url", &env.media_url("square_1080.jpg"))],
    )
    .await;
    let cid = v["id"].as_str().unwrap_or("").to_string();
    env.settle(&cid, &tok).await;
    let action = json!({"kind": "apply_then_drop"});
    env.fault(json!({"path": "/graph/*/media_publish", "nth": 1, "action": action}))
        .await;
    let publish = env.graph(&format!("{ig}/media_publish"));
    let lost = env
        .http
        .post(&publish)
        .form(&[
            ("creation_id", cid.as_str()),
            ("access_token", tok.as_str()),
        ])
        .send()
        .await;
    assert!(lost.is_err(), "the answer never arrives");
    let (_, s, _) = env
        .get(&env.graph(&format!("{cid}?fields=status_code")), &tok)
        .await;
    assert_eq!(s["status_code"], "PUBLISHED");
    assert_eq!(env.ledger().await.len(), 1);
    let (st, _) = env.post(&publish, &tok, &[("creation_id", &cid)]).await;
    assert_eq!(st, 400, "publishing again is refused");
    assert_eq!(env.ledger().await.len(), 1, "exactly once");
}
