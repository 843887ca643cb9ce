//! Instagram containers: image, reel, carousel, resumable; status; publish; quota; expiry.

mod common;

use common::*;
use serde_json::{json, Value};

async fn container(env: &Env, ig: &str, tok: &str, form: &[(&str, &str)]) -> (u16, Value) {
    env.post(&env.graph(&format!("{ig}/media")), tok, form)
        .await
}

#[actix_web::test]
async fn image_container_processes_then_publishes_once() {
    let env = start().await;
    env.settings(json!({"container_processing_ms": 400})).await;
    let user = env.user().await;
    let (ig, tok) = (ig_id(&user), page_token(&user, 0));
    let url = env.media_url("square_1080.jpg");
    let (st, v) = container(
        &env,
        &ig,
        &tok,
        &[("image_url", &url), ("caption", "Hello #bread")],
    )
    .await;
    assert_eq!(st, 200, "{v}");
    let cid = v["id"].as_str().unwrap_or("").to_string();

    let (_, s, _) = env
        .get(
            &env.graph(&format!("{cid}?fields=status_code,status")),
            &tok,
        )
        .await;
    assert_eq!(s["status_code"], "IN_PROGRESS");
    let (st, early) = env
        .post(
            &env.graph(&format!("{ig}/media_publish")),
            &tok,
            &[("creation_id", &cid)],
        )
        .await;
    assert_eq!((st, codes(&early)), (400, (9007, Some(2207027))));

    assert_eq!(env.settle(&cid, &tok).await["status_code"], "FINISHED");
    let (st, v) = env
        .post(
            &env.graph(&format!("{ig}/media_publish")),
            &tok,
            &[("creation_id", &cid)],
        )
        .await;
    assert_eq!(st, 200, "{v}");
    let media = v["id"].as_str().unwrap_or("").to_string();

    let (st, again) = env
        .post(
            &env.graph(&format!("{ig}/media_publish")),
            &tok,
            &[("creation_id", &cid)],
        )
        .await;
    assert_eq!(st, 400, "publishing twice is refused: {again}");
    let (_, s, _) = env
        .get(&env.graph(&format!("{cid}?fields=status_code")), &tok)
        .await;
    assert_eq!(s["status_code"], "PUBLISHED");

    let ledger = env.ledger().await;
    assert_eq!(ledger.len(), 1);
    assert_eq!(ledger[0]["kind"], "ig_image");
    assert_eq!(ledger[0]["id"], Value::String(media.clone()));
    assert_eq!(ledger[0]["container_id"], Value::String(cid));
    assert_eq!(ledger[0]["media"][0], Value::String(url));

    let (st, m, _) = env
        .get(
            &env.graph(&format!("{media}?fields=permalink,timestamp")),
            &tok,
        )
        .await;
    assert_eq!(st, 200);
    assert!(m["permalink"]
        .as_str()
        .is_some_and(|p| p.starts_with("https://www.instagram.com/p/")));
    let (_, list, _) = env.get(&env.graph(&format!("{ig}/media")), &tok).await;
    assert_eq!(list["data"].as_array().map(Vec::len), Some(1));
}

#[actix_web::test]
async fn reel_is_probed_and_bad_video_ends_in_error() {
    let env = start().await;
    let user = env.user().await;
    let (ig, tok) = (ig_id(&user), page_token(&user, 0));
    let good = env.media_url("reel_9x16.mp4");
    let (_, v) = container(
        &env,
        &ig,
        &tok,
        &[
            ("video_url", &good),
            ("media_type", "REELS"),
            ("caption", "reel"),
        ],
    )
    .await;
    let cid = v["id"].as_str().unwrap_or("").to_string();
    assert_eq!(env.settle(&cid, &tok).await["status_code"], "FINISHED");
    let (st, _) = env
        .post(
            &env.graph(&format!("{ig}/media_publish")),
            &tok,
            &[("creation_id", &cid)],
        )
        .await;
    assert_eq!(st, 200);

    let short = env.media_url("too_short_1s.mp4");
    let (_, v) = container(
        &env,
        &ig,
        &tok,
        &[("video_url", &short), ("media_type", "REELS")],
    )
    .await;
    let cid = v["id"].as_str().unwrap_or("").to_string();
    let s = env.settle(&cid, &tok).await;
    assert_eq!(s["status_code"], "ERROR");
    assert!(
        s["status"].as_str().is_some_and(|t| t.contains("2207026")),
        "{s}"
    );

    let (_, v) = container(
        &env,
        &ig,
        &tok,
        &[
            ("video_url", &good),
            ("media_type", "REELS"),
            ("thumb_offset", "999999"),
        ],
    )
    .await;
    let s = env.settle(v["id"].as_str().unwrap_or(""), &tok).await;
    assert!(
        s["status"].as_str().is_some_and(|t| t.contains("2207057")),
        "{s}"
    );
    assert_eq!(env.ledger().await[0]["kind"], "ig_reel");
}

#[actix_web::test]
async fn standalone_video_is_refused_at_publish() {
    let env = start().await;
    let user = env.user().await;
    let (ig, tok) = (ig_id(&user), page_token(&user, 0));
    let (_, v) = container(
        &env,
        &ig,
        &tok,
        &[
            ("video_url", &env.media_url("reel_9x16.mp4")),
            ("media_type", "VIDEO"),
        ],
    )
    .await;
    let cid = v["id"].as_str().unwrap_or("").to_string();
    env.settle(&cid, &tok).await;
    let (st, e) = env
        .post(
            &env.graph(&format!("{ig}/media_publish")),
            &tok,
            &[("creation_id", &cid)],
        )
        .await;
    assert_eq!((st, codes(&e)), (400, (100, Some(2207089))));
}

#[actix_web::test]
async fn carousel_takes_two_to_ten_children_and_counts_once() {
    let env = start().await;
    let user = env.user().await;
    let (ig, tok) = (ig_id(&user), page_token(&user, 0));
    let mut kids = Vec::new();
    for name in ["square_1080.jpg", "portrait_4x5.jpg"] {
        let (_, v) = container(
            &env,
            &ig,
            &tok,
            &[
                ("image_url", &env.media_url(name)),
                ("is_carousel_item", "true"),
            ],
        )
        .await;
        kids.push(v["id"].as_str().unwrap_or("").to_string());
    }
    let (_, v) = container(
        &env,
        &ig,
        &tok,
        &[
            ("video_url", &env.media_url("reel_9x16.mp4")),
            ("media_type", "VIDEO"),
            ("is_carousel_item", "true"),
        ],
    )
    .await;
    kids.push(v["id"].as_str().unwrap_or("").to_string());

    let (st, e) = container(
        &env,
        &ig,
        &tok,
        &[("media_type", "CAROUSEL"), ("children", &kids[0])],
    )
    .await;
    assert_eq!((st, codes(&e).1), (400, Some(2207028)), "{e}");
    let (st, e) = container(
        &env,
        &ig,
        &tok,
        &[
            ("image_url", &env.media_url("square_1080.jpg")),
            ("is_carousel_item", "true"),
            ("collaborators", "[\"bob\"]"),
        ],
    )
    .await;
    assert_eq!(
        (st, codes(&e).1),
        (400, Some(2207028)),
        "collaborators never on children: {e}"
    );
    let (st, e) = container(
        &env,
        &ig,
        &tok,
        &[
            ("media_type", "CAROUSEL"),
            ("children", &kids.join(",")),
            ("collaborators", "[\"@bob\"]"),
        ],
    )
    .await;
    assert_eq!((st, codes(&e)), (400, (110, Some(2207018))));
    let (st, e) = container(
        &env,
        &ig,
        &tok,
        &[
            ("media_type", "CAROUSEL"),
            ("children", &kids.join(",")),
            ("collaborators", "[\"a\",\"b\",\"c\",\"d\"]"),
        ],
    )
    .await;
    assert_eq!((st, codes(&e)), (400, (110, Some(2207018))));

    let (st, v) = container(
        &env,
        &ig,
        &tok,
        &[
            ("media_type", "CAROUSEL"),
            ("children", &kids.join(",")),
            ("caption", "three"),
            ("collaborators", "[\"bob\",\"eve\"]"),
        ],
    )
    .await;
    assert_eq!(st, 200, "{v}");
    let cid = v["id"].as_str().unwrap_or("").to_string();
    assert_eq!(env.settle(&cid, &tok).await["status_code"], "FINISHED");
    let (st, _) = env
        .post(
            &env.graph(&format!("{ig}/media_publish")),
            &tok,
            &[("creation_id", &cid)],
        )
        .await;
    assert_eq!(st, 200);
    let ledger = env.ledger().await;
    assert_eq!(ledger.len(), 1);
    assert_eq!(ledger[0]["kind"], "ig_carousel");
    assert_eq!(ledger[0]["children"].as_array().map(Vec::len), Some(3));
    let (_, q, _) = env
        .get(
            &env.graph(&format!(
                "{ig}/content_publishing_limit?fields=quota_usage,config"
            )),
            &tok,
        )
        .await;
    assert_eq!(q["data"][0]["quota_usage"], 1);
    assert_eq!(q["data"][0]["config"]["quota_total"], 50);
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
async fn image_rules_answer_meta_codes() {
    let env = start().await;
    let user = env.user().await;
    let (ig, tok) = (ig_id(&user), page_token(&user, 0));
    let cases = [
        (env.media_url("banner_4x1.jpg"), (36003, Some(2207009))),
        (format!("{}/anim.gif", env.media), (36001, Some(2207005))),
        (format!("{}/big.jpg", env.media), (36000, Some(2207004))),
        (format!("{}/page.html", env.media), (9004, Some(2207052))),
        (env.media_url("missing.jpg"), (9004, Some(2207052))),
        // Not loopback: the sandbox refuses to fetch it at all.
        (
            "http://192.0.2.1/photo.jpg".to_string(),
            (9004, Some(2207052)),
        ),
    ];
    for (url, want) in cases {
        let (st, e) = container(&env, &ig, &tok, &[("image_url", &url)]).await;
        assert_eq!((st, codes(&e)), (400, want), "{url}: {e}");
    }
    for ok_name in ["landscape_191x100.jpg", "portrait_4x5.jpg", "not_jpeg.png"] {
        let (st, e) = container(&env, &ig, &tok, &[("image_url", &env.media_url(ok_name))]).await;
        assert_eq!(st, 200, "{ok_name}: {e}");
    }
    env.settings(json!({"png_tolerated": false})).await;
    let (st, e) = container(
        &env,
        &ig,
        &tok,
        &[("image_url", &env.media_url("not_jpeg.png"))],
    )
    .await;
    assert_eq!((st, codes(&e)), (400, (36001, Some(2207005))));
}

#[actix_web::test]
async fn caption_hashtag_and_mention_limits() {
    let env = start().await;
    env.settings(json!({"hashtag_limit": 5})).await;
    let user = env.user().await;
    let (ig, tok) = (ig_id(&user), page_token(&user, 0));
    let url = env.media_url("square_1080.jpg");
    let long = "a".repeat(2201);
    let tags = "#a #b #c #d #e #f";
    let mentions = (0..21)
        .map(|i| format!("@u{i}"))
        .collect::<Vec<_>>()
        .join(" ");
    for cap in [long.as_str(), tags, mentions.as_str()] {
        let (st, e) = container(&env, &ig, &tok, &[("image_url", &url), ("caption", cap)]).await;
        assert_eq!((st, codes(&e).1), (400, Some(2207010)), "{e}");
    }
    let (st, _) = container(
        &env,
        &ig,
        &tok,
        &[("image_url", &url), ("caption", "#a #b #c #d #e")],
    )
    .await;
    assert_eq!(st, 200);
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
