//! Meta's webhooks: subscription challenge, signed comment events with duplicates and
//! reordering, deauthorize and data-deletion callbacks with a valid signed_request.

mod common;

use std::sync::{Arc, Mutex};

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use common::*;
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;

const SECRET: &str = "sandbox-app-secret";

#[derive(Default)]
struct Seen {
    events: Vec<(String, Vec<u8>)>,
    forms: Vec<String>,
}

type Shared = web::Data<Arc<Mutex<Seen>>>;

async fn challenge(q: web::Query<std::collections::HashMap<String, String>>) -> HttpResponse {
    if q.get("hub.mode").map(String::as_str) == Some("subscribe")
        && q.get("hub.verify_token").map(String::as_str) == Some("right")
    {
        HttpResponse::Ok().body(q.get("hub.challenge").cloned().unwrap_or_default())
    } else {
        HttpResponse::Forbidden().finish()
    }
}

async fn event(seen: Shared, req: HttpRequest, body: web::Bytes) -> HttpResponse {
    let sig = req
        .headers()
        .get("x-hub-signature-256")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    if let Ok(mut s) = seen.lock() {
        s.events.push((sig, body.to_vec()));
    }
    HttpResponse::Ok().finish()
}

async fn callback(
    seen: Shared,
    form: web::Form<std::collections::HashMap<String, String>>,
) -> HttpResponse {
    let sr = form.get("signed_request").cloned().unwrap_or_default();
    if let Ok(mut s) = seen.lock() {
        s.forms.push(sr);
    }
    HttpResponse::Ok()
        .json(json!({"url": "http://127.0.0.1/deletion?id=1", "confirmation_code": "abc123"}))
}

async fn receiver() -> (String, Arc<Mutex<Seen>>) {
    let seen = Arc::new(Mutex::new(Seen::default()));
    let data = web::Data::new(seen.clone());
    let server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .route("/hook", web::get().to(challenge))
            .route("/hook", web::post().to(event))
            .route("/cb", web::post().to(callback))
    })
    .workers(1)
    .bind(("127.0.0.1", 0))
    .expect("bind");
    let addr = server.addrs()[0];
    actix_web::rt::spawn(server.run());
    (format!("http://{addr}"), seen)
}

fn hmac_hex(body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).expect("key");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

#[actix_web::test]
async fn subscription_requires_the_challenge() {
    let env = start().await;
    let (hook, _) = receiver().await;
    let r = env
        .http
        .post(format!("{}/_sandbox/subscriptions", env.base))
        .json(&json!({"callback_url": format!("{hook}/hook"), "verify_token": "wrong"}))
        .send()
        .await
        .expect("s");
    assert_eq!(
        r.status().as_u16(),
        400,
        "a callback that refuses the token is not subscribed"
    );
    let r = env
        .http
        .post(format!("{}/_sandbox/subscriptions", env.base))
        .json(&json!({"callback_url": format!("{hook}/hook"), "verify_token": "right"}))
        .send()
        .await
        .expect("s");
    assert_eq!(r.status().as_u16(), 201);
    // The Graph way, with the app token.
    let app = "100000000000001|sandbox-app-secret";
    let (st, v) = env
        .post(
            &env.graph("100000000000001/subscriptions"),
            app,
            &[
                ("object", "page"),
                ("callback_url", &format!("{hook}/hook")),
                ("verify_token", "right"),
                ("fields", "feed"),
            ],
        )
        .await;
    assert_eq!(st, 200, "{v}");
}

#[actix_web::test]
async fn comment_events_are_signed_duplicated_and_reordered() {
    let env = start().await;
    let user = env.user().await;
    let (hook, seen) = receiver().await;
    env.http
        .post(format!("{}/_sandbox/subscriptions", env.base))
        .json(&json!({"callback_url": format!("{hook}/hook"), "verify_token": "right"}))
        .send()
        .await
        .expect("s");
    let r = env
        .http
        .post(format!("{}/_sandbox/events/comment", env.base))
        .json(&json!({
            "page_id": page_id(&user, 0), "text": "Lovely",
            "count": 2, "duplicates": 1, "reorder": true,
        }))
        .send()
        .await
        .expect("e");
    assert_eq!(r.status().as_u16(), 200);
    let r = env
        .http
        .post(format!("{}/_sandbox/events/comment", env.base))
        .json(&json!({"ig_id": ig_id(&user), "text": "Nice"}))
        .send()
        .await
        .expect("e");
    assert_eq!(r.status().as_u16(), 200);

    let events = seen.lock().map(|s| s.events.clone()).unwrap_or_default();
    assert_eq!(events.len(), 5);
    for (sig, body) in &events {
        assert_eq!(
            sig,
            &hmac_hex(body),
            "X-Hub-Signature-256 over the raw body"
        );
    }
    let bodies: Vec<Value> = events
        .iter()
        .map(|(_, b)| serde_json::from_slice(b).unwrap_or(Value::Null))
        .collect();
    let msg = |v: &Value| {
        v["entry"][0]["changes"][0]["value"]["message"]
            .as_str()
            .unwrap_or("")
            .to_string()
    };
    assert_eq!(
        msg(&bodies[0]),
        "Lovely #2",
        "reordered: the later comment first"
    );
    assert_eq!(bodies[0], bodies[1], "duplicated");
    assert_eq!(bodies[0]["entry"][0]["changes"][0]["field"], "feed");
    assert_eq!(bodies[4]["object"], "instagram");
    assert_eq!(bodies[4]["entry"][0]["changes"][0]["field"], "comments");
}

#[actix_web::test]
async fn deauthorize_and_data_deletion_send_valid_signed_requests() {
    let env = start().await;
    let user = env.user().await;
    let uid = user["id"].as_str().unwrap_or("").to_string();
    let (hook, seen) = receiver().await;
    let r = env
        .http
        .post(format!("{}/_sandbox/data_deletion", env.base))
        .json(&json!({"user_id": uid, "callback_url": format!("{hook}/cb")}))
        .send()
        .await
        .expect("d");
    let v: Value = r.json().await.unwrap_or(Value::Null);
    assert_eq!(v["answer_valid"], true, "{v}");
    let r = env
        .http
        .post(format!("{}/_sandbox/deauthorize", env.base))
        .json(&json!({"user_id": uid, "callback_url": format!("{hook}/cb")}))
        .send()
        .await
        .expect("d");
    assert_eq!(r.status().as_u16(), 200);

    let forms = seen.lock().map(|s| s.forms.clone()).unwrap_or_default();
    assert_eq!(forms.len(), 2);
    for sr in forms {
        let (sig, payload) = sr.split_once('.').expect("two parts");
        let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).expect("key");
        mac.update(payload.as_bytes());
        mac.verify_slice(&URL_SAFE_NO_PAD.decode(sig).expect("b64"))
            .expect("signature valid");
        let p: Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).expect("b64")).expect("json");
        assert_eq!(
            (p["user_id"].as_str(), p["algorithm"].as_str()),
            (Some(uid.as_str()), Some("HMAC-SHA256"))
        );
        assert!(p["issued_at"].is_i64());
    }
    let (st, e, _) = env
        .get(
            &env.graph("me"),
            user["access_token"].as_str().unwrap_or(""),
        )
        .await;
    assert_eq!(
        (st, codes(&e)),
        (400, (190, Some(458))),
        "deauthorized: the app was removed"
    );
}
