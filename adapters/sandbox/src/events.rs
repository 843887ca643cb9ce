//! Events the control API makes Meta send: signed Page feed and IG comment events (with
//! duplicates and reordering on request), and the deauthorize and data-deletion callbacks
//! with a valid `signed_request`.

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::control::bad;
use crate::media_probe;
use crate::state::{IdKind, Shared};
use crate::webhooks::{signature, signed_request};

#[derive(Deserialize)]
struct CommentEvent {
    #[serde(default)]
    page_id: Option<String>,
    #[serde(default)]
    ig_id: Option<String>,
    text: String,
    #[serde(default)]
    count: Option<usize>,
    #[serde(default)]
    duplicates: usize,
    #[serde(default)]
    reorder: bool,
}

/// Builds the events, then sends each (and its duplicates) signed, in order or reversed.
async fn post_comment(shared: web::Data<Shared>, body: web::Bytes) -> HttpResponse {
    let ev: CommentEvent = match serde_json::from_slice(&body) {
        Ok(e) => e,
        Err(e) => return bad("body", e.to_string()),
    };
    let now = shared.clock.now().timestamp();
    let (object, target) = match (&ev.page_id, &ev.ig_id) {
        (Some(p), None) => ("page", p.clone()),
        (None, Some(i)) => ("instagram", i.clone()),
        _ => return bad("page_id", "exactly one of page_id and ig_id is required"),
    };
    let sub = {
        let inner = shared.lock();
        let known = if object == "page" {
            inner.pages.contains_key(&target)
        } else {
            inner.igs.contains_key(&target)
        };
        if !known {
            return bad(
                if object == "page" { "page_id" } else { "ig_id" },
                "unknown to the sandbox",
            );
        }
        inner
            .subscriptions
            .iter()
            .find(|s| s.object == object)
            .cloned()
    };
    let Some(sub) = sub else {
        return bad(
            "subscription",
            format!("no app subscription for object {object}"),
        );
    };
    let on = newest(&shared, object, &target);
    let mut bodies = Vec::new();
    for n in 0..ev.count.unwrap_or(1).max(1) {
        let cid = shared.id(IdKind::Comment);
        let text = if ev.count.unwrap_or(1) > 1 {
            format!("{} #{}", ev.text, n + 1)
        } else {
            ev.text.clone()
        };
        let payload = comment_payload(object, &target, &on, &cid, &text, now);
        let raw = payload.to_string();
        for _ in 0..=ev.duplicates {
            bodies.push((cid.clone(), raw.clone()));
        }
    }
    if ev.reorder {
        bodies.reverse();
    }
    let mut sent = Vec::new();
    for (cid, raw) in bodies {
        sent.push(match deliver(&shared, &sub.callback_url, raw).await {
            Ok(s) => json!({"comment_id": cid, "status": s}),
            Err(e) => json!({"comment_id": cid, "error": e}),
        });
    }
    HttpResponse::Ok().json(json!({ "deliveries": sent }))
}

#[derive(Deserialize)]
struct Callback {
    user_id: String,
    callback_url: String,
}

async fn send_signed(shared: &Shared, cb: &Callback) -> Result<(u16, String), String> {
    let issued_at = shared.clock.now().timestamp();
    let payload =
        json!({"algorithm": "HMAC-SHA256", "issued_at": issued_at, "user_id": cb.user_id});
    let sr = signed_request(&payload, &shared.config.app_secret);
    let url = media_probe::allowed(shared, &cb.callback_url).map_err(|e| format!("{e:?}"))?;
    let resp = shared
        .http
        .post(url)
        .form(&[("signed_request", sr)])
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let status = resp.status().as_u16();
    Ok((status, resp.text().await.unwrap_or_default()))
}

/// The user removes the app: its tokens die (190/458) and the deauthorize callback is sent.
async fn deauthorize(shared: web::Data<Shared>, body: web::Bytes) -> HttpResponse {
    let cb: Callback = match serde_json::from_slice(&body) {
        Ok(c) => c,
        Err(e) => return bad("body", e.to_string()),
    };
    {
        let mut inner = shared.lock();
        for t in inner
            .tokens
            .values_mut()
            .filter(|t| t.user_id == cb.user_id)
        {
            t.invalid = Some(458);
        }
    }
    match send_signed(&shared, &cb).await {
        Ok((status, _)) => HttpResponse::Ok().json(json!({"callback_status": status})),
        Err(e) => bad("callback_url", e),
    }
}

/// The user asks for their data to be deleted: the data-deletion callback is sent, and its
/// `{url, confirmation_code}` answer is returned.
async fn data_deletion(shared: web::Data<Shared>, body: web::Bytes) -> HttpResponse {
    let cb: Callback = match serde_json::from_slice(&body) {
        Ok(c) => c,
        Err(e) => return bad("body", e.to_string()),
    };
    match send_signed(&shared, &cb).await {
        Ok((status, text)) => {
            let answer: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
            let valid = answer.get("url").is_some_and(Value::is_string)
                && answer
                    .get("confirmation_code")
                    .is_some_and(Value::is_string);
            HttpResponse::Ok()
                .json(json!({"callback_status": status, "answer": answer, "answer_valid": valid}))
        }
        Err(e) => bad("callback_url", e),
    }
}

/// The id comments land on: the newest post or media of the target, when there is one.
fn newest(shared: &Shared, object: &str, target: &str) -> String {
    let inner = shared.lock();
    if object == "page" {
        let post = inner
            .posts
            .values()
            .filter(|p| p.page_id == target)
            .max_by_key(|p| p.created_at);
        post.map(|p| p.id.clone())
            .unwrap_or_else(|| format!("{target}_1"))
    } else {
        let media = inner
            .ig_media
            .values()
            .filter(|m| m.ig_id == target)
            .max_by_key(|m| m.published_at);
        media
            .map(|m| m.id.clone())
            .unwrap_or_else(|| "0".to_string())
    }
}

/// A Page `feed` comment or an IG `comments` event, as Meta sends them.
fn comment_payload(object: &str, target: &str, on: &str, cid: &str, text: &str, now: i64) -> Value {
    if object == "page" {
        let value = json!({
            "from": {"id": "9000001", "name": "Sandbox Commenter"},
            "item": "comment", "verb": "add",
            "comment_id": format!("{target}_{cid}"),
            "post_id": on, "parent_id": on,
            "created_time": now, "message": text,
        });
        json!({"object": "page", "entry": [
            {"id": target, "time": now, "changes": [{"field": "feed", "value": value}]},
        ]})
    } else {
        let value = json!({
            "from": {"id": "9000002", "username": "sandbox_commenter"},
            "media": {"id": on, "media_product_type": "FEED"},
            "id": cid, "text": text,
        });
        json!({"object": "instagram", "entry": [
            {"id": target, "time": now, "changes": [{"field": "comments", "value": value}]},
        ]})
    }
}

/// POSTs one signed event to the callback; answers its status.
async fn deliver(shared: &Shared, callback_url: &str, raw: String) -> Result<u16, String> {
    let sig = signature(raw.as_bytes(), &shared.config.app_secret);
    let url = media_probe::allowed(shared, callback_url).map_err(|e| format!("{e:?}"))?;
    let resp = shared
        .http
        .post(url)
        .header("content-type", "application/json")
        .header("X-Hub-Signature-256", sig)
        .body(raw)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    Ok(resp.status().as_u16())
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/_sandbox/events/comment", web::post().to(post_comment))
        .route("/_sandbox/deauthorize", web::post().to(deauthorize))
        .route("/_sandbox/data_deletion", web::post().to(data_deletion));
}
