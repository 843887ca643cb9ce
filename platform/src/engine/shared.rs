//! What every actor of the engine shares, and the one way they touch the database: on
//! tokio's blocking pool, never on an async worker.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};

use super::deps::{EngineDeps, EngineLimits, SpecBuilder, TokenChecker};
use super::limiter::AppBudget;
use crate::clock::SharedClock;
use crate::domain::Network;
use crate::ids::{NodeId, PostId};
use crate::metrics::{ActorKind, Metrics};
use crate::publish::Publisher;
use crate::store::{DbConnection, Store, StoreError};
use crate::vault::Keyring;

/// Why engine work on the database failed.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the blocking pool dropped the job: {0}")]
    Join(String),
}

/// Tries of a database write before the engine gives up on it for now.
const DB_ATTEMPTS: u32 = 6;
/// The first pause between two tries; it doubles each time.
const DB_RETRY_FIRST_WAIT: std::time::Duration = std::time::Duration::from_millis(10);

pub(crate) struct Shared {
    pub store: Store,
    pub keyring: Keyring,
    pub publishers: HashMap<Network, Arc<dyn Publisher>>,
    pub clock: SharedClock,
    pub node: NodeId,
    pub metrics: Metrics,
    pub limits: EngineLimits,
    pub spec_builder: Arc<dyn SpecBuilder>,
    pub token_checker: Option<Arc<dyn TokenChecker>>,
    pub app_budget: Arc<AppBudget>,
    /// Posts this process parked cleanly (waiting on Meta): picking one up again needs no
    /// reconciliation. Anything in flight and not in here was interrupted.
    parked: Mutex<HashSet<PostId>>,
    live_actors: AtomicI64,
}

impl Shared {
    pub fn new(deps: EngineDeps) -> Arc<Self> {
        Arc::new(Self {
            store: deps.store,
            keyring: deps.keyring,
            publishers: deps.publishers,
            clock: deps.clock,
            node: deps.node_id,
            metrics: deps.metrics,
            limits: deps.limits,
            spec_builder: deps.spec_builder,
            token_checker: deps.token_checker,
            app_budget: Arc::default(),
            parked: Mutex::new(HashSet::new()),
            live_actors: AtomicI64::new(0),
        })
    }

    /// Runs `job` with a pooled connection on the blocking pool.
    pub async fn db<T, F>(self: &Arc<Self>, job: F) -> Result<T, DbError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConnection, &Shared) -> Result<T, StoreError> + Send + 'static,
    {
        let shared = Arc::clone(self);
        tokio::task::spawn_blocking(move || {
            let mut conn = shared.store.conn()?;
            job(&mut conn, &shared)
        })
        .await
        .map_err(|err| DbError::Join(err.to_string()))?
        .map_err(DbError::Store)
    }

    /// Like [`Shared::db`], retrying a few times when the database was busy or briefly
    /// unavailable (SQLite answers "locked" at once when two writers meet). Conflicts and
    /// other refusals are not retried.
    pub async fn db_retry<T, F>(self: &Arc<Self>, job: F) -> Result<T, DbError>
    where
        T: Send + 'static,
        F: Fn(&mut DbConnection, &Shared) -> Result<T, StoreError> + Send + Sync + 'static,
    {
        let job = Arc::new(job);
        let mut wait = DB_RETRY_FIRST_WAIT;
        for _ in 1..DB_ATTEMPTS {
            let attempt = job.clone();
            match self.db(move |conn, shared| attempt(conn, shared)).await {
                Err(DbError::Store(StoreError::Database(_) | StoreError::Unavailable(_))) => {
                    tokio::time::sleep(wait).await;
                    wait *= 2;
                }
                other => return other,
            }
        }
        self.db(move |conn, shared| job(conn, shared)).await
    }

    pub fn park(&self, post: PostId) {
        lock(&self.parked).insert(post);
    }

    /// Whether `post` was parked cleanly by this process; forgets it either way.
    pub fn take_parked(&self, post: PostId) -> bool {
        lock(&self.parked).remove(&post)
    }

    pub fn actor_started(&self, kind: ActorKind) {
        self.live_actors.fetch_add(1, Ordering::Relaxed);
        self.metrics.actor_started(kind);
    }

    pub fn actor_stopped(&self, kind: ActorKind) {
        self.live_actors.fetch_sub(1, Ordering::Relaxed);
        self.metrics.actor_stopped(kind);
    }

    pub fn live_actors(&self) -> i64 {
        self.live_actors.load(Ordering::Relaxed)
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
