//! `/metrics` in Prometheus's text format, and the middleware that counts every HTTP
//! request by its matched route pattern (never the raw path, which holds ids).

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{get, web, HttpResponse};
use herald_platform::metrics::Metrics;

#[get("/metrics")]
pub async fn render_metrics(
    metrics: Option<web::Data<Metrics>>,
    parts: web::Data<crate::server::Parts>,
) -> HttpResponse {
    let Some(metrics) = metrics else {
        return HttpResponse::NotFound().finish();
    };
    // Refreshes the readiness and pool gauges before they are read.
    let parts = parts.into_inner();
    let _ = web::block(move || parts.readiness_problems()).await;
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(metrics.render())
}

/// Records the request's route pattern, method, status class and duration.
pub async fn record_http(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let recorder = req.app_data::<web::Data<Metrics>>().cloned();
    let method = req.method().as_str().to_owned();
    let response = next.call(req).await?;
    if let Some(metrics) = recorder {
        let route = response.request().match_pattern();
        metrics.http_request(
            route.as_deref(),
            &method,
            response.status().as_u16(),
            started.elapsed(),
        );
    }
    Ok(response)
}
