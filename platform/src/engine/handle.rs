//! Starting and steering the engine: [`Engine::start`] returns an [`EngineHandle`] that the
//! web layer keeps (wake on post changes, health for `/readyz`, shutdown with a deadline)
//! and tests use to run due work now.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix::prelude::*;

use super::deps::EngineDeps;
use super::messages::{CountSupervisors, RunDueNow, Shutdown, Wake};
use super::registry::Registry;
use super::scheduler::Scheduler;
use super::shared::{DbError, Shared};
use crate::ids::{AccountId, NodeId, TenantId};
use crate::store::{claims, leases, Backend};

/// The publish engine of one node.
pub struct Engine;

/// What `/readyz` and the dashboard need to know about the engine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EngineHealth {
    pub scheduler_alive: bool,
    pub registry_alive: bool,
    /// Engine actors alive now (scheduler, registry, supervisors, limiters, refreshers,
    /// account publishers).
    pub live_actors: i64,
}

/// A running engine. Cheap to clone.
#[derive(Clone)]
pub struct EngineHandle {
    shared: Arc<Shared>,
    scheduler: Addr<Scheduler>,
    registry: Addr<Registry>,
    scheduler_alive: Arc<AtomicBool>,
}

impl Engine {
    /// Starts the engine's actors in the current actix system. First drops the claims this
    /// node made in an earlier life (on SQLite, every claim and lease: it is the only
    /// node), so interrupted posts are claimed and reconciled again.
    pub async fn start(deps: EngineDeps) -> Result<EngineHandle, DbError> {
        let shared = Shared::new(deps);
        let single_node = shared.store.backend() == Backend::Sqlite;
        let released = shared
            .db(move |conn, shared| claims::reset_at_start(conn, shared.node, single_node))
            .await?;
        tracing::info!(node.id = %shared.node, released, "publish engine starting");

        let scheduler_ctx = Context::<Scheduler>::new();
        let scheduler_addr = scheduler_ctx.address();
        let registry = Registry::new(shared.clone(), scheduler_addr.clone().recipient()).start();
        let alive = Arc::new(AtomicBool::new(false));
        let scheduler = scheduler_ctx.run(Scheduler::new(
            shared.clone(),
            registry.clone(),
            alive.clone(),
        ));
        Ok(EngineHandle {
            shared,
            scheduler,
            registry,
            scheduler_alive: alive,
        })
    }
}

impl EngineHandle {
    /// A post was created or changed: look for due work now.
    pub fn wake(&self) {
        self.scheduler.do_send(Wake);
    }

    /// Test hook: claims and hands out due work now, answering how many posts it claimed.
    pub async fn run_due_now(&self) -> usize {
        self.scheduler.send(RunDueNow).await.unwrap_or(0)
    }

    /// The client reconnected `account`: its deferred posts are due now.
    pub async fn account_reconnected(
        &self,
        tenant: TenantId,
        account: AccountId,
    ) -> Result<usize, DbError> {
        let resumed = self
            .shared
            .db(move |conn, shared| {
                claims::resume_account(conn, tenant, account, shared.clock.now())
            })
            .await?;
        self.wake();
        Ok(resumed)
    }

    pub fn health(&self) -> EngineHealth {
        EngineHealth {
            scheduler_alive: self.scheduler_alive.load(Ordering::SeqCst)
                && self.scheduler.connected(),
            registry_alive: self.registry.connected(),
            live_actors: self.shared.live_actors(),
        }
    }

    /// This node's id (the holder named in tenant leases).
    pub fn node_id(&self) -> NodeId {
        self.shared.node
    }

    /// Tenant supervisors alive now (memory follows active tenants).
    pub async fn live_tenants(&self) -> usize {
        self.registry.send(CountSupervisors).await.unwrap_or(0)
    }

    /// Stops claiming, lets runs in flight end until `deadline`, then gives up the node's
    /// leases. A run still going at the deadline is cut off when the system stops; its
    /// post is reconciled at the next start.
    pub async fn shutdown(&self, deadline: Duration) {
        let started = Instant::now();
        let _ = self.scheduler.send(Shutdown).await;
        let _ = self.registry.send(Shutdown).await;
        // Only the registry is left once every tenant's tree has stopped.
        while self.shared.live_actors() > 1 && started.elapsed() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let released = self
            .shared
            .db(|conn, shared| {
                for lease in leases::held_by(conn, shared.node, shared.clock.now())? {
                    leases::release(conn, lease.tenant_id, &lease.fence())?;
                }
                Ok(())
            })
            .await;
        if let Err(err) = released {
            tracing::warn!(error = %err, "could not give up the node's leases at shutdown");
        }
    }
}
