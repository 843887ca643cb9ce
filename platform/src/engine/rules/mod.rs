//! The publish engine's business rules as plain functions: the next state after a step,
//! an error or a reconciliation; retry backoff with jitter; fairness between tenants; and
//! the timeline's wording. Actors call these; tests call them without a running system.

pub mod backoff;
pub mod decide;
pub mod fair;
pub mod words;

pub use decide::{CheckpointChange, Decision, Facts, Notify, Then};
