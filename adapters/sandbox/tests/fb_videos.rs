//! Facebook Page videos: reels in three phases, reel rules and the daily limit, stories,
//! `/videos` by file_url and in chunks.

mod common;

use common::*;
use serde_json::Value;

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/../../tests/fixtures/media/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap_or_default()
}

async fn start_phase(env: &Env, page: &str, tok: &str, edge: &str) -> (String, String) {
    let (st, v) = env
        .post(
            &env.graph(&format!("{page}/{edge}")),
            tok,
            &[("upload_phase", "start")],
        )
        .await;
    assert_eq!(st, 200, "{v}");
    (
        v["video_id"].as_str().unwrap_or("").to_string(),
        v["upload_url"].as_str().unwrap_or("").to_string(),
    )
}

async fn upload(env: &Env, url: &str, tok: &str, bytes: Vec<u8>) -> u16 {
    env.http
        .post(url)
        .header("Authorization", format!("OAuth {tok}"))
        .header("offset", "0")
        .header("file_size", bytes.len().to_string())
        .body(bytes)
        .send()
        .await
        .expect("upload")
        .status()
        .as_u16()
}

#[actix_web::test]
async fn reel_three_phases_with_status_and_ledger() {
    let env = start().await;
    env.settings(serde_json::json!({"video_processing_ms": 60_000}))
        .await;
    let user = env.user().await;
    let (page, tok) = (page_id(&user, 0), page_token(&user, 0));
    let (vid, url) = start_phase(&env, &page, &tok, "video_reels").await;
    assert!(
        url.starts_with(&format!("{}/rupload/video-upload/", env.base)),
        "{url}"
    );
    let (_, s, _) = env
        .get(&env.graph(&format!("{vid}?fields=status")), &tok)
        .await;
    assert_eq!(s["status"]["uploading_phase"]["status"], "not_started");
    assert_eq!(
        upload(&env, &url, &tok, fixture("reel_9x16.mp4")).await,
        200
    );
    let (_, s, _) = env
        .get(&env.graph(&format!("{vid}?fields=status")), &tok)
        .await;
    assert_eq!(s["status"]["video_status"], "processing");
    let (st, v) = env
        .post(
            &env.graph(&format!("{page}/video_reels")),
            &tok,
            &[
                ("upload_phase", "finish"),
                ("video_id", &vid),
                ("video_state", "PUBLISHED"),
                ("description", "A reel"),
            ],
        )
        .await;
    assert_eq!((st, v["success"].as_bool()), (200, Some(true)), "{v}");
    env.advance(61).await;
    let (_, s, _) = env
        .get(&env.graph(&format!("{vid}?fields=status")), &tok)
        .await;
    assert_eq!(s["status"]["video_status"], "ready");
    assert_eq!(s["status"]["publishing_phase"]["status"], "complete");
    let ledger = env.ledger().await;
    assert_eq!(
        (ledger.len(), ledger[0]["kind"].as_str()),
        (1, Some("fb_reel"))
    );
    let (_, list, _) = env
        .get(&env.graph(&format!("{page}/video_reels")), &tok)
        .await;
    assert_eq!(list["data"][0]["id"], Value::String(vid));
}

#[actix_web::test]
async fn reel_rules_and_daily_limit() {
    let env = start().await;
    env.settings(serde_json::json!({"fb_reels_per_day": 1}))
        .await;
    let user = env.user().await;
    let (page, tok) = (page_id(&user, 0), page_token(&user, 0));
    let finish = |vid: String| {
        let (env, page, tok) = (&env, page.clone(), tok.clone());
        async move {
            env.post(
                &env.graph(&format!("{page}/video_reels")),
                &tok,
                &[
                    ("upload_phase", "finish"),
                    ("video_id", &vid),
                    ("video_state", "PUBLISHED"),
                ],
            )
            .await
        }
    };
    for (name, sub) in [
        ("landscape_16x9.mp4", 1363040),
        ("too_short_1s.mp4", 1363128),
    ] {
        let (vid, url) = start_phase(&env, &page, &tok, "video_reels").await;
        upload(&env, &url, &tok, fixture(name)).await;
        let (st, e) = finish(vid).await;
        assert_eq!((st, codes(&e).1), (400, Some(sub)), "{name}: {e}");
    }
    let (vid, _) = start_phase(&env, &page, &tok, "video_reels").await;
    let (st, e) = finish(vid).await;
    assert_eq!((st, codes(&e).0), (400, 6000), "finish before any bytes");

    for expect in [200, 400] {
        let (vid, url) = start_phase(&env, &page, &tok, "video_reels").await;
        let r = env
            .http
            .post(&url)
            .header("Authorization", format!("OAuth {tok}"))
            .header("file_url", env.media_url("reel_9x16.mp4"))
            .send()
            .await
            .expect("u");
        assert_eq!(r.status().as_u16(), 200);
        assert_eq!(finish(vid).await.0, expect, "30 reels per day, here 1");
    }
}

#[actix_web::test]
async fn stories_video_and_photo() {
    let env = start().await;
    let user = env.user().await;
    let (page, tok) = (page_id(&user, 0), page_token(&user, 0));
    let (vid, _) = start_phase(&env, &page, &tok, "video_stories").await;
    let (st, e) = env
        .post(
            &env.graph(&format!("{page}/video_stories")),
            &tok,
            &[("upload_phase", "finish"), ("video_id", &vid)],
        )
        .await;
    assert_eq!(
        (st, codes(&e).0),
        (400, 6000),
        "bytes never reached upload_url"
    );
    let (vid, url) = start_phase(&env, &page, &tok, "video_stories").await;
    upload(&env, &url, &tok, fixture("reel_9x16.mp4")).await;
    let (st, v) = env
        .post(
            &env.graph(&format!("{page}/video_stories")),
            &tok,
            &[("upload_phase", "finish"), ("video_id", &vid)],
        )
        .await;
    assert_eq!(st, 200, "{v}");
    assert!(v["post_id"].is_string());

    let (_, p) = env
        .post(
            &env.graph(&format!("{page}/photos")),
            &tok,
            &[
                ("url", &env.media_url("portrait_4x5.jpg")),
                ("published", "false"),
            ],
        )
        .await;
    let photo = p["id"].as_str().unwrap_or("").to_string();
    let (st, v) = env
        .post(
            &env.graph(&format!("{page}/photo_stories")),
            &tok,
            &[("photo_id", &photo)],
        )
        .await;
    assert_eq!(st, 200, "{v}");
    let kinds: Vec<String> = env
        .ledger()
        .await
        .iter()
        .map(|e| e["kind"].as_str().unwrap_or("").to_string())
        .collect();
    assert_eq!(kinds, vec!["fb_story", "fb_story"]);
}

#[actix_web::test]
async fn videos_by_file_url_and_resumable_chunks() {
    let env = start().await;
    env.settings(serde_json::json!({"upload_chunk_bytes": 50_000}))
        .await;
    let user = env.user().await;
    let (page, tok) = (page_id(&user, 0), page_token(&user, 0));
    let (st, v) = env
        .post(
            &env.graph(&format!("{page}/videos")),
            &tok,
            &[
                ("file_url", &env.media_url("landscape_16x9.mp4")),
                ("description", "wide"),
            ],
        )
        .await;
    assert_eq!(st, 200, "{v}");
    // A vertical video posted to /videos lands as a draft, not published.
    let (st, _) = env
        .post(
            &env.graph(&format!("{page}/videos")),
            &tok,
            &[("file_url", &env.media_url("reel_9x16.mp4"))],
        )
        .await;
    assert_eq!(st, 200);
    assert_eq!(env.ledger().await.len(), 1);

    let bytes = fixture("landscape_16x9.mp4");
    let size = bytes.len().to_string();
    let (_, s) = env
        .post(
            &env.graph(&format!("{page}/videos")),
            &tok,
            &[("upload_phase", "start"), ("file_size", &size)],
        )
        .await;
    let sid = s["upload_session_id"].as_str().unwrap_or("").to_string();
    let mut start: usize = s["start_offset"]
        .as_str()
        .and_then(|x| x.parse().ok())
        .unwrap_or(0);
    let mut end: usize = s["end_offset"]
        .as_str()
        .and_then(|x| x.parse().ok())
        .unwrap_or(0);
    let mut chunks = 0;
    while start < end {
        let part = reqwest::multipart::Part::bytes(bytes[start..end].to_vec()).file_name("chunk");
        let form = reqwest::multipart::Form::new()
            .text("upload_phase", "transfer")
            .text("upload_session_id", sid.clone())
            .text("start_offset", start.to_string())
            .text("access_token", tok.clone())
            .part("video_file_chunk", part);
        let v: Value = env
            .http
            .post(env.graph(&format!("{page}/videos")))
            .multipart(form)
            .send()
            .await
            .expect("t")
            .json()
            .await
            .expect("j");
        start = v["start_offset"]
            .as_str()
            .and_then(|x| x.parse().ok())
            .unwrap_or(0);
        end = v["end_offset"]
            .as_str()
            .and_then(|x| x.parse().ok())
            .unwrap_or(0);
        chunks += 1;
    }
    assert!(chunks >= 3, "{chunks} chunks");
    let (st, v) = env
        .post(
            &env.graph(&format!("{page}/videos")),
            &tok,
            &[
                ("upload_phase", "finish"),
                ("upload_session_id", &sid),
                ("description", "chunked"),
            ],
        )
        .await;
    assert_eq!((st, v["success"].as_bool()), (200, Some(true)), "{v}");
    let ledger = env.ledger().await;
    assert_eq!(
        (ledger.len(), ledger[1]["caption"].as_str()),
        (2, Some("chunked"))
    );
    let (_, list, _) = env.get(&env.graph(&format!("{page}/videos")), &tok).await;
    assert_eq!(
        list["data"].as_array().map(Vec::len),
        Some(3),
        "drafts are listed too"
    );
}
