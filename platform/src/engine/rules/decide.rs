//! What happens to a post after each thing the engine learns: a step's outcome, a
//! classified error, or what reconciling found. Plain functions of the facts, so every rule
//! of the state machine is tested without actors, a database or Meta.
//!
//! A post whose remote step may have taken effect stays in its in-flight state (preparing,
//! processing, publishing) until reconciling says what happened: only a verdict that says
//! the request certainly did not take effect lets it fall back to `queued`.

use chrono::{DateTime, Utc};
use rand::Rng;

use super::backoff::{self, MAX_ATTEMPTS, MAX_RECONCILE_ATTEMPTS};
use super::words;
use crate::domain::PostState;
use crate::publish::{Checkpoint, PublishError, Reconciled, StepOutcome, Verdict};

/// What the engine does right after writing a decision.
#[derive(Debug, Clone, PartialEq)]
pub enum Then {
    /// Call the adapter's `step` again at once.
    Step,
    /// Ask the adapter to reconcile before anything else.
    Reconcile,
    /// Let go of the post; the scheduler brings it back at `next_attempt_at` (if any).
    Release,
}

/// What happens to the stored checkpoint.
#[derive(Debug, Clone, PartialEq)]
pub enum CheckpointChange {
    Keep,
    /// Start over (a new container): nothing of the old attempt is reused.
    Reset,
    /// Resume from what reconciling found.
    Set(Checkpoint),
}

/// Which outbox event a decision emits to the client's webhooks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notify {
    Published,
    Failed,
    Deferred,
    Unconfirmed,
}

impl Notify {
    /// The webhook event type.
    pub fn event_type(&self) -> &'static str {
        match self {
            Notify::Published => "post.published",
            Notify::Failed => "post.failed",
            Notify::Deferred => "post.deferred",
            Notify::Unconfirmed => "post.unconfirmed",
        }
    }
}

/// What the engine knows about a post when it decides.
#[derive(Debug, Clone, Copy)]
pub struct Facts {
    pub state: PostState,
    /// Failed or inconclusive tries so far.
    pub attempts: u32,
    pub now: DateTime<Utc>,
}

/// The next move: the transition to write (with its timeline sentence) and what follows.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    pub to: PostState,
    /// The timeline sentence, in words a user understands.
    pub detail: String,
    pub then: Then,
    /// When the scheduler should bring the post back; `None` for "not by itself".
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub attempts: u32,
    pub checkpoint: CheckpointChange,
    pub external_id: Option<String>,
    pub permalink: Option<String>,
    /// The classified error with its plain explanation, kept on the post.
    pub last_error: Option<String>,
    pub notify: Option<Notify>,
    /// The account's token is no longer accepted: mark it for the client to reconnect.
    pub needs_reauth: bool,
}

impl Decision {
    fn new(facts: &Facts, to: PostState, detail: String, then: Then) -> Self {
        Self {
            to,
            detail,
            then,
            next_attempt_at: None,
            attempts: facts.attempts,
            checkpoint: CheckpointChange::Keep,
            external_id: None,
            permalink: None,
            last_error: None,
            notify: None,
            needs_reauth: false,
        }
    }

    fn at(mut self, at: DateTime<Utc>) -> Self {
        self.next_attempt_at = Some(at);
        self
    }

    fn error(mut self, err: &PublishError) -> Self {
        self.last_error = Some(err.to_string());
        self
    }

    fn notify(mut self, notify: Notify) -> Self {
        self.notify = Some(notify);
        self
    }
}

/// Where a post waits when it gives up its turn: in-flight posts go back to `queued`, a
/// queued post back to `scheduled` (the state machine has no queued → queued move).
pub fn waiting_state(state: PostState) -> PostState {
    if state == PostState::Queued || state == PostState::Scheduled {
        PostState::Scheduled
    } else {
        PostState::Queued
    }
}

/// A queued post's turn has come: start preparing it.
pub fn start(facts: &Facts) -> Decision {
    Decision::new(
        facts,
        PostState::Preparing,
        words::STARTED.to_owned(),
        Then::Step,
    )
}

/// A step succeeded.
pub fn after_step(facts: &Facts, outcome: &StepOutcome) -> Decision {
    match outcome {
        StepOutcome::Continue { phase, detail } => {
            Decision::new(facts, (*phase).into(), detail.clone(), Then::Step)
        }
        StepOutcome::WaitUntil { phase, at, detail } => {
            let detail = format!("{detail} {}", words::checking_again(*at));
            Decision::new(facts, (*phase).into(), detail, Then::Release).at(*at)
        }
        StepOutcome::Published {
            external_id,
            permalink,
        } => published(facts, external_id, permalink.as_deref()),
    }
}

fn published(facts: &Facts, external_id: &str, permalink: Option<&str>) -> Decision {
    let mut decision = Decision::new(
        facts,
        PostState::Published,
        words::published(external_id),
        Then::Release,
    )
    .notify(Notify::Published);
    decision.external_id = Some(external_id.to_owned());
    decision.permalink = permalink.map(str::to_owned);
    decision
}

/// A step failed with a classified error.
pub fn after_error(facts: &Facts, err: &PublishError, rng: &mut impl Rng) -> Decision {
    let attempt = facts.attempts + 1;
    match &err.verdict {
        Verdict::RetryLater | Verdict::RecreateContainer if attempt >= MAX_ATTEMPTS => {
            fail(facts, words::gave_up(attempt, err), err).with_attempts(attempt)
        }
        Verdict::RetryLater => {
            let at = backoff::retry_at(facts.now, attempt, rng);
            let detail = words::retrying(err, at, attempt, MAX_ATTEMPTS);
            Decision::new(facts, waiting_state(facts.state), detail, Then::Release)
                .at(at)
                .error(err)
                .with_attempts(attempt)
        }
        Verdict::RecreateContainer => {
            let mut decision = Decision::new(
                facts,
                PostState::Preparing,
                words::recreating(err),
                Then::Step,
            )
            .error(err)
            .with_attempts(attempt);
            decision.checkpoint = CheckpointChange::Reset;
            decision
        }
        Verdict::DeferUntil { until, reason } => {
            let at = backoff::defer_at(facts.now, *until, rng);
            Decision::new(
                facts,
                waiting_state(facts.state),
                words::deferred(reason, at),
                Then::Release,
            )
            .at(at)
            .error(err)
            .notify(Notify::Deferred)
        }
        Verdict::NeedsReauth => reauth(facts, waiting_state(facts.state), err),
        Verdict::PermissionDenied { permission } => fail(
            facts,
            words::permission_denied(permission.as_deref(), err),
            err,
        ),
        Verdict::InvalidInput { field, rule } => fail(
            facts,
            words::invalid_input(field.as_deref(), rule, err),
            err,
        ),
        Verdict::OutcomeUnknown => {
            // Something may have been sent: the post is (or becomes) in flight.
            let to = if facts.state.is_in_flight() {
                facts.state
            } else {
                PostState::Preparing
            };
            Decision::new(
                facts,
                to,
                words::OUTCOME_UNKNOWN.to_owned(),
                Then::Reconcile,
            )
            .error(err)
        }
    }
}

/// The account was found needing reconnection before anything was sent.
pub fn account_needs_reauth(facts: &Facts) -> Decision {
    let err = PublishError::new(Verdict::NeedsReauth, words::REAUTH_NEEDED);
    reauth(facts, waiting_state(facts.state), &err)
}

fn reauth(facts: &Facts, to: PostState, err: &PublishError) -> Decision {
    let at = facts.now + backoff::REAUTH_RECHECK;
    let mut decision = Decision::new(facts, to, words::reauth(at), Then::Release)
        .at(at)
        .error(err)
        .notify(Notify::Deferred);
    decision.needs_reauth = true;
    decision
}

fn fail(facts: &Facts, detail: String, err: &PublishError) -> Decision {
    Decision::new(facts, PostState::Failed, detail, Then::Release)
        .error(err)
        .notify(Notify::Failed)
}

impl Decision {
    fn with_attempts(mut self, attempts: u32) -> Self {
        self.attempts = attempts;
        self
    }
}

/// Reconciling answered.
pub fn after_reconcile(facts: &Facts, found: &Reconciled, rng: &mut impl Rng) -> Decision {
    match found {
        Reconciled::Published {
            external_id,
            permalink,
        } => {
            let mut decision = published(facts, external_id, permalink.as_deref());
            decision.detail = words::found_published(external_id);
            decision
        }
        Reconciled::NotPublished { checkpoint } => {
            let mut decision = Decision::new(
                facts,
                facts.state,
                words::NOT_PUBLISHED_YET.to_owned(),
                Then::Step,
            );
            decision.checkpoint = CheckpointChange::Set(checkpoint.clone());
            decision
        }
        Reconciled::Unknown { detail } => inconclusive(facts, detail, None, rng),
    }
}

/// Reconciling itself failed. The post stays in flight: nothing may be sent again until
/// Meta has said what happened.
pub fn after_reconcile_error(facts: &Facts, err: &PublishError, rng: &mut impl Rng) -> Decision {
    match &err.verdict {
        Verdict::DeferUntil { until, reason } => {
            let at = backoff::defer_at(facts.now, *until, rng);
            Decision::new(
                facts,
                facts.state,
                words::deferred(reason, at),
                Then::Release,
            )
            .at(at)
            .error(err)
        }
        Verdict::NeedsReauth => reauth(facts, facts.state, err),
        // A broken or expired container was never published: start over.
        Verdict::RecreateContainer => after_error(facts, err, rng),
        _ => inconclusive(facts, &err.message, Some(err), rng),
    }
}

fn inconclusive(
    facts: &Facts,
    detail: &str,
    err: Option<&PublishError>,
    rng: &mut impl Rng,
) -> Decision {
    let attempt = facts.attempts + 1;
    let mut decision = if attempt >= MAX_RECONCILE_ATTEMPTS {
        Decision::new(
            facts,
            PostState::Unconfirmed,
            words::unconfirmed(attempt, detail),
            Then::Release,
        )
        .notify(Notify::Unconfirmed)
    } else {
        let at = backoff::reconcile_at(facts.now, attempt, rng);
        Decision::new(
            facts,
            facts.state,
            words::still_unknown(detail, at),
            Then::Release,
        )
        .at(at)
    };
    decision.attempts = attempt;
    decision.last_error = Some(err.map_or_else(|| detail.to_owned(), ToString::to_string));
    decision
}

#[cfg(test)]
#[path = "decide_tests.rs"]
mod tests;
