//! The dashboard's static files, compiled into the binary: one stylesheet and one small
//! script for live updates and caption counts. Nothing is loaded from another host.

use actix_web::http::header;
use actix_web::{get, web, HttpResponse};

const APP_CSS: &str = include_str!("../../static/app.css");
const LIVE_JS: &str = include_str!("../../static/live.js");

fn asset(content_type: &str, body: &'static str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .body(body)
}

#[get("/static/app.css")]
async fn app_css() -> HttpResponse {
    asset("text/css; charset=utf-8", APP_CSS)
}

#[get("/static/live.js")]
async fn live_js() -> HttpResponse {
    asset("text/javascript; charset=utf-8", LIVE_JS)
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(app_css).service(live_js);
}
