//! The contract between the publish engine and the network adapters.
//!
//! An adapter implements [`Publisher`]; the engine drives it one step at a time, persisting
//! the adapter's [`Checkpoint`] between steps, so a publish resumes where it stopped after a
//! crash and an unknown outcome is reconciled before anything is sent again.

mod error;
mod publisher;
mod usage;
mod validation;

pub use error::{GraphErrorInfo, PublishError, Verdict};
pub use publisher::{
    Checkpoint, Phase, PublishTarget, Publisher, Reconciled, StepContext, StepOutcome, TokenHost,
};
pub use usage::{BudgetReport, BudgetScope, UsageFigure};
pub use validation::{Limits, Violation};
