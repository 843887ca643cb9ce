//! Runs a publish the way the engine does: step after step, following `WaitUntil` by
//! moving both clocks forward instead of sleeping.

use herald_platform::domain::PostSpec;
use herald_platform::publish::{
    Checkpoint, PublishError, PublishTarget, Publisher, StepContext, StepOutcome,
};

use super::{SandboxHandle, TestContext};

/// Steps a publish may take before a test calls it a loop.
const MAX_STEPS: usize = 60;

/// How a driven publish ended.
#[derive(Debug)]
pub struct Drive {
    pub outcome: Result<StepOutcome, PublishError>,
    pub checkpoint: Checkpoint,
    pub steps: usize,
    pub waits: usize,
}

impl Drive {
    /// The published object's id; panics with the error otherwise.
    pub fn published(&self) -> (String, Option<String>) {
        match &self.outcome {
            Ok(StepOutcome::Published {
                external_id,
                permalink,
            }) => (external_id.clone(), permalink.clone()),
            other => panic!("expected a published post, got {other:?}"),
        }
    }

    pub fn error(&self) -> &PublishError {
        match &self.outcome {
            Err(err) => err,
            other => panic!("expected an error, got {other:?}"),
        }
    }
}

/// Steps from `checkpoint` until the post is published or a step fails.
pub async fn drive(
    publisher: &dyn Publisher,
    ctx: &TestContext,
    sandbox: &SandboxHandle,
    target: &PublishTarget,
    spec: &PostSpec,
    mut checkpoint: Checkpoint,
) -> Drive {
    let mut waits = 0;
    for steps in 1..=MAX_STEPS {
        match publisher.step(ctx, target, spec, &mut checkpoint).await {
            Ok(StepOutcome::Continue { .. }) => {}
            Ok(StepOutcome::WaitUntil { at, .. }) => {
                waits += 1;
                sandbox.advance(ctx, at - ctx.now()).await;
            }
            outcome => {
                return Drive {
                    outcome,
                    checkpoint,
                    steps,
                    waits,
                }
            }
        }
    }
    panic!("the publish did not end within {MAX_STEPS} steps: {checkpoint:?}");
}
