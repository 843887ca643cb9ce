//! META_API.md's error table, row by row: every (code, subcode) is provoked, by a real rule
//! where the sandbox has one and by a fault rule otherwise, and checked on the wire.

mod common;

use common::*;
use serde_json::{json, Value};

const APP: &str = "100000000000001";
const SECRET: &str = "sandbox-app-secret";
const REDIRECT: &str = "http://127.0.0.1:9/cb";

/// How a row is provoked.
enum How {
    /// A fault rule on `GET /me`.
    Fault,
    /// The sandbox's own rule, named.
    Real(&'static str),
}

use How::*;

/// (code, subcode, how) for each row of the table, then the Facebook-side input errors.
const ROWS: &[(i64, Option<i64>, How)] = &[
    (1, None, Fault),
    (2, None, Fault),
    (4, None, Real("app_budget")),
    (17, None, Fault),
    (32, None, Fault),
    (341, None, Fault),
    (613, None, Fault),
    (80000, None, Fault),
    (80001, None, Real("page_budget")),
    (80002, None, Real("ig_budget")),
    (80014, None, Fault),
    (368, None, Fault),
    (10, None, Real("missing_ig_scope")),
    (200, None, Real("user_token_on_page")),
    (299, None, Fault),
    (190, Some(458), Real("invalidate")),
    (190, Some(460), Real("invalidate")),
    (190, Some(463), Real("expired")),
    (190, Some(464), Real("invalidate")),
    (190, Some(467), Real("invalidate")),
    (190, Some(492), Real("invalidate")),
    (190, None, Real("lost_role")),
    (100, Some(33), Real("unknown_object")),
    (506, None, Real("duplicate_post")),
    (9007, Some(2207027), Real("not_finished")),
    (9, Some(2207042), Real("quota")),
    (-2, Some(2207003), Real("download_timeout")),
    (9004, Some(2207052), Real("not_media")),
    (-1, Some(2207001), Fault),
    (-1, Some(2207032), Fault),
    (-1, Some(2207053), Fault),
    (24, Some(2207006), Real("unknown_container")),
    (-1, Some(2207008), Fault),
    (-2, Some(2207020), Real("expired_container")),
    (4, Some(2207051), Fault),
    (4, Some(2207050), Fault),
    (36000, Some(2207004), Real("image_too_large")),
    (36001, Some(2207005), Real("image_format")),
    (36003, Some(2207009), Real("aspect_ratio")),
    (100, Some(2207010), Real("caption_too_long")),
    (352, Some(2207026), Real("video_format")),
    (1, Some(2207057), Real("thumb_offset")),
    (100, Some(2207023), Real("unknown_type")),
    (100, Some(2207028), Real("carousel")),
    (110, Some(2207018), Real("collaborator")),
    (100, Some(2207089), Real("standalone_video")),
    // Facebook-side input errors.
    (100, Some(1366046), Real("fb_photo_too_large")),
    (100, Some(1363040), Real("reel_aspect")),
    (100, Some(1363127), Fault),
    (100, Some(1363128), Real("reel_duration")),
    (100, Some(1363129), Fault),
    (368, Some(1390008), Fault),
    (100, Some(2061006), Real("invalid_url")),
    (100, Some(1349125), Real("not_a_photo")),
    (6000, None, Real("finish_without_bytes")),
];

struct Ctx {
    user: Value,
    page: String,
    ig: String,
    tok: String,
}

async fn fresh(env: &Env) -> Ctx {
    env.http
        .post(format!("{}/_sandbox/reset", env.base))
        .send()
        .await
        .expect("reset");
    env.settings(json!({"container_processing_ms": 0, "video_processing_ms": 0}))
        .await;
    let user = env.user().await;
    Ctx {
        page: page_id(&user, 0),
        ig: ig_id(&user),
        tok: page_token(&user, 0),
        user,
    }
}

async fn media(env: &Env, c: &Ctx, form: &[(&str, &str)]) -> (u16, Value) {
    env.post(&env.graph(&format!("{}/media", c.ig)), &c.tok, form)
        .await
}

async fn publish(env: &Env, c: &Ctx, cid: &str) -> (u16, Value) {
    env.post(
        &env.graph(&format!("{}/media_publish", c.ig)),
        &c.tok,
        &[("creation_id", cid)],
    )
    .await
}

/// A reel container from `name` with extra params, settled, then published.
async fn publish_video(env: &Env, c: &Ctx, name: &str, extra: &[(&str, &str)]) -> (u16, Value) {
    let url = env.media_url(name);
    let mut form = vec![("video_url", url.as_str()), ("media_type", "REELS")];
    form.extend_from_slice(extra);
    let (_, v) = media(env, c, &form).await;
    let cid = v["id"].as_str().unwrap_or("").to_string();
    env.settle(&cid, &c.tok).await;
    publish(env, c, &cid).await
}

async fn reel_finish(env: &Env, c: &Ctx, name: Option<&str>) -> (u16, Value) {
    let edge = env.graph(&format!("{}/video_reels", c.page));
    let (_, v) = env.post(&edge, &c.tok, &[("upload_phase", "start")]).await;
    let vid = v["video_id"].as_str().unwrap_or("").to_string();
    if let Some(name) = name {
        let url = v["upload_url"].as_str().unwrap_or("").to_string();
        env.http
            .post(url)
            .header("Authorization", format!("OAuth {}", c.tok))
            .header("file_url", env.media_url(name))
            .send()
            .await
            .expect("upload");
    }
    env.post(
        &edge,
        &c.tok,
        &[
            ("upload_phase", "finish"),
            ("video_id", &vid),
            ("video_state", "PUBLISHED"),
        ],
    )
    .await
}

async fn real(env: &Env, c: &Ctx, rule: &str, sub: Option<i64>) -> (u16, Value) {
    let feed = env.graph(&format!("{}/feed", c.page));
    let img = env.media_url("square_1080.jpg");
    match rule {
        "app_budget" => {
            env.settings(json!({"app_calls_per_user_hour": 1})).await;
            let utok = c.user["access_token"].as_str().unwrap_or("");
            env.get(&env.graph("me"), utok).await;
            let (st, v, _) = env.get(&env.graph("me"), utok).await;
            (st, v)
        }
        "page_budget" | "ig_budget" => {
            env.settings(json!({"page_calls_per_day": 1, "ig_calls_per_day": 1}))
                .await;
            let target = if rule == "page_budget" {
                format!("{}/feed", c.page)
            } else {
                format!("{}/media", c.ig)
            };
            env.get(&env.graph(&target), &c.tok).await;
            let (st, v, _) = env.get(&env.graph(&target), &c.tok).await;
            (st, v)
        }
        "missing_ig_scope" => {
            let uid = c.user["id"].as_str().unwrap_or("");
            let r = env
                .http
                .post(format!("{}/www/{V}/dialog/oauth/decide", env.base))
                .form(&[
                    ("client_id", APP),
                    ("redirect_uri", REDIRECT),
                    ("state", "s"),
                    ("scope", "pages_show_list,instagram_basic"),
                    ("user_id", uid),
                    ("page", c.page.as_str()),
                    ("ig", c.ig.as_str()),
                    ("decision", "continue"),
                ])
                .send()
                .await
                .expect("decide");
            let loc = url::Url::parse(
                r.headers()
                    .get("location")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or(""),
            )
            .expect("loc");
            let code = loc
                .query_pairs()
                .find(|(k, _)| k == "code")
                .map(|(_, v)| v.into_owned())
                .unwrap_or_default();
            let t: Value = env
                .http
                .get(env.graph("oauth/access_token"))
                .query(&[
                    ("client_id", APP),
                    ("client_secret", SECRET),
                    ("redirect_uri", REDIRECT),
                    ("code", code.as_str()),
                ])
                .send()
                .await
                .expect("x")
                .json()
                .await
                .expect("j");
            let (_, accts, _) = env
                .get(
                    &env.graph("me/accounts"),
                    t["access_token"].as_str().unwrap_or(""),
                )
                .await;
            let ptok = accts["data"][0]["access_token"]
                .as_str()
                .unwrap_or("")
                .to_string();
            env.post(
                &env.graph(&format!("{}/media", c.ig)),
                &ptok,
                &[("image_url", &img)],
            )
            .await
        }
        "user_token_on_page" => {
            env.post(
                &feed,
                c.user["access_token"].as_str().unwrap_or(""),
                &[("message", "x")],
            )
            .await
        }
        "invalidate" => {
            env.http
                .post(format!("{}/_sandbox/tokens/invalidate", env.base))
                .json(&json!({"token": c.tok, "subcode": sub}))
                .send()
                .await
                .expect("inv");
            env.post(&feed, &c.tok, &[("message", "x")]).await
        }
        "expired" => {
            env.advance(61 * 86_400).await;
            let (st, v, _) = env
                .get(
                    &env.graph("me"),
                    c.user["access_token"].as_str().unwrap_or(""),
                )
                .await;
            (st, v)
        }
        "lost_role" => {
            env.http
                .post(format!("{}/_sandbox/roles/revoke", env.base))
                .json(&json!({"page_id": c.page, "user_id": c.user["id"]}))
                .send()
                .await
                .expect("r");
            env.post(&feed, &c.tok, &[("message", "x")]).await
        }
        "unknown_object" => {
            let (st, v, _) = env.get(&env.graph("999999999?fields=id"), &c.tok).await;
            (st, v)
        }
        "duplicate_post" => {
            env.settings(json!({"duplicate_window_seconds": 60})).await;
            env.post(&feed, &c.tok, &[("message", "same")]).await;
            env.post(&feed, &c.tok, &[("message", "same")]).await
        }
        "not_finished" => {
            env.settings(json!({"container_processing_ms": 60_000}))
                .await;
            let (_, v) = media(env, c, &[("image_url", &img)]).await;
            publish(env, c, v["id"].as_str().unwrap_or("")).await
        }
        "quota" => {
            env.settings(json!({"ig_publish_quota": 1})).await;
            let mut last = (0, Value::Null);
            for _ in 0..2 {
                let (_, v) = media(env, c, &[("image_url", &img)]).await;
                last = publish(env, c, v["id"].as_str().unwrap_or("")).await;
            }
            last
        }
        "download_timeout" => {
            env.settings(json!({"download_timeout_ms": 300})).await;
            media(env, c, &[("image_url", &format!("{}/slow.jpg", env.media))]).await
        }
        "not_media" => {
            media(
                env,
                c,
                &[("image_url", &format!("{}/page.html", env.media))],
            )
            .await
        }
        "unknown_container" => publish(env, c, "18000000000000000").await,
        "expired_container" => {
            let (_, v) = media(env, c, &[("image_url", &img)]).await;
            env.advance(86_401).await;
            publish(env, c, v["id"].as_str().unwrap_or("")).await
        }
        "image_too_large" => {
            media(env, c, &[("image_url", &format!("{}/big.jpg", env.media))]).await
        }
        "image_format" => media(env, c, &[("image_url", &format!("{}/anim.gif", env.media))]).await,
        "aspect_ratio" => media(env, c, &[("image_url", &env.media_url("banner_4x1.jpg"))]).await,
        "caption_too_long" => {
            media(
                env,
                c,
                &[("image_url", &img), ("caption", &"x".repeat(2201))],
            )
            .await
        }
        "video_format" => publish_video(env, c, "too_short_1s.mp4", &[]).await,
        "thumb_offset" => {
            publish_video(env, c, "reel_9x16.mp4", &[("thumb_offset", "60000")]).await
        }
        "unknown_type" => media(env, c, &[("image_url", &img), ("media_type", "HOLOGRAM")]).await,
        "carousel" => media(env, c, &[("media_type", "CAROUSEL"), ("children", "1")]).await,
        "collaborator" => {
            media(
                env,
                c,
                &[("image_url", &img), ("collaborators", "[\"@ada\"]")],
            )
            .await
        }
        "standalone_video" => {
            let (_, v) = media(
                env,
                c,
                &[
                    ("video_url", &env.media_url("reel_9x16.mp4")),
                    ("media_type", "VIDEO"),
                ],
            )
            .await;
            let cid = v["id"].as_str().unwrap_or("").to_string();
            env.settle(&cid, &c.tok).await;
            publish(env, c, &cid).await
        }
        "fb_photo_too_large" => {
            env.settings(json!({"max_fb_photo_bytes": 1000})).await;
            env.post(
                &env.graph(&format!("{}/photos", c.page)),
                &c.tok,
                &[("url", &img)],
            )
            .await
        }
        "reel_aspect" => reel_finish(env, c, Some("landscape_16x9.mp4")).await,
        "reel_duration" => reel_finish(env, c, Some("too_short_1s.mp4")).await,
        "finish_without_bytes" => reel_finish(env, c, None).await,
        "invalid_url" => {
            env.post(
                &env.graph(&format!("{}/photos", c.page)),
                &c.tok,
                &[("url", &env.media_url("missing.jpg"))],
            )
            .await
        }
        "not_a_photo" => {
            env.post(
                &env.graph(&format!("{}/photos", c.page)),
                &c.tok,
                &[("url", &env.media_url("reel_9x16.mp4"))],
            )
            .await
        }
        other => panic!("no rule named {other}"),
    }
}

#[actix_web::test]
async fn every_row_of_the_error_table_is_provoked() {
    let env = start().await;
    for (code, sub, how) in ROWS {
        let c = fresh(&env).await;
        let (st, body) = match how {
            Fault => {
                let action = json!({"kind": "error", "http": 400, "code": code, "subcode": sub});
                env.fault(json!({"path": "/graph/*/me", "action": action}))
                    .await;
                let (st, v, _) = env.get(&env.graph("me"), &c.tok).await;
                (st, v)
            }
            Real(rule) => real(&env, &c, rule, *sub).await,
        };
        let label = match how {
            Fault => "fault".to_string(),
            Real(r) => r.to_string(),
        };
        assert!(
            st >= 400,
            "{code}/{sub:?} via {label}: status {st}, body {body}"
        );
        assert_eq!(
            codes(&body),
            (*code, *sub),
            "{code}/{sub:?} via {label}: {body}"
        );
        let e = &body["error"];
        assert!(
            e["message"].is_string()
                && e["type"].is_string()
                && e["fbtrace_id"].is_string()
                && e["is_transient"].is_boolean(),
            "envelope: {body}"
        );
    }
}
