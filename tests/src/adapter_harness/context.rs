//! An in-memory `StepContext`: keeps every saved checkpoint, counts Graph calls per
//! endpoint, records usage reports, and tells time from a clock the test moves forward.

use std::sync::Mutex;

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use herald_platform::clock::{Clock, OffsetClock};
use herald_platform::publish::{BudgetReport, Checkpoint, PublishError, StepContext};

/// The engine's side of a step, as a test sees it.
#[derive(Default)]
pub struct TestContext {
    clock: OffsetClock,
    saved: Mutex<Vec<Checkpoint>>,
    calls: Mutex<Vec<(String, String)>>,
    usage: Mutex<Vec<(String, BudgetReport)>>,
}

impl TestContext {
    pub fn new() -> Self {
        Self::default()
    }

    /// Moves this context's clock forward (the sandbox's clock is moved separately).
    pub fn advance(&self, by: Duration) {
        self.clock.advance(by);
    }

    /// Every checkpoint saved, in order.
    pub fn saved(&self) -> Vec<Checkpoint> {
        self.saved.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// Every Graph call announced through `before_call`: `(object id, endpoint)`.
    pub fn calls(&self) -> Vec<(String, String)> {
        self.calls.lock().map(|c| c.clone()).unwrap_or_default()
    }

    pub fn call_count(&self) -> usize {
        self.calls().len()
    }

    pub fn calls_to(&self, endpoint: &str) -> usize {
        self.calls().iter().filter(|(_, e)| e == endpoint).count()
    }

    pub fn usage_reports(&self) -> Vec<(String, BudgetReport)> {
        self.usage.lock().map(|u| u.clone()).unwrap_or_default()
    }
}

#[async_trait]
impl StepContext for TestContext {
    async fn save(&self, checkpoint: &Checkpoint) -> Result<(), PublishError> {
        if let Ok(mut saved) = self.saved.lock() {
            saved.push(checkpoint.clone());
        }
        Ok(())
    }

    async fn before_call(&self, object_id: &str, endpoint: &str) -> Result<(), PublishError> {
        if let Ok(mut calls) = self.calls.lock() {
            calls.push((object_id.to_owned(), endpoint.to_owned()));
        }
        Ok(())
    }

    fn usage(&self, object_id: &str, report: BudgetReport) {
        if let Ok(mut usage) = self.usage.lock() {
            usage.push((object_id.to_owned(), report));
        }
    }

    fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }
}
