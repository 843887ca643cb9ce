//! The publish engine: the actors that publish due posts on time, within Meta's limits,
//! exactly once (DESIGN.md, "Publishing" and "Actors").
//!
//! - [`Engine::start`] starts, per node, a Scheduler (claims due posts under the node's
//!   tenant leases, fairly across tenants) and a Registry (tenant → TenantSupervisor,
//!   started on demand, retired when idle).
//! - Each TenantSupervisor owns the tenant's RateLimiter, TokenRefresher and one
//!   AccountPublisher per account; an AccountPublisher drives the adapter's `Publisher`
//!   one step at a time, persisting each step before the next, and reconciles a post found
//!   in flight before acting on it again.
//!
//! Business rules live in [`rules`] and the rate limiter's arithmetic in [`limiter`], as
//! plain functions; the actors only carry them out. Database work runs on tokio's blocking
//! pool, never on the async workers. The outbox events written here are delivered by the
//! webhook dispatcher, which is not part of the engine.

mod account;
mod context;
mod deps;
mod drive;
mod failpoint;
mod handle;
pub mod limiter;
mod messages;
mod persist;
mod refresher;
mod registry;
pub mod rules;
mod scheduler;
mod shared;
mod supervisor;

pub use deps::{
    refresh_due, EngineDeps, EngineLimits, SpecBuilder, StoredSpec, TokenCheck, TokenChecker,
    TokenToCheck, REFRESH_AHEAD,
};
pub use drive::MAX_STEPS_PER_RUN;
pub use handle::{Engine, EngineHandle, EngineHealth};
pub use limiter::{AppBudget, LimiterSettings, RateLimiter};
pub use shared::DbError;
