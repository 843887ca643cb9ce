//! The [`Publisher`] both Graph networks share. A network supplies its steps through
//! [`GraphAdapter`]; [`GraphPublisher`] runs them the same way for each: a post already
//! published answers at once, a call whose answer was never stored is reconciled before
//! anything is sent again, and what reconciling learned is saved before the next step.

use std::fmt;

use async_trait::async_trait;
use herald_platform::domain::{Network, PostSpec};
use herald_platform::publish::{
    Checkpoint, Limits, PublishError, PublishTarget, Publisher, Reconciled, StepContext,
    StepOutcome, Verdict, Violation,
};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::steps::persist;
use crate::{GraphClient, Host, Session};

/// What a network's checkpoint tells the shared driver.
pub trait StepState: Serialize + DeserializeOwned + Default + Send + Sync {
    /// The live object's id, once Meta confirmed it.
    fn published_id(&self) -> Option<&str>;

    fn set_published_id(&mut self, id: String);

    /// Whether a call went out whose answer is not stored: reconcile before acting.
    fn awaiting_answer(&self) -> bool;
}

/// One network's publishing steps over the Graph API.
#[async_trait]
pub trait GraphAdapter: fmt::Debug + Clone + Send + Sync + Sized + 'static {
    type Config: fmt::Debug + Clone + Send + Sync;
    type State: StepState;

    const NETWORK: Network;

    /// The host that serves a target's token, and the permission a refusal most likely
    /// lacks.
    fn host(target: &PublishTarget) -> (Host, &'static str);

    /// Every rule the post breaks.
    fn validate(spec: &PostSpec, limits: &Limits) -> Vec<Violation>;

    /// The next step of a post that is not published and awaits no answer.
    async fn advance(
        publisher: &GraphPublisher<Self>,
        session: &Session<'_>,
        spec: &PostSpec,
        checkpoint: &mut Checkpoint,
        state: Self::State,
    ) -> Result<StepOutcome, PublishError>;

    /// Whether a post with no published id in `state` went live, found out without
    /// sending anything that could publish.
    async fn reconcile(
        publisher: &GraphPublisher<Self>,
        session: &Session<'_>,
        spec: &PostSpec,
        state: &Self::State,
    ) -> Result<Reconciled, PublishError>;

    /// The object's permalink; `None` when Meta cannot say yet.
    async fn permalink(session: &Session<'_>, id: &str) -> Result<Option<String>, PublishError>;
}

/// A Graph network's publisher: the client, the network's settings and its steps.
pub struct GraphPublisher<A: GraphAdapter> {
    client: GraphClient,
    config: A::Config,
}

impl<A: GraphAdapter> fmt::Debug for GraphPublisher<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GraphPublisher")
            .field("network", &A::NETWORK)
            .field("client", &self.client)
            .field("config", &self.config)
            .finish()
    }
}

impl<A: GraphAdapter> Clone for GraphPublisher<A> {
    fn clone(&self) -> Self {
        Self {
            client: self.client.clone(),
            config: self.config.clone(),
        }
    }
}

impl<A: GraphAdapter> GraphPublisher<A> {
    pub fn new(client: GraphClient, config: A::Config) -> Self {
        Self { client, config }
    }

    pub fn config(&self) -> &A::Config {
        &self.config
    }

    /// The permalink, or `None` when Meta cannot say yet: never fails a live post.
    pub async fn permalink_best_effort(session: &Session<'_>, id: &str) -> Option<String> {
        A::permalink(session, id).await.ok().flatten()
    }

    fn session<'a>(&'a self, ctx: &'a dyn StepContext, target: &'a PublishTarget) -> Session<'a> {
        let (host, permission) = A::host(target);
        Session::new(
            &self.client,
            ctx,
            &target.external_id,
            &target.access_token,
            host,
        )
        .with_permission_hint(permission)
    }

    async fn published(session: &Session<'_>, external_id: String) -> StepOutcome {
        let permalink = Self::permalink_best_effort(session, &external_id).await;
        StepOutcome::Published {
            external_id,
            permalink,
        }
    }
}

/// Reads the network's typed checkpoint; one that cannot be read fails the post.
// `PublishError` is the platform contract's error type, returned as is by every step.
#[allow(clippy::result_large_err)]
pub fn read_checkpoint<T: StepState>(checkpoint: &Checkpoint) -> Result<T, PublishError> {
    checkpoint.read().map_err(|err| {
        PublishError::new(
            Verdict::InvalidInput {
                field: Some("checkpoint".into()),
                rule: err.to_string(),
            },
            "the saved publish state of this post cannot be read",
        )
    })
}

#[async_trait]
impl<A: GraphAdapter> Publisher for GraphPublisher<A> {
    fn network(&self) -> Network {
        A::NETWORK
    }

    fn validate(&self, spec: &PostSpec, limits: &Limits) -> Result<(), Vec<Violation>> {
        let violations = A::validate(spec, limits);
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
        let session = self.session(ctx, target);
        let mut state: A::State = read_checkpoint(checkpoint)?;

        if let Some(id) = state.published_id() {
            return Ok(Self::published(&session, id.to_owned()).await);
        }

        // Something may have been sent without its answer stored: find out first.
        if state.awaiting_answer() {
            match A::reconcile(self, &session, spec, &state).await? {
                Reconciled::Published {
                    external_id,
                    permalink,
                } => {
                    state.set_published_id(external_id.clone());
                    persist(ctx, checkpoint, &state).await?;
                    return Ok(StepOutcome::Published {
                        external_id,
                        permalink,
                    });
                }
                Reconciled::NotPublished {
                    checkpoint: resumed,
                } => {
                    state = read_checkpoint(&resumed)?;
                    persist(ctx, checkpoint, &state).await?;
                }
                Reconciled::Unknown { detail } => {
                    return Err(PublishError::new(Verdict::OutcomeUnknown, detail));
                }
            }
        }

        A::advance(self, &session, spec, checkpoint, state).await
    }

    async fn reconcile(
        &self,
        ctx: &dyn StepContext,
        target: &PublishTarget,
        spec: &PostSpec,
        checkpoint: &Checkpoint,
    ) -> Result<Reconciled, PublishError> {
        let session = self.session(ctx, target);
        let state: A::State = read_checkpoint(checkpoint)?;
        match state.published_id() {
            Some(id) => Ok(Reconciled::Published {
                external_id: id.to_owned(),
                permalink: Self::permalink_best_effort(&session, id).await,
            }),
            None => A::reconcile(self, &session, spec, &state).await,
        }
    }

    async fn permalink(
        &self,
        ctx: &dyn StepContext,
        target: &PublishTarget,
        external_id: &str,
    ) -> Result<Option<String>, PublishError> {
        A::permalink(&self.session(ctx, target), external_id).await
    }
}
