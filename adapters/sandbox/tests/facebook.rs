//! Facebook Pages: me/accounts, feed, photos, scheduled posts, Page tokens, the ledger.

mod common;

use common::*;
use serde_json::Value;

#[actix_web::test]
async fn accounts_list_granted_pages_with_page_tokens() {
    let env = start().await;
    let user = env.user().await;
    let token = user["access_token"].as_str().unwrap_or("");
    let fields = "id,name,access_token,tasks,instagram_business_account{id,username}";
    let (st, v, h) = env
        .get(&env.graph(&format!("me/accounts?fields={fields}")), token)
        .await;
    assert_eq!(st, 200, "{v}");
    let data = v["data"].as_array().cloned().unwrap_or_default();
    assert_eq!(data.len(), 2);
    assert!(data[0]["access_token"]
        .as_str()
        .is_some_and(|t| t.starts_with("EAAB")));
    assert_eq!(
        data[0]["instagram_business_account"]["id"],
        Value::String(ig_id(&user))
    );
    assert!(
        h.get("x-app-usage").is_some(),
        "usage header on every answer"
    );
}

#[actix_web::test]
async fn feed_post_and_photo_post_land_in_ledger_once() {
    let env = start().await;
    let user = env.user().await;
    let (page, tok) = (page_id(&user, 0), page_token(&user, 0));

    let (st, v) = env
        .post(
            &env.graph(&format!("{page}/feed")),
            &tok,
            &[("message", "Fresh bread")],
        )
        .await;
    assert_eq!(st, 200, "{v}");
    let post_id = v["id"].as_str().unwrap_or("").to_string();
    assert!(post_id.starts_with(&format!("{page}_")));

    let mut photos = Vec::new();
    for name in ["square_1080.jpg", "portrait_4x5.jpg"] {
        let url = env.media_url(name);
        let (st, v) = env
            .post(
                &env.graph(&format!("{page}/photos")),
                &tok,
                &[("url", &url), ("published", "false")],
            )
            .await;
        assert_eq!(st, 200, "{v}");
        photos.push(v["id"].as_str().unwrap_or("").to_string());
    }
    let attached = format!(
        "[{{\"media_fbid\":\"{}\"}},{{\"media_fbid\":\"{}\"}}]",
        photos[0], photos[1]
    );
    let (st, v) = env
        .post(
            &env.graph(&format!("{page}/feed")),
            &tok,
            &[("message", "Two loaves"), ("attached_media", &attached)],
        )
        .await;
    assert_eq!(st, 200, "{v}");

    let ledger = env.ledger().await;
    assert_eq!(
        ledger.len(),
        2,
        "unpublished photos are not in the ledger: {ledger:?}"
    );
    assert_eq!(ledger[0]["id"], Value::String(post_id));
    assert_eq!(ledger[1]["children"].as_array().map(Vec::len), Some(2));
    assert!(ledger[1]["request_id"]
        .as_str()
        .is_some_and(|r| r.starts_with("req_")));

    let (_, list, _) = env.get(&env.graph(&format!("{page}/feed")), &tok).await;
    assert_eq!(list["data"].as_array().map(Vec::len), Some(2));
}

#[actix_web::test]
async fn user_token_cannot_post_as_page() {
    let env = start().await;
    let user = env.user().await;
    let token = user["access_token"].as_str().unwrap_or("");
    let (st, v) = env
        .post(
            &env.graph(&format!("{}/feed", page_id(&user, 0))),
            token,
            &[("message", "hi")],
        )
        .await;
    assert_eq!(st, 400);
    assert_eq!(codes(&v).0, 200);
}

#[actix_web::test]
async fn photos_and_video_cannot_be_mixed_and_ten_at_most() {
    let env = start().await;
    let user = env.user().await;
    let (page, tok) = (page_id(&user, 0), page_token(&user, 0));
    let (_, v) = env
        .post(
            &env.graph(&format!("{page}/videos")),
            &tok,
            &[("file_url", &env.media_url("landscape_16x9.mp4"))],
        )
        .await;
    let vid = v["id"].as_str().unwrap_or("").to_string();
    let (_, p) = env
        .post(
            &env.graph(&format!("{page}/photos")),
            &tok,
            &[
                ("url", &env.media_url("square_1080.jpg")),
                ("published", "false"),
            ],
        )
        .await;
    let photo = p["id"].as_str().unwrap_or("").to_string();
    let mixed = format!("[{{\"media_fbid\":\"{photo}\"}},{{\"media_fbid\":\"{vid}\"}}]");
    let (st, _) = env
        .post(
            &env.graph(&format!("{page}/feed")),
            &tok,
            &[("attached_media", &mixed)],
        )
        .await;
    assert_eq!(st, 400);
    let eleven = format!(
        "[{}]",
        vec![format!("{{\"media_fbid\":\"{photo}\"}}"); 11].join(",")
    );
    let (st, _) = env
        .post(
            &env.graph(&format!("{page}/feed")),
            &tok,
            &[("attached_media", &eleven)],
        )
        .await;
    assert_eq!(st, 400);
}

#[actix_web::test]
async fn ledger_names_the_request_that_published() {
    let env = start().await;
    let user = env.user().await;
    let (page, tok) = (page_id(&user, 0), page_token(&user, 0));
    let r = env
        .http
        .post(env.graph(&format!("{page}/feed")))
        .form(&[("message", "traced"), ("access_token", tok.as_str())])
        .send()
        .await
        .expect("post");
    let rid = r
        .headers()
        .get("x-fb-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    assert!(!rid.is_empty());
    assert_eq!(env.ledger().await[0]["request_id"], Value::String(rid));
}

#[actix_web::test]
async fn page_token_by_page_fields_and_scheduled_posts() {
    let env = start().await;
    let user = env.user().await;
    let utok = user["access_token"].as_str().unwrap_or("").to_string();
    let page = page_id(&user, 0);
    let (st, v, _) = env
        .get(
            &env.graph(&format!(
                "{page}?fields=access_token,instagram_business_account"
            )),
            &utok,
        )
        .await;
    assert_eq!(st, 200, "{v}");
    let tok = v["access_token"].as_str().unwrap_or("").to_string();
    assert!(tok.starts_with("EAAB"));
    assert_eq!(
        v["instagram_business_account"]["id"],
        Value::String(ig_id(&user))
    );

    let feed = env.graph(&format!("{page}/feed"));
    let soon = (chrono::Utc::now().timestamp() + 60).to_string();
    let later = (chrono::Utc::now().timestamp() + 3600).to_string();
    let (st, _) = env
        .post(
            &feed,
            &tok,
            &[
                ("message", "x"),
                ("published", "false"),
                ("scheduled_publish_time", &soon),
            ],
        )
        .await;
    assert_eq!(st, 400, "less than 10 minutes ahead");
    let (st, _) = env
        .post(
            &feed,
            &tok,
            &[("message", "x"), ("scheduled_publish_time", &later)],
        )
        .await;
    assert_eq!(st, 400, "a scheduled post is published=false");
    let (st, v) = env
        .post(
            &feed,
            &tok,
            &[
                ("message", "x"),
                ("published", "false"),
                ("scheduled_publish_time", &later),
            ],
        )
        .await;
    assert_eq!(st, 200, "{v}");
}

#[actix_web::test]
async fn subscribed_apps_on_a_page() {
    let env = start().await;
    let user = env.user().await;
    let (page, tok) = (page_id(&user, 0), page_token(&user, 0));
    let edge = env.graph(&format!("{page}/subscribed_apps"));
    let (st, v) = env
        .post(&edge, &tok, &[("subscribed_fields", "feed,mention")])
        .await;
    assert_eq!((st, v["success"].as_bool()), (200, Some(true)));
    let (_, v, _) = env.get(&edge, &tok).await;
    assert_eq!(
        v["data"][0]["subscribed_fields"],
        serde_json::json!(["feed", "mention"])
    );
}
