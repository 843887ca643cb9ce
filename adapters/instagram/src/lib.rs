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
use herald_graph::{GraphAdapter, GraphPublisher, Host, Session};
use herald_platform::domain::{Network, PostSpec};
use herald_platform::publish::{
    Checkpoint, Limits, PublishError, PublishTarget, Reconciled, StepOutcome, TokenHost, Violation,
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
pub type InstagramPublisher = GraphPublisher<Instagram>;

/// The Instagram network on either login's host: its steps, run by [`GraphPublisher`].
#[derive(Debug, Clone)]
pub struct Instagram;

#[async_trait]
impl GraphAdapter for Instagram {
    type Config = InstagramConfig;
    type State = IgCheckpoint;

    const NETWORK: Network = Network::Instagram;

    fn host(target: &PublishTarget) -> (Host, &'static str) {
        match target.host {
            TokenHost::FacebookLogin => (Host::Graph, "instagram_content_publish"),
            TokenHost::InstagramLogin => (Host::IgGraph, "instagram_business_content_publish"),
        }
    }

    fn validate(spec: &PostSpec, limits: &Limits) -> Vec<Violation> {
        validate(spec, limits)
    }

    async fn advance(
        publisher: &InstagramPublisher,
        session: &Session<'_>,
        spec: &PostSpec,
        checkpoint: &mut Checkpoint,
        state: IgCheckpoint,
    ) -> Result<StepOutcome, PublishError> {
        step::run(publisher, session, spec, checkpoint, state).await
    }

    async fn reconcile(
        publisher: &InstagramPublisher,
        session: &Session<'_>,
        spec: &PostSpec,
        state: &IgCheckpoint,
    ) -> Result<Reconciled, PublishError> {
        reconcile::reconcile(publisher, session, spec, state).await
    }

    async fn permalink(session: &Session<'_>, id: &str) -> Result<Option<String>, PublishError> {
        reconcile::permalink(session, id).await
    }
}
