//! `herald serve`: the server, with the Meta sandbox mounted in-process unless a real
//! Meta app is configured.

use std::time::Duration;

use anyhow::Context;

use crate::commands::bootstrap;
use crate::config::Settings;
use crate::server::{self, Parts};
use crate::wiring;

/// How long in-flight publishing steps get to finish at shutdown.
pub const SHUTDOWN_DEADLINE: Duration = Duration::from_secs(10);

pub fn run(settings: Settings) -> anyhow::Result<()> {
    let listener = std::net::TcpListener::bind(settings.listen)
        .with_context(|| format!("cannot listen on {} (HERALD_LISTEN)", settings.listen))?;
    let store = bootstrap::open_store(&settings)?;
    let _sqlite_lock = bootstrap::lock_sqlite(&settings)?;
    let applied = store.migrate()?;
    if !applied.is_empty() {
        tracing::info!(migrations.applied = applied.len(), "database migrated");
    }
    let keyring = bootstrap::load_keyring(&settings)?;
    bootstrap::check_keyring_covers_store(&store, &keyring, &settings)?;

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
        let (server, addr) = server::start(node.state.clone(), parts, listener)?;
        let running = actix_rt::spawn(server);
        announce(&node.state.settings, addr);
        if node.state.settings.demo {
            seed_demo(&node, addr).await?;
        }

        running.await??;
        node.engine.shutdown(SHUTDOWN_DEADLINE).await;
        Ok(())
    })
}

async fn seed_demo(node: &wiring::Node, addr: std::net::SocketAddr) -> anyhow::Result<()> {
    let settings = &node.state.settings;
    let Some(services) = node.state.services.as_deref() else {
        anyhow::bail!("--demo needs the services");
    };
    if !settings.sandbox {
        anyhow::bail!("--demo only runs in sandbox mode: it would publish to real accounts");
    }
    let sandbox_base = settings
        .sandbox_url
        .clone()
        .unwrap_or_else(|| format!("http://{addr}/sandbox"));
    let login = crate::demo::seed(services, &sandbox_base, settings.demo_tenants).await?;
    println!(
        "Demo agency: log in at {}/login as {} / {}",
        settings.public_url, login.email, login.password
    );
    if let Some(key) = login.api_key {
        println!("Demo API key (shown once): {}", key.expose());
        println!(
            "Four demo posts are due over the next four minutes; watch them at {}/timeline",
            settings.public_url
        );
    }
    Ok(())
}

fn announce(settings: &Settings, addr: std::net::SocketAddr) {
    tracing::info!(http.address = %addr, "Herald listening");
    println!(
        "Herald is running: dashboard at {}/ (listening on {addr})",
        settings.public_url
    );
    if settings.sandbox {
        let sandbox = settings
            .sandbox_url
            .clone()
            .unwrap_or_else(|| format!("{}/sandbox", settings.public_url));
        println!(
            "Meta is in SANDBOX mode: nothing reaches Facebook or Instagram. \
             The sandbox is at {sandbox}"
        );
    }
}
