//! Meta's webhooks: the app subscription with its GET challenge, signed Page feed and IG
//! comment events (with duplicates and reordering on request), and the deauthorize and
//! data-deletion callbacks with a `signed_request`.

use actix_web::{web, HttpResponse};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sha2::Sha256;

use crate::control::bad;
use crate::errors::GraphError;
use crate::graph::{ok, success, Call};
use crate::media_probe;
use crate::state::{IdKind, Shared};
use crate::tokens::Auth;

/// One app subscription: where Meta sends events for an object type.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Subscription {
    /// `page` or `instagram`.
    pub object: String,
    pub callback_url: String,
    pub verify_token: String,
    pub fields: Vec<String>,
}

/// `sha256={hex HMAC-SHA256(body, secret)}`, the `X-Hub-Signature-256` value.
pub fn signature(body: &[u8], secret: &str) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap_or_else(|_| unreachable_mac());
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

fn unreachable_mac() -> Hmac<Sha256> {
    // HMAC takes keys of any length; this branch cannot be reached.
    Hmac::<Sha256>::new_from_slice(b"k").unwrap_or_else(|_| unreachable_mac())
}

/// `base64url(signature).base64url(payload)`, the signature an HMAC-SHA256 of the encoded
/// payload with the app secret, as Meta's deauthorize and data-deletion callbacks send it.
pub fn signed_request(payload: &Value, secret: &str) -> String {
    let encoded = URL_SAFE_NO_PAD.encode(payload.to_string());
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap_or_else(|_| unreachable_mac());
    mac.update(encoded.as_bytes());
    format!(
        "{}.{encoded}",
        URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
    )
}

/// Performs Meta's subscription check against `callback_url`.
async fn verify(shared: &Shared, callback_url: &str, verify_token: &str) -> Result<(), String> {
    let mut url =
        media_probe::allowed(shared, callback_url).map_err(|e| format!("callback_url: {e:?}"))?;
    let challenge = shared.next().to_string();
    url.query_pairs_mut()
        .append_pair("hub.mode", "subscribe")
        .append_pair("hub.verify_token", verify_token)
        .append_pair("hub.challenge", &challenge);
    let resp = shared
        .http
        .get(url)
        .send()
        .await
        .map_err(|e| format!("callback_url: not reachable: {e}"))?;
    let status = resp.status();
    let body = resp.text().await.unwrap_or_default();
    if !status.is_success() || body.trim() != challenge {
        return Err(format!(
            "callback_url: the challenge was not echoed (status {status})"
        ));
    }
    Ok(())
}

#[derive(Deserialize)]
struct NewSubscription {
    callback_url: String,
    verify_token: String,
    #[serde(default)]
    object: Option<String>,
    #[serde(default)]
    fields: Option<Vec<String>>,
}

async fn subscribe(shared: &Shared, s: NewSubscription) -> Result<Vec<Subscription>, String> {
    verify(shared, &s.callback_url, &s.verify_token).await?;
    let objects = match s.object.as_deref() {
        Some(o @ ("page" | "instagram")) => vec![o.to_string()],
        Some(other) => return Err(format!("object: {other} is not page or instagram")),
        None => vec!["page".to_string(), "instagram".to_string()],
    };
    let mut inner = shared.lock();
    let mut made = Vec::new();
    for object in objects {
        let fields = s.fields.clone().unwrap_or_else(|| {
            if object == "page" {
                vec!["feed".into()]
            } else {
                vec!["comments".into(), "mentions".into()]
            }
        });
        inner.subscriptions.retain(|x| x.object != object);
        let sub = Subscription {
            object,
            callback_url: s.callback_url.clone(),
            verify_token: s.verify_token.clone(),
            fields,
        };
        inner.subscriptions.push(sub.clone());
        made.push(sub);
    }
    Ok(made)
}

async fn post_subscription(shared: web::Data<Shared>, body: web::Bytes) -> HttpResponse {
    let s: NewSubscription = match serde_json::from_slice(&body) {
        Ok(s) => s,
        Err(e) => return bad("body", e.to_string()),
    };
    match subscribe(&shared, s).await {
        Ok(subs) => HttpResponse::Created().json(json!({"data": subs})),
        Err(e) => bad(e.split(':').next().unwrap_or("callback_url"), e.clone()),
    }
}

async fn get_subscriptions(shared: web::Data<Shared>) -> HttpResponse {
    HttpResponse::Ok().json(json!({"data": shared.lock().subscriptions}))
}

/// `GET|POST|DELETE /{app-id}/subscriptions` with the app token, as on Graph.
pub async fn graph_subscriptions(call: &Call<'_>) -> Result<HttpResponse, GraphError> {
    if !matches!(call.auth, Auth::App) {
        return Err(GraphError::new(
            15,
            "(#15) This method must be called with an app access_token.",
        ));
    }
    match call.method.as_str() {
        "POST" => {
            let p = &call.params;
            let s = NewSubscription {
                callback_url: p
                    .get("callback_url")
                    .ok_or_else(|| GraphError::param("callback_url: required"))?
                    .into(),
                verify_token: p.get("verify_token").unwrap_or("").into(),
                object: Some(
                    p.get("object")
                        .ok_or_else(|| GraphError::param("object: required"))?
                        .into(),
                ),
                fields: p
                    .get("fields")
                    .map(|f| f.split(',').map(|x| x.trim().to_string()).collect()),
            };
            subscribe(call.shared, s).await.map_err(|e| {
                GraphError::new(2200, format!("(#2200) callback verification failed: {e}"))
            })?;
            success()
        }
        "DELETE" => {
            let object = call.params.get("object").map(String::from);
            call.shared
                .lock()
                .subscriptions
                .retain(|s| object.as_ref().is_some_and(|o| o != &s.object));
            success()
        }
        _ => {
            let data: Vec<Value> = call
                .shared
                .lock()
                .subscriptions
                .iter()
                .map(|s| {
                    json!({
                        "object": s.object, "callback_url": s.callback_url, "active": true,
                        "fields": s.fields.iter()
                            .map(|f| json!({"name": f, "version": crate::versions::CURRENT}))
                            .collect::<Vec<_>>(),
                    })
                })
                .collect();
            ok(json!({ "data": data }))
        }
    }
}

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
    // Comments land on the newest post or media of the target, when there is one.
    let on = {
        let inner = shared.lock();
        let newest_post = inner
            .posts
            .values()
            .filter(|p| p.page_id == target)
            .max_by_key(|p| p.created_at);
        let newest_media = inner
            .ig_media
            .values()
            .filter(|m| m.ig_id == target)
            .max_by_key(|m| m.published_at);
        match object {
            "page" => newest_post
                .map(|p| p.id.clone())
                .unwrap_or_else(|| format!("{target}_1")),
            _ => newest_media
                .map(|m| m.id.clone())
                .unwrap_or_else(|| "0".to_string()),
        }
    };
    let mut bodies = Vec::new();
    for n in 0..ev.count.unwrap_or(1).max(1) {
        let cid = shared.id(IdKind::Comment);
        let text = if ev.count.unwrap_or(1) > 1 {
            format!("{} #{}", ev.text, n + 1)
        } else {
            ev.text.clone()
        };
        let payload = if object == "page" {
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
        };
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
        let sig = signature(raw.as_bytes(), &shared.config.app_secret);
        let status = match media_probe::allowed(&shared, &sub.callback_url) {
            Err(e) => Err(format!("{e:?}")),
            Ok(url) => shared
                .http
                .post(url)
                .header("content-type", "application/json")
                .header("X-Hub-Signature-256", sig)
                .body(raw)
                .send()
                .await
                .map(|r| r.status().as_u16())
                .map_err(|e| e.to_string()),
        };
        sent.push(match status {
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

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/_sandbox/subscriptions", web::post().to(post_subscription))
        .route("/_sandbox/subscriptions", web::get().to(get_subscriptions))
        .route("/_sandbox/events/comment", web::post().to(post_comment))
        .route("/_sandbox/deauthorize", web::post().to(deauthorize))
        .route("/_sandbox/data_deletion", web::post().to(data_deletion));
}
