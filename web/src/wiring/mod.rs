//! Wires the adapters into the platform: builds the store, vault, metrics, Graph client,
//! publishers, engine, webhook dispatcher and the business services, and hands the web
//! layer one [`AppState`]. The only place that knows every crate.

pub mod gauges;
pub mod token_checker;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use actix::{Actor, Addr};
use anyhow::Context;
use herald_facebook::{FacebookConfig, FacebookPublisher};
use herald_graph::{GraphClient, GraphConfig};
use herald_instagram::{InstagramConfig, InstagramPublisher};
use herald_platform::clock::{SharedClock, SystemClock};
use herald_platform::domain::Network;
use herald_platform::engine::{Engine, EngineDeps, EngineHandle, EngineLimits, StoredSpec};
use herald_platform::ids::NodeId;
use herald_platform::media::{MediaStorage, MediaUrlSigner};
use herald_platform::metrics::Metrics;
use herald_platform::publish::{Limits, Publisher};
use herald_platform::secret::Secret;
use herald_platform::store::Store;
use herald_platform::vault::Keyring;
use herald_platform::webhooks::{Dispatcher, WebhookDispatcher};
use herald_sandbox::{Sandbox, SandboxConfig};

use crate::config::Settings;
use crate::meta_webhooks::MetaInbound;
use crate::outbound::{AddressPolicy, OutboundClient};
use crate::server::AppState;
use crate::services::context::DEFAULT_MAX_MEDIA_BYTES;
use crate::services::Services;
use token_checker::GraphTokenChecker;

/// Per-attempt timeout for calls Herald makes to clients' servers and media hosts.
pub const OUTBOUND_TIMEOUT: Duration = Duration::from_secs(15);

/// A running node's parts.
pub struct Node {
    pub state: AppState,
    pub sandbox: Option<Sandbox>,
    pub engine: EngineHandle,
    pub dispatcher: Addr<WebhookDispatcher>,
    pub metrics: Metrics,
    pub graph: GraphClient,
}

/// Builds every part of a node. Must run inside an actix system.
pub async fn assemble(settings: Settings, store: Store, keyring: Keyring) -> anyhow::Result<Node> {
    let clock: SharedClock = Arc::new(SystemClock);
    let metrics = Metrics::new(
        env!("CARGO_PKG_VERSION"),
        option_env!("HERALD_GIT_SHA").unwrap_or("unknown"),
    );
    let keyring = Arc::new(keyring);

    // Meta: the real hosts, or the sandbox mounted in this server.
    let local = local_base(settings.listen);
    let (graph_config, sandbox) = match (&settings.sandbox_url, settings.sandbox) {
        (Some(url), _) => {
            let defaults = SandboxConfig::default();
            let graph = GraphConfig::for_sandbox(url)?.with_app(
                defaults.app_id.clone(),
                Secret::new(defaults.app_secret.clone()),
            );
            (graph, None)
        }
        (None, true) => {
            let sandbox_config = SandboxConfig {
                public_base_url: format!("{local}/sandbox"),
                allowed_redirect_uris: vec![
                    format!("{}/oauth/facebook/callback", settings.public_url),
                    format!("{}/oauth/instagram/callback", settings.public_url),
                ],
                ..SandboxConfig::default()
            };
            let mut graph = GraphConfig::for_sandbox(&format!("{local}/sandbox"))?.with_app(
                sandbox_config.app_id.clone(),
                Secret::new(sandbox_config.app_secret.clone()),
            );
            // The login dialog is opened by the client's browser: use the public address.
            graph.facebook_www_base = format!("{}/sandbox/www", settings.public_url).parse()?;
            graph.ig_www_base = format!("{}/sandbox/ig-www", settings.public_url).parse()?;
            (graph, Some(Sandbox::new(sandbox_config)))
        }
        (None, false) => {
            let app = settings
                .meta_app
                .clone()
                .context("a Meta app is required without the sandbox")?;
            (GraphConfig::meta(app.app_id, app.app_secret), None)
        }
    };
    let graph_config = graph_config.with_version(settings.meta_api_version.clone());
    let app_secret = graph_config.app_secret.clone();
    let graph = GraphClient::new(graph_config)
        .context("cannot build the Graph HTTP client")?
        .with_metrics(metrics.clone());

    let mut publishers: HashMap<Network, Arc<dyn Publisher>> = HashMap::new();
    publishers.insert(
        Network::Facebook,
        Arc::new(FacebookPublisher::new(
            graph.clone(),
            FacebookConfig::default(),
        )),
    );
    publishers.insert(
        Network::Instagram,
        Arc::new(InstagramPublisher::new(
            graph.clone(),
            InstagramConfig::default(),
        )),
    );

    let engine = Engine::start(EngineDeps {
        store: store.clone(),
        keyring: (*keyring).clone(),
        publishers: publishers.clone(),
        clock: clock.clone(),
        node_id: NodeId::new(),
        metrics: metrics.clone(),
        limits: EngineLimits {
            lease_term: Duration::from_secs(settings.lease_seconds),
            ..EngineLimits::default()
        },
        spec_builder: Arc::new(StoredSpec),
        token_checker: Some(Arc::new(GraphTokenChecker {
            client: graph.clone(),
            clock: clock.clone(),
        })),
    })
    .await
    .map_err(|err| anyhow::anyhow!("the publish engine could not start: {err}"))?;

    // Loopback targets are allowed only where the sandbox plays Meta on this machine.
    let policy = if settings.sandbox {
        AddressPolicy::allow_loopback()
    } else {
        AddressPolicy::strict()
    };
    let outbound = OutboundClient::new(policy, OUTBOUND_TIMEOUT)?;
    let dispatcher = WebhookDispatcher::new(Dispatcher {
        store: store.clone(),
        keyring: keyring.clone(),
        transport: Arc::new(outbound.clone()),
        clock: clock.clone(),
        metrics: Some(metrics.clone()),
    })
    .start();

    let engine_for_wake = engine.clone();
    let dispatcher_for_wake = dispatcher.clone();
    let services = Services {
        store: store.clone(),
        keyring: keyring.clone(),
        clock: clock.clone(),
        public_url: settings.public_url.clone(),
        publishers: Arc::new(publishers),
        limits: Limits::default(),
        media_storage: MediaStorage::new(&settings.data_dir),
        media_signer: MediaUrlSigner::new(keyring.derive("herald media url signing v1")),
        max_media_bytes: DEFAULT_MAX_MEDIA_BYTES,
        outbound,
        wake_engine: Arc::new(move || engine_for_wake.wake()),
        wake_dispatcher: Arc::new(move || {
            dispatcher_for_wake.do_send(herald_platform::webhooks::RunNow)
        }),
    };
    let meta_inbound = MetaInbound {
        app_secret,
        verify_token: keyring.derive("herald meta webhook verify token v1"),
    };

    gauges::spawn(store.clone(), metrics.clone(), clock.clone());

    let state = AppState {
        settings: Arc::new(settings),
        services: Some(Arc::new(services)),
        meta_inbound: Some(Arc::new(meta_inbound)),
    };
    Ok(Node {
        state,
        sandbox,
        engine,
        dispatcher,
        metrics,
        graph,
    })
}

/// How this process reaches itself: the listen address, with an unspecified IP replaced
/// by loopback.
fn local_base(listen: SocketAddr) -> String {
    let ip = if listen.ip().is_unspecified() {
        match listen {
            SocketAddr::V4(_) => "127.0.0.1".to_owned(),
            SocketAddr::V6(_) => "[::1]".to_owned(),
        }
    } else {
        match listen {
            SocketAddr::V4(v4) => v4.ip().to_string(),
            SocketAddr::V6(v6) => format!("[{}]", v6.ip()),
        }
    };
    format!("http://{ip}:{}", listen.port())
}
