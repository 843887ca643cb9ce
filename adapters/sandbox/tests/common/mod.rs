//! Shared helpers for the sandbox tests: a sandbox on 127.0.0.1:0, a tiny static server for
//! the fixture media, and a Graph client.

#![allow(dead_code)]

pub mod login;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use actix_web::{web, App, HttpResponse, HttpServer};
use herald_sandbox::{serve, SandboxConfig};
use serde_json::{json, Value};

pub const V: &str = "v26.0";

pub struct Env {
    pub base: String,
    pub media: String,
    pub http: reqwest::Client,
}

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/media")
}

async fn serve_fixture(path: web::Path<String>) -> HttpResponse {
    serve_file(fixtures(), path.into_inner())
}

/// Media only the sandbox's tests use, in `tests/fixtures/` of this crate.
async fn serve_own(path: web::Path<String>) -> HttpResponse {
    serve_file(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures"),
        path.into_inner(),
    )
}

fn serve_file(dir: PathBuf, name: String) -> HttpResponse {
    let Ok(bytes) = std::fs::read(dir.join(&name)) else {
        return HttpResponse::NotFound().finish();
    };
    let ctype = match name.rsplit('.').next() {
        Some("jpg") => "image/jpeg",
        Some("png") => "image/png",
        Some("mp4") => "video/mp4",
        Some("mov") => "video/quicktime",
        _ => "application/octet-stream",
    };
    HttpResponse::Ok().content_type(ctype).body(bytes)
}

async fn slow() -> HttpResponse {
    tokio::time::sleep(Duration::from_secs(3)).await;
    HttpResponse::Ok()
        .content_type("image/jpeg")
        .body(vec![0u8; 10])
}

async fn html() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html")
        .body("<html>not an image</html>")
}

async fn big() -> HttpResponse {
    let mut bytes = std::fs::read(fixtures().join("square_1080.jpg")).unwrap_or_default();
    bytes.resize(9 * 1024 * 1024, 0);
    HttpResponse::Ok().content_type("image/jpeg").body(bytes)
}

async fn gif() -> HttpResponse {
    // A 1080x1080 GIF header is all a prober reads.
    let mut b = b"GIF89a".to_vec();
    b.extend_from_slice(&1080u16.to_le_bytes());
    b.extend_from_slice(&1080u16.to_le_bytes());
    b.extend_from_slice(&[0, 0, 0, 0x3b]);
    HttpResponse::Ok().content_type("image/gif").body(b)
}

/// A static server for the fixture media on 127.0.0.1:0.
pub async fn media_server() -> String {
    let server = HttpServer::new(|| {
        App::new()
            .route("/media/{name}", web::get().to(serve_fixture))
            .route("/own/{name}", web::get().to(serve_own))
            .route("/slow.jpg", web::get().to(slow))
            .route("/page.html", web::get().to(html))
            .route("/big.jpg", web::get().to(big))
            .route("/anim.gif", web::get().to(gif))
    })
    .workers(1)
    .bind(("127.0.0.1", 0))
    .expect("bind media server");
    let addr = server.addrs()[0];
    actix_web::rt::spawn(server.run());
    format!("http://{addr}")
}

/// A sandbox alone on 127.0.0.1:0 plus a media server, with containers processed at once.
pub async fn start() -> Env {
    let env = start_with(SandboxConfig {
        public_base_url: String::new(),
        ..Default::default()
    })
    .await;
    env.settings(json!({"container_processing_ms": 0, "video_processing_ms": 0}))
        .await;
    env
}

pub async fn start_with(config: SandboxConfig) -> Env {
    let listen: SocketAddr = "127.0.0.1:0".parse().expect("addr");
    let (server, addr) = serve(listen, config).await.expect("sandbox starts");
    actix_web::rt::spawn(server);
    let http = reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    Env {
        base: format!("http://{addr}"),
        media: media_server().await,
        http,
    }
}

impl Env {
    pub fn graph(&self, path: &str) -> String {
        format!("{}/graph/{V}/{path}", self.base)
    }

    pub fn media_url(&self, name: &str) -> String {
        format!("{}/media/{name}", self.media)
    }

    pub async fn settings(&self, v: Value) -> Value {
        let r = self
            .http
            .put(format!("{}/_sandbox/settings", self.base))
            .json(&v)
            .send()
            .await
            .expect("settings");
        assert!(
            r.status().is_success(),
            "settings refused: {}",
            r.text().await.unwrap_or_default()
        );
        Value::Null
    }

    /// A user with one Page linked to IG and one without.
    pub async fn user(&self) -> Value {
        self.http
            .post(format!("{}/_sandbox/users", self.base))
            .json(&json!({
                "name": "Ada",
                "pages": [
                    {"name": "Ada's Bakery", "instagram": true},
                    {"name": "Ada's Books", "instagram": false},
                ],
                "instagram_login": true,
            }))
            .send()
            .await
            .expect("create user")
            .json()
            .await
            .expect("user json")
    }

    /// GET with a token; answers (status, json, headers).
    pub async fn get(&self, url: &str, token: &str) -> (u16, Value, reqwest::header::HeaderMap) {
        let r = self
            .http
            .get(url)
            .bearer_auth(token)
            .send()
            .await
            .expect("get");
        let st = r.status().as_u16();
        let h = r.headers().clone();
        (st, r.json().await.unwrap_or(Value::Null), h)
    }

    /// POST form params with a token.
    pub async fn post(&self, url: &str, token: &str, form: &[(&str, &str)]) -> (u16, Value) {
        let mut f: Vec<(&str, &str)> = form.to_vec();
        f.push(("access_token", token));
        let r = self.http.post(url).form(&f).send().await.expect("post");
        let st = r.status().as_u16();
        (st, r.json().await.unwrap_or(Value::Null))
    }

    pub async fn ledger(&self) -> Vec<Value> {
        let v: Value = self
            .http
            .get(format!("{}/_sandbox/ledger", self.base))
            .send()
            .await
            .expect("ledger")
            .json()
            .await
            .expect("json");
        v["data"].as_array().cloned().unwrap_or_default()
    }

    pub async fn fault(&self, rule: Value) {
        let r = self
            .http
            .post(format!("{}/_sandbox/faults", self.base))
            .json(&rule)
            .send()
            .await
            .expect("fault");
        assert_eq!(
            r.status().as_u16(),
            201,
            "fault refused: {}",
            r.text().await.unwrap_or_default()
        );
    }

    pub async fn advance(&self, secs: i64) {
        self.http
            .post(format!("{}/_sandbox/clock", self.base))
            .json(&json!({"advance_seconds": secs}))
            .send()
            .await
            .expect("clock");
    }

    /// Polls a container until it leaves IN_PROGRESS (or 5 s pass).
    pub async fn settle(&self, container: &str, token: &str) -> Value {
        for _ in 0..100 {
            let (_, v, _) = self
                .get(
                    &self.graph(&format!("{container}?fields=status_code,status")),
                    token,
                )
                .await;
            if v["status_code"] != "IN_PROGRESS" {
                return v;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("container {container} stayed IN_PROGRESS");
    }
}

/// (code, subcode) of a Graph error body.
pub fn codes(v: &Value) -> (i64, Option<i64>) {
    (
        v["error"]["code"].as_i64().unwrap_or(0),
        v["error"]["error_subcode"].as_i64(),
    )
}

pub fn page_token(user: &Value, i: usize) -> String {
    user["pages"][i]["access_token"]
        .as_str()
        .unwrap_or("")
        .to_string()
}

pub fn page_id(user: &Value, i: usize) -> String {
    user["pages"][i]["id"].as_str().unwrap_or("").to_string()
}

pub fn ig_id(user: &Value) -> String {
    user["pages"][0]["instagram_business_account"]["id"]
        .as_str()
        .unwrap_or("")
        .to_string()
}
