//! The Meta sandbox: a faithful stand-in for Facebook Login, the Graph API, the resumable
//! upload host, Instagram Login and Meta's webhooks, built from `META_API.md`.
//!
//! It plays every Meta host under its own path prefix (`/www`, `/graph`, `/rupload`,
//! `/ig-www`, `/ig-api`, `/ig-graph`) and offers a control API under `/_sandbox/` for tests
//! and demos. It really downloads and probes the media it is given, keeps its own clock, and
//! records every published object in a ledger.
//!
//! This crate must not depend on `herald-platform` or on any adapter: it reads the Meta
//! documentation on its own, so that a misreading in an adapter shows up as a failing test.

use std::net::SocketAddr;
use std::sync::Arc;

use actix_web::{middleware::from_fn, web, App, HttpServer};

mod catalogue;
mod clock;
mod containers;
mod control;
mod dialog;
mod errors;
mod events;
mod faults;
mod feed;
mod graph;
mod ig_publish;
mod instagram;
mod ledger;
mod media_probe;
mod middleware;
mod mp4_boxes;
mod oauth;
mod pages;
mod params;
mod reels;
mod rupload;
mod settings;
mod state;
mod tokens;
mod usage;
mod validate;
mod versions;
mod videos;
mod webhooks;

pub use errors::GraphError;
pub use ledger::LedgerEntry;
pub use settings::Settings;

use state::Shared;

/// Largest request body the sandbox accepts (a video chunk or a multipart photo).
const MAX_BODY_BYTES: usize = 512 * 1024 * 1024;

/// How the sandbox presents itself.
#[derive(Clone)]
pub struct SandboxConfig {
    /// Where the sandbox is reachable, mount point included, e.g.
    /// `http://127.0.0.1:8080/sandbox`; used to build `upload_url` and similar links.
    pub public_base_url: String,
    pub app_id: String,
    pub app_secret: String,
    /// Redirect URIs the login dialogs accept; empty accepts any loopback `http` URI.
    pub allowed_redirect_uris: Vec<String>,
    /// Fetch media and call webhooks only on loopback addresses (the default).
    pub loopback_only: bool,
}

impl std::fmt::Debug for SandboxConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SandboxConfig")
            .field("public_base_url", &self.public_base_url)
            .field("app_id", &self.app_id)
            .field("app_secret", &"<redacted>")
            .field("allowed_redirect_uris", &self.allowed_redirect_uris)
            .field("loopback_only", &self.loopback_only)
            .finish()
    }
}

impl Default for SandboxConfig {
    fn default() -> Self {
        SandboxConfig {
            public_base_url: "http://127.0.0.1:8080/sandbox".into(),
            app_id: "100000000000001".into(),
            app_secret: "sandbox-app-secret".into(),
            allowed_redirect_uris: Vec::new(),
            loopback_only: true,
        }
    }
}

/// The sandbox: cheap to clone, all clones share one world.
#[derive(Clone)]
pub struct Sandbox {
    shared: Arc<Shared>,
}

impl Sandbox {
    pub fn new(config: SandboxConfig) -> Sandbox {
        Sandbox {
            shared: Shared::new(config),
        }
    }

    /// The configuration the sandbox runs with.
    pub fn config(&self) -> &SandboxConfig {
        &self.shared.config
    }

    /// Registers every route relative to the mount point, e.g. inside
    /// `web::scope("/sandbox").configure(|c| sandbox.configure(c))`.
    pub fn configure(&self, cfg: &mut web::ServiceConfig) {
        let shared = self.shared.clone();
        let for_mw = self.shared.clone();
        cfg.service(
            web::scope("")
                .app_data(web::Data::from(shared))
                .app_data(web::PayloadConfig::new(MAX_BODY_BYTES))
                .app_data(web::JsonConfig::default().limit(1024 * 1024))
                .wrap(from_fn(move |req, next| {
                    middleware::layer(for_mw.clone(), req, next)
                }))
                .configure(dialog::routes)
                .configure(oauth::routes)
                .configure(rupload::routes)
                .configure(control::routes)
                .configure(graph::routes)
                .default_service(web::to(graph::unknown_path)),
        );
    }
}

/// Runs the sandbox alone on `listen` (port 0 picks a free port) and returns the server,
/// to be awaited or spawned, and the address it is bound to.
///
/// When `config.public_base_url` is empty, the default, or names port 0, it becomes
/// `http://{bound address}`.
pub async fn serve(
    listen: SocketAddr,
    mut config: SandboxConfig,
) -> std::io::Result<(actix_web::dev::Server, SocketAddr)> {
    let listener = std::net::TcpListener::bind(listen)?;
    let addr = listener.local_addr()?;
    let asked_port_zero = url::Url::parse(&config.public_base_url)
        .map(|u| u.port() == Some(0))
        .unwrap_or(false);
    if config.public_base_url.is_empty()
        || config.public_base_url == SandboxConfig::default().public_base_url
        || asked_port_zero
    {
        config.public_base_url = format!("http://{addr}");
    }
    let sandbox = Sandbox::new(config);
    let server = HttpServer::new(move || {
        let sandbox = sandbox.clone();
        App::new().configure(move |c| sandbox.configure(c))
    })
    .workers(2)
    .listen(listener)?
    .run();
    Ok((server, addr))
}

#[cfg(test)]
mod tests {
    use super::SandboxConfig;

    #[test]
    fn debug_output_hides_the_app_secret() {
        let shown = format!("{:?}", SandboxConfig::default());
        assert!(!shown.contains("sandbox-app-secret"), "{shown}");
        assert!(shown.contains("100000000000001"));
    }
}
