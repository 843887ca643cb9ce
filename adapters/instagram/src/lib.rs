//! Herald's Instagram publisher: image (alt text, user tags, location), reel (cover or
//! thumbnail offset, share to feed), carousel of 2–10 mixed items (collaborators and
//! location on the parent only) and story, on the Facebook Login host or the Instagram
//! Login host, as persisted steps: create containers, wait for Meta to process them, publish
//! once. A `PUBLISHED` container is never published again; an `EXPIRED` or broken one is
//! recreated.
//!
//! Depends on `herald-graph` and the platform only.

// `PublishError` is the platform contract's error type, returned as is by every step.
#![allow(clippy::result_large_err)]

mod checkpoint;
mod params;
mod poll;
mod reconcile;
mod step;
mod validate;

use async_trait::async_trait;
use chrono::Duration;
use herald_graph::{GraphClient, Host, Session};
use herald_platform::domain::{Network, PostSpec};
use herald_platform::publish::Limits;
use herald_platform::publish::{
    Checkpoint, PublishError, PublishTarget, Publisher, Reconciled, StepContext, StepOutcome,
    TokenHost, Violation,
};

pub use checkpoint::IgCheckpoint;
pub use poll::PollSchedule;
pub use validate::validate;

/// The Instagram adapter's settings.
#[derive(Debug, Clone)]
pub struct InstagramConfig {
    pub poll: PollSchedule,
    /// Containers recreated (expired or broken) before the post fails.
    pub max_recreate: u32,
    /// How long after sending `media_publish` a still-`FINISHED` container is taken as
    /// "not published" rather than "publish still under way".
    pub publish_grace: Duration,
}

impl Default for InstagramConfig {
    fn default() -> Self {
        Self {
            poll: PollSchedule::default(),
            max_recreate: 3,
            publish_grace: Duration::seconds(30),
        }
    }
}

/// Publishes to Instagram professional accounts.
#[derive(Debug, Clone)]
pub struct InstagramPublisher {
    client: GraphClient,
    config: InstagramConfig,
}

impl InstagramPublisher {
    pub fn new(client: GraphClient, config: InstagramConfig) -> Self {
        Self { client, config }
    }

    fn session<'a>(&'a self, ctx: &'a dyn StepContext, target: &'a PublishTarget) -> Session<'a> {
        let (host, permission) = match target.host {
            TokenHost::FacebookLogin => (Host::Graph, "instagram_content_publish"),
            TokenHost::InstagramLogin => (Host::IgGraph, "instagram_business_content_publish"),
        };
        Session::new(
            &self.client,
            ctx,
            &target.external_id,
            &target.access_token,
            host,
        )
        .with_permission_hint(permission)
    }
}

#[async_trait]
impl Publisher for InstagramPublisher {
    fn network(&self) -> Network {
        Network::Instagram
    }

    fn validate(&self, spec: &PostSpec, limits: &Limits) -> Result<(), Vec<Violation>> {
        let violations = validate(spec, limits);
        if violations.is_empty() {
            Ok(())
        } else {
            Err(violations)
        }
    }

    async fn step(
        &self,
        ctx: &dyn StepContext,
        target: &PublishTarget,
        spec: &PostSpec,
        checkpoint: &mut Checkpoint,
    ) -> Result<StepOutcome, PublishError> {
        step::run(self, &self.session(ctx, target), spec, checkpoint).await
    }

    async fn reconcile(
        &self,
        ctx: &dyn StepContext,
        target: &PublishTarget,
        spec: &PostSpec,
        checkpoint: &Checkpoint,
    ) -> Result<Reconciled, PublishError> {
        let state = step::read(checkpoint)?;
        reconcile::reconcile(self, &self.session(ctx, target), spec, &state).await
    }

    async fn permalink(
        &self,
        ctx: &dyn StepContext,
        target: &PublishTarget,
        external_id: &str,
    ) -> Result<Option<String>, PublishError> {
        reconcile::permalink(&self.session(ctx, target), external_id).await
    }
}
