//! `herald sandbox`: the Meta sandbox alone on its own address.

use herald_sandbox::SandboxConfig;

use crate::cli::SandboxArgs;

pub fn run(args: SandboxArgs) -> anyhow::Result<()> {
    actix_rt::System::new().block_on(async move {
        let config = SandboxConfig {
            public_base_url: format!("http://{}", args.listen),
            ..SandboxConfig::default()
        };
        let (server, addr) = herald_sandbox::serve(args.listen, config).await?;
        tracing::info!(sandbox.address = %addr, "Meta sandbox listening");
        println!("Meta sandbox listening on http://{addr} (control API at /_sandbox/)");
        server.await?;
        Ok(())
    })
}
