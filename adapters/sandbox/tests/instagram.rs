//! Instagram containers: image, reel, carousel, standalone video; media and caption rules.

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
async fn stories_take_an_image_or_a_short_video() {
    let env = start().await;
    let user = env.user().await;
    let (ig, tok) = (ig_id(&user), page_token(&user, 0));
    // Stories are not held to the feed aspect ratio.
    let image = env.media_url("banner_4x1.jpg");
    let video = env.media_url("reel_9x16.mp4");
    for form in [
        vec![("image_url", image.as_str()), ("media_type", "STORIES")],
        vec![("video_url", video.as_str()), ("media_type", "STORIES")],
    ] {
        let (st, v) = container(&env, &ig, &tok, &form).await;
        assert_eq!(st, 200, "{v}");
        let cid = v["id"].as_str().unwrap_or("").to_string();
        assert_eq!(env.settle(&cid, &tok).await["status_code"], "FINISHED");
        let publish = env.graph(&format!("{ig}/media_publish"));
        assert_eq!(
            env.post(&publish, &tok, &[("creation_id", &cid)]).await.0,
            200
        );
    }
    let kinds: Vec<Value> = env
        .ledger()
        .await
        .iter()
        .map(|e| e["kind"].clone())
        .collect();
    assert_eq!(kinds, vec![json!("ig_story"), json!("ig_story")]);
}

#[actix_web::test]
async fn cover_url_is_fetched_too() {
    let env = start().await;
    let user = env.user().await;
    let (ig, tok) = (ig_id(&user), page_token(&user, 0));
    let video = env.media_url("reel_9x16.mp4");
    let cover = env.media_url("missing_cover.jpg");
    let form = [
        ("video_url", video.as_str()),
        ("media_type", "REELS"),
        ("cover_url", &cover),
    ];
    let (_, v) = container(&env, &ig, &tok, &form).await;
    let s = env.settle(v["id"].as_str().unwrap_or(""), &tok).await;
    assert_eq!(s["status_code"], "ERROR", "{s}");
    assert!(
        s["status"].as_str().is_some_and(|t| t.contains("2207052")),
        "{s}"
    );
}

#[actix_web::test]
async fn mov_and_hevc_reels_are_accepted() {
    let env = start().await;
    let user = env.user().await;
    let (ig, tok) = (ig_id(&user), page_token(&user, 0));
    for name in ["reel_9x16.mov", "reel_hevc.mp4"] {
        let url = format!("{}/own/{name}", env.media);
        let (_, v) = container(
            &env,
            &ig,
            &tok,
            &[("video_url", &url), ("media_type", "REELS")],
        )
        .await;
        let s = env.settle(v["id"].as_str().unwrap_or(""), &tok).await;
        assert_eq!(s["status_code"], "FINISHED", "{name}: {s}");
    }
}
