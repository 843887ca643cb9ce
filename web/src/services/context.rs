//! [`Services`]: what the business operations need, built once at start and shared by
//! the REST API and the dashboard.

use std::collections::HashMap;
use std::sync::Arc;

use herald_platform::clock::SharedClock;
use herald_platform::domain::Network;
use herald_platform::media::{MediaStorage, MediaUrlSigner};
use herald_platform::publish::{Limits, Publisher};
use herald_platform::store::transaction_api::transaction;
use herald_platform::store::{DbConnection, Store};
use herald_platform::vault::Keyring;

use super::ServiceResult;
use crate::outbound::OutboundClient;

/// Nudges a background worker (the engine's scheduler, the webhook dispatcher) to look
/// for work now instead of at its next tick.
pub type Waker = Arc<dyn Fn() + Send + Sync>;

/// A waker that does nothing (tests that drive workers by hand).
pub fn no_wake() -> Waker {
    Arc::new(|| {})
}

/// Everything the services use. Cheap to clone.
#[derive(Clone)]
pub struct Services {
    pub store: Store,
    pub keyring: Arc<Keyring>,
    pub clock: SharedClock,
    /// Herald's public base URL, without a trailing slash.
    pub public_url: String,
    pub publishers: Arc<HashMap<Network, Arc<dyn Publisher>>>,
    pub limits: Limits,
    pub media_storage: MediaStorage,
    pub media_signer: MediaUrlSigner,
    /// Largest media file accepted, in bytes.
    pub max_media_bytes: u64,
    pub outbound: OutboundClient,
    pub wake_engine: Waker,
    pub wake_dispatcher: Waker,
}

impl std::fmt::Debug for Services {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Services")
            .field("public_url", &self.public_url)
            .finish_non_exhaustive()
    }
}

/// Media larger than this is refused by default (Meta's own video limits are far above
/// what an API upload should carry through memory).
pub const DEFAULT_MAX_MEDIA_BYTES: u64 = 100 * 1024 * 1024;

impl Services {
    /// A pooled connection. Blocking.
    pub fn conn(&self) -> ServiceResult<herald_platform::store::PooledDb> {
        Ok(self.store.conn()?)
    }

    /// Runs `work` in one transaction. Blocking.
    pub fn transaction<T>(
        &self,
        work: impl FnOnce(&mut DbConnection) -> ServiceResult<T>,
    ) -> ServiceResult<T> {
        let mut conn = self.conn()?;
        transaction(&mut conn, work)
    }
}
