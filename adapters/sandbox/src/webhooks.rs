//! Meta's webhooks: the app subscription with its GET challenge, and the two signatures Meta
//! uses (`X-Hub-Signature-256` and `signed_request`). The events themselves are sent from
//! `events.rs`.

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
use crate::state::Shared;
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

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/_sandbox/subscriptions", web::post().to(post_subscription))
        .route("/_sandbox/subscriptions", web::get().to(get_subscriptions))
        .configure(crate::events::routes);
}
