//! The guarded DNS resolver. Checking a URL's host name before sending is not enough: a
//! name can resolve to a public address when checked and to 169.254.169.254 when
//! connected (DNS rebinding). So the check happens here, inside the connector's resolver:
//! the client connects only to the addresses this resolver hands it, and it hands over
//! only allowed ones.

use std::future::Future;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::Arc;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

use super::policy::AddressPolicy;

/// Looks a host name up; the system resolver in production, a table in tests.
pub type LookupFn = Arc<
    dyn Fn(String) -> Pin<Box<dyn Future<Output = io::Result<Vec<IpAddr>>> + Send>> + Send + Sync,
>;

/// The system resolver (getaddrinfo through tokio).
pub fn system_lookup() -> LookupFn {
    Arc::new(|host: String| {
        Box::pin(async move {
            let addrs = tokio::net::lookup_host((host.as_str(), 0)).await?;
            Ok(addrs.map(|a| a.ip()).collect())
        })
    })
}

/// A name whose every address is refused.
#[derive(Debug, thiserror::Error)]
#[error("`{host}` resolves only to refused addresses ({reason})")]
pub struct RefusedName {
    pub host: String,
    pub reason: &'static str,
}

/// A resolver that drops refused addresses, and fails when none is left.
#[derive(Clone)]
pub struct GuardedResolver {
    policy: Arc<AddressPolicy>,
    lookup: LookupFn,
}

impl GuardedResolver {
    pub fn new(policy: Arc<AddressPolicy>, lookup: LookupFn) -> Self {
        Self { policy, lookup }
    }

    /// The allowed addresses of `host`, or why there are none.
    pub async fn allowed_addrs(
        &self,
        host: &str,
    ) -> Result<Vec<IpAddr>, Box<dyn std::error::Error + Send + Sync>> {
        let found = (self.lookup)(host.to_owned()).await?;
        let mut refusal = "no address";
        let allowed: Vec<IpAddr> = found
            .into_iter()
            .filter(|ip| match self.policy.check(*ip) {
                Ok(()) => true,
                Err(reason) => {
                    refusal = reason;
                    false
                }
            })
            .collect();
        if allowed.is_empty() {
            return Err(Box::new(RefusedName {
                host: host.to_owned(),
                reason: refusal,
            }));
        }
        Ok(allowed)
    }
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let this = self.clone();
        Box::pin(async move {
            let addrs = this.allowed_addrs(name.as_str()).await?;
            let addrs: Addrs = Box::new(addrs.into_iter().map(|ip| SocketAddr::new(ip, 0)));
            Ok(addrs)
        })
    }
}
