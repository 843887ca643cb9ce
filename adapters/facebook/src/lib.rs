//! Herald's Facebook Pages publisher: feed text and links, 1 to 10 photos in one post,
//! video by URL or by resumable upload, reels through `video_reels`, and photo and video
//! stories, as persisted steps. A post made by a single call has no container: when its
//! answer is lost, the Page's recent posts or videos are searched before anything is sent
//! again.
//!
//! Depends on `herald-graph` and the platform only.

// `PublishError` is the platform contract's error type, returned as is by every step.
#![allow(clippy::result_large_err)]

mod checkpoint;
mod reconcile;
mod step;
mod upload;
mod validate;

use async_trait::async_trait;
use chrono::Duration;
use herald_graph::{GraphClient, Host, Session};
use herald_platform::domain::{Network, PostSpec};
use herald_platform::publish::{
    Checkpoint, Limits, PublishError, PublishTarget, Publisher, Reconciled, StepContext,
    StepOutcome, Violation,
};

pub use checkpoint::FbCheckpoint;
pub use validate::validate;

/// The Facebook adapter's settings.
#[derive(Debug, Clone)]
pub struct FacebookConfig {
    /// Videos at least this large go through the resumable protocol instead of
    /// `file_url` (Meta fetches `file_url` videos up to 1 GiB).
    pub resumable_from_bytes: u64,
    /// How long after the publishing call an object not found among the Page's recent
    /// objects is taken as "not published" rather than "not listed yet".
    pub publish_grace: Duration,
    /// Wait before reading an upload's status when Meta did not confirm it at once.
    pub upload_poll: Duration,
}

impl Default for FacebookConfig {
    fn default() -> Self {
        Self {
            resumable_from_bytes: 1024 * 1024 * 1024,
            publish_grace: Duration::seconds(30),
            upload_poll: Duration::seconds(5),
        }
    }
}

/// Publishes to Facebook Pages with a Page token.
#[derive(Debug, Clone)]
pub struct FacebookPublisher {
    client: GraphClient,
    config: FacebookConfig,
}

impl FacebookPublisher {
    pub fn new(client: GraphClient, config: FacebookConfig) -> Self {
        Self { client, config }
    }

    fn session<'a>(&'a self, ctx: &'a dyn StepContext, target: &'a PublishTarget) -> Session<'a> {
        Session::new(
            &self.client,
            ctx,
            &target.external_id,
            &target.access_token,
            Host::Graph,
        )
        .with_permission_hint("pages_manage_posts")
    }
}

#[async_trait]
impl Publisher for FacebookPublisher {
    fn network(&self) -> Network {
        Network::Facebook
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
