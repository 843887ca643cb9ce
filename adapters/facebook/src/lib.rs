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
use herald_graph::{GraphAdapter, GraphPublisher, Host, Session};
use herald_platform::domain::{Network, PostSpec};
use herald_platform::publish::{
    Checkpoint, Limits, PublishError, PublishTarget, Reconciled, StepOutcome, Violation,
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
pub type FacebookPublisher = GraphPublisher<Facebook>;

/// The Facebook Pages network: its steps, run by [`GraphPublisher`].
#[derive(Debug, Clone)]
pub struct Facebook;

#[async_trait]
impl GraphAdapter for Facebook {
    type Config = FacebookConfig;
    type State = FbCheckpoint;

    const NETWORK: Network = Network::Facebook;

    fn host(_target: &PublishTarget) -> (Host, &'static str) {
        (Host::Graph, "pages_manage_posts")
    }

    fn validate(spec: &PostSpec, limits: &Limits) -> Vec<Violation> {
        validate(spec, limits)
    }

    async fn advance(
        publisher: &FacebookPublisher,
        session: &Session<'_>,
        spec: &PostSpec,
        checkpoint: &mut Checkpoint,
        state: FbCheckpoint,
    ) -> Result<StepOutcome, PublishError> {
        step::run(publisher, session, spec, checkpoint, state).await
    }

    async fn reconcile(
        publisher: &FacebookPublisher,
        session: &Session<'_>,
        spec: &PostSpec,
        state: &FbCheckpoint,
    ) -> Result<Reconciled, PublishError> {
        reconcile::reconcile(publisher, session, spec, state).await
    }

    async fn permalink(session: &Session<'_>, id: &str) -> Result<Option<String>, PublishError> {
        reconcile::permalink(session, id).await
    }
}
