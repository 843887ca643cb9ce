//! The HTTP server: shared state and the route table.

use std::sync::Arc;

use actix_web::{web, App, HttpServer};

use crate::config::Settings;
use crate::routes;

/// What every handler may use. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub settings: Arc<Settings>,
    /// The business operations the REST API and the dashboard share (`None` until serve
    /// builds them; the API then answers 503).
    pub services: Option<Arc<crate::services::Services>>,
    /// Meta's app secret and verify token for `/webhooks/meta` (`None`: those routes
    /// answer 404).
    pub meta_inbound: Option<Arc<crate::meta_webhooks::MetaInbound>>,
}

impl AppState {
    /// Everything that keeps the node from being ready, in words for an operator.
    /// Empty when ready. Blocking: call from a blocking pool.
    pub fn readiness_problems(&self) -> Vec<String> {
        Vec::new()
    }
}

/// Registers every route. Used by `serve` and by tests that start the app in-process.
pub fn configure(cfg: &mut web::ServiceConfig, sandbox: Option<&herald_sandbox::Sandbox>) {
    cfg.service(routes::health::livez).service(routes::health::readyz);
    if let Some(sandbox) = sandbox {
        let sandbox = sandbox.clone();
        cfg.service(web::scope("/sandbox").configure(move |c| sandbox.configure(c)));
    }
}

/// Binds the listener and returns the running server with its bound address.
pub fn start(
    state: AppState,
    sandbox: Option<herald_sandbox::Sandbox>,
) -> std::io::Result<(actix_web::dev::Server, std::net::SocketAddr)> {
    let listen = state.settings.listen;
    let data = web::Data::new(state);
    let server = HttpServer::new(move || {
        App::new().app_data(data.clone()).configure(|cfg| configure(cfg, sandbox.as_ref()))
    })
    .bind(listen)?;
    let addr = server.addrs().first().copied().unwrap_or(listen);
    Ok((server.run(), addr))
}
