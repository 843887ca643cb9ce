//! `herald serve`: the server, with the Meta sandbox mounted in-process unless a real
//! Meta app is configured.

use std::time::Duration;

use crate::commands::bootstrap;
use crate::config::Settings;
use crate::server::{self, Parts};
use crate::wiring;

/// How long in-flight publishing steps get to finish at shutdown.
pub const SHUTDOWN_DEADLINE: Duration = Duration::from_secs(10);

pub fn run(settings: Settings) -> anyhow::Result<()> {
    let store = bootstrap::open_store(&settings)?;
    let applied = store.migrate()?;
    if !applied.is_empty() {
        tracing::info!(migrations.applied = applied.len(), "database migrated");
    }
    let keyring = bootstrap::load_keyring(&settings)?;

    actix_rt::System::new().block_on(async move {
        let node = wiring::assemble(settings, store.clone(), keyring).await?;
        let parts = Parts {
            sandbox: node.sandbox.clone(),
            store: Some(store),
            metrics: node.state.services.as_ref().map(|_| node.metrics.clone()),
            engine: Some(node.engine.clone()),
            dispatcher: Some(node.dispatcher.clone()),
            graph: Some(node.graph.clone()),
        };
        let (server, addr) = server::start(node.state.clone(), parts)?;
        announce(&node.state.settings, addr);

        server.await?;
        node.engine.shutdown(SHUTDOWN_DEADLINE).await;
        Ok(())
    })
}

fn announce(settings: &Settings, addr: std::net::SocketAddr) {
    tracing::info!(http.address = %addr, "Herald listening");
    println!("Herald is running: dashboard at {}/ (listening on {addr})", settings.public_url);
    if settings.sandbox {
        println!(
            "Meta is in SANDBOX mode: nothing reaches Facebook or Instagram. The sandbox is at {}/sandbox",
            settings.public_url
        );
    }
}
