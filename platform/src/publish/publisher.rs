//! The `Publisher` trait and the types of a publish run.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{BudgetReport, Limits, PublishError, Violation};
use crate::domain::{Network, PostSpec, PostState};
use crate::secret::Secret;

/// Which login issued the token, and so which host serves the account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenHost {
    /// A Page token from Facebook Login, on `graph.facebook.com`.
    FacebookLogin,
    /// An Instagram Login token, on `graph.instagram.com`.
    InstagramLogin,
}

/// The account a post goes to, with the token to use.
#[derive(Debug, Clone)]
pub struct PublishTarget {
    /// The Page id or IG user id at Meta.
    pub external_id: String,
    pub access_token: Secret,
    pub host: TokenHost,
}

/// What an adapter has learned so far about one publish: container ids, upload
/// sessions, video ids, the moment a non-idempotent call was sent. Owned by the adapter
/// (its own typed struct serialised to JSON); stored by the engine with the post.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Checkpoint(pub serde_json::Value);

impl Checkpoint {
    pub fn is_empty(&self) -> bool {
        self.0.is_null() || self.0.as_object().is_some_and(|o| o.is_empty())
    }

    /// Reads the adapter's typed checkpoint; an empty checkpoint gives the default.
    pub fn read<T: for<'de> Deserialize<'de> + Default>(&self) -> Result<T, serde_json::Error> {
        if self.is_empty() {
            Ok(T::default())
        } else {
            serde_json::from_value(self.0.clone())
        }
    }

    pub fn write<T: Serialize>(value: &T) -> Self {
        Self(serde_json::to_value(value).unwrap_or(serde_json::Value::Null))
    }
}

/// Which state of the machine a step leaves the post in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Creating containers, uploading.
    Preparing,
    /// Meta is processing the media.
    Processing,
    /// The publish call is next (or under way).
    Publishing,
}

impl From<Phase> for PostState {
    fn from(phase: Phase) -> Self {
        match phase {
            Phase::Preparing => PostState::Preparing,
            Phase::Processing => PostState::Processing,
            Phase::Publishing => PostState::Publishing,
        }
    }
}

/// What one step achieved.
#[derive(Debug, Clone, PartialEq)]
pub enum StepOutcome {
    /// More to do at once; `detail` is a sentence for the timeline.
    Continue { phase: Phase, detail: String },
    /// Meta is busy with the media: call `step` again at `at`.
    WaitUntil {
        phase: Phase,
        at: DateTime<Utc>,
        detail: String,
    },
    /// Live. The permalink may come later (a follow-up read can fail; the post is still
    /// published).
    Published {
        external_id: String,
        permalink: Option<String>,
    },
}

/// What reconciling an unknown outcome found.
#[derive(Debug, Clone, PartialEq)]
pub enum Reconciled {
    /// The object exists at Meta: the post is published.
    Published {
        external_id: String,
        permalink: Option<String>,
    },
    /// Nothing was published; `checkpoint` is what may safely be resumed from.
    NotPublished { checkpoint: Checkpoint },
    /// Meta cannot tell (yet): ask again later, or hand to a human after enough tries.
    Unknown { detail: String },
}

/// What the engine offers an adapter during a step.
#[async_trait]
pub trait StepContext: Send + Sync {
    /// Persists the checkpoint durably before returning. An adapter must call this before
    /// every non-idempotent call, with the moment it is about to send recorded in it, and
    /// after every call whose result must survive a crash.
    async fn save(&self, checkpoint: &Checkpoint) -> Result<(), PublishError>;

    /// Waits for the rate limiter's permission to call Meta for `object_id`. Returns an
    /// error with a `DeferUntil` verdict when the budget is spent for longer than a step
    /// should wait.
    async fn before_call(&self, object_id: &str, endpoint: &str) -> Result<(), PublishError>;

    /// Reports what a response's usage headers said.
    fn usage(&self, object_id: &str, report: BudgetReport);

    /// The current time (a test clock in tests).
    fn now(&self) -> DateTime<Utc>;

    /// Reports what `content_publishing_limit` said for an Instagram account (`used` of
    /// `total` in the rolling window), so the engine's quota count follows Meta's own.
    /// The default ignores it.
    fn publishing_limit(&self, _object_id: &str, _used: u32, _total: u32) {}
}

/// A network adapter. Registered by [`Network`]; a new network is a new crate under
/// `adapters/` that implements this.
#[async_trait]
pub trait Publisher: Send + Sync {
    fn network(&self) -> Network;

    /// Checks a post against the network's rules and the media's probed facts before it
    /// is scheduled. Returns every violation, not just the first.
    fn validate(&self, spec: &PostSpec, limits: &Limits) -> Result<(), Vec<Violation>>;

    /// Runs the next step of a publish from `checkpoint`, updating it. The engine calls
    /// `step` again until it answers `Published` or fails.
    async fn step(
        &self,
        ctx: &dyn StepContext,
        target: &PublishTarget,
        spec: &PostSpec,
        checkpoint: &mut Checkpoint,
    ) -> Result<StepOutcome, PublishError>;

    /// Establishes whether a publish whose outcome was lost (a crash, a dropped
    /// connection) has happened, without sending anything that could publish.
    async fn reconcile(
        &self,
        ctx: &dyn StepContext,
        target: &PublishTarget,
        spec: &PostSpec,
        checkpoint: &Checkpoint,
    ) -> Result<Reconciled, PublishError>;

    /// A permalink for a published object, when the publish did not return one.
    async fn permalink(
        &self,
        ctx: &dyn StepContext,
        target: &PublishTarget,
        external_id: &str,
    ) -> Result<Option<String>, PublishError>;
}
