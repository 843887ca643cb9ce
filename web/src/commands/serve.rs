//! `herald serve`: the server, with the Meta sandbox mounted in-process unless a real
//! Meta app is configured.

use std::sync::Arc;

use herald_sandbox::{Sandbox, SandboxConfig};

use crate::config::Settings;
use crate::server::{self, AppState};

pub fn run(settings: Settings) -> anyhow::Result<()> {
    actix_rt::System::new().block_on(async move {
        let sandbox = settings.sandbox.then(|| {
            Sandbox::new(SandboxConfig {
                public_base_url: format!("{}/sandbox", settings.public_url),
                ..SandboxConfig::default()
            })
        });
        let state = AppState { settings: Arc::new(settings), services: None, meta_inbound: None };
        let (server, addr) = server::start(state.clone(), sandbox.clone())?;

        announce(&state.settings, addr);
        server.await?;
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
