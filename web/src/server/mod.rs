//! The HTTP server: shared state and the route table.

use std::sync::Arc;

use actix::Addr;
use actix_web::{web, App, HttpServer};
use herald_platform::engine::EngineHandle;
use herald_platform::metrics::Metrics;
use herald_platform::store::Store;
use herald_platform::webhooks::WebhookDispatcher;

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

/// The node's running parts that the web layer watches or shares but that handlers do not
/// reach through [`AppState`]: each is registered as its own `web::Data`.
#[derive(Clone, Default)]
pub struct Parts {
    pub sandbox: Option<herald_sandbox::Sandbox>,
    pub store: Option<Store>,
    pub metrics: Option<Metrics>,
    pub engine: Option<EngineHandle>,
    pub dispatcher: Option<Addr<WebhookDispatcher>>,
    pub graph: Option<herald_graph::GraphClient>,
}

impl Parts {
    /// Everything that keeps the node from being ready, in words for an operator.
    /// Empty when ready. Blocking: call from a blocking pool.
    pub fn readiness_problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        match &self.store {
            None => problems.push("no database is configured".to_owned()),
            Some(store) => match store.conn() {
                Err(err) => problems.push(format!("the database does not answer: {err}")),
                Ok(_) if !store.migrations_current() => {
                    problems.push("database migrations are not current".to_owned())
                }
                Ok(_) => {}
            },
        }
        match &self.engine {
            None => problems.push("the publish engine is not running".to_owned()),
            Some(engine) if !engine.health().scheduler_alive => {
                problems.push("the scheduler is not running".to_owned())
            }
            Some(_) => {}
        }
        if !self.dispatcher.as_ref().is_some_and(Addr::connected) {
            problems.push("the webhook dispatcher is not running".to_owned());
        }
        if let Some(metrics) = &self.metrics {
            metrics.set_ready(problems.is_empty());
            if let Some(store) = &self.store {
                let (idle, in_use, max) = store.pool_state();
                metrics.set_db_pool(idle, in_use, max);
            }
        }
        problems
    }
}

/// Registers every route. Used by `serve` and by tests that start the app in-process.
pub fn configure(cfg: &mut web::ServiceConfig, parts: &Parts) {
    cfg.app_data(web::Data::new(parts.clone()));
    if let Some(graph) = &parts.graph {
        cfg.app_data(web::Data::new(graph.clone()));
    }
    if let Some(metrics) = &parts.metrics {
        cfg.app_data(web::Data::new(metrics.clone()));
    }
    cfg.service(routes::health::livez)
        .service(routes::health::readyz)
        .service(routes::metrics::render_metrics);
    if let Some(sandbox) = &parts.sandbox {
        let sandbox = sandbox.clone();
        cfg.service(web::scope("/sandbox").configure(move |c| sandbox.configure(c)));
    }
    cfg.configure(crate::api::configure)
        .configure(crate::meta_webhooks::configure)
        .configure(crate::auth::configure)
        .configure(crate::oauth::configure)
        .configure(crate::dashboard::configure);
}

/// Serves on an already bound listener and returns the running server with its address.
/// Binding first (before any actor starts) lets a taken port fail cleanly.
pub fn start(
    state: AppState,
    parts: Parts,
    listener: std::net::TcpListener,
) -> std::io::Result<(actix_web::dev::Server, std::net::SocketAddr)> {
    let addr = listener.local_addr()?;
    let data = web::Data::new(state);
    let server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .wrap(actix_web::middleware::from_fn(routes::metrics::record_http))
            .configure(|cfg| configure(cfg, &parts))
    })
    .listen(listener)?;
    Ok((server.run(), addr))
}
