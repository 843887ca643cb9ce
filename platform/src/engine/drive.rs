//! Publishing one claimed post: load it, reconcile first if it was interrupted in flight,
//! then drive the adapter's `step` until the post is published, parked (waiting on Meta
//! or deferred) or finished, writing every move with its timeline entry and outbox event.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use rand::rngs::StdRng;
use rand::SeedableRng;

use super::context::PostContext;
use super::limiter::RateLimiter;
use super::persist::{self, Loaded, OwnedWrite, Write};
use super::rules::{decide, words, Decision, Facts, Then};
use super::shared::Shared;
use crate::domain::PostState;
use crate::metrics::PostOutcome;
use crate::publish::{Checkpoint, PublishError, Verdict};
use crate::store::claims::{self, ClaimedPost};
use crate::store::connections::LinkStatus;
use crate::store::leases::Fence;

/// Steps one run may take before it lets go (a loop guard; the post comes back later).
pub const MAX_STEPS_PER_RUN: u32 = 64;

/// How soon a post is claimed again after a run had to abandon it.
const ABANDON_RETRY: Duration = Duration::seconds(30);

/// How a run ended, for the scheduler.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Finish {
    /// Let go; it comes back at this time, if any.
    Released { next_at: Option<DateTime<Utc>> },
    /// Not this run's to work on (finished, canceled, claimed anew).
    Skipped,
    /// Stopped without a decision (the database failed or the lease was lost).
    Abandoned,
}

/// Publishes one claimed post as far as it can go now.
pub(crate) async fn run(
    shared: Arc<Shared>,
    limiter: Arc<RateLimiter>,
    claim: ClaimedPost,
) -> Finish {
    let loaded = {
        let claim = claim.clone();
        shared
            .db_retry(move |conn, shared| persist::load(conn, shared, &claim))
            .await
    };
    let loaded = match loaded {
        Ok(Some(loaded)) => loaded,
        Ok(None) => return Finish::Skipped,
        Err(err) => {
            tracing::warn!(tenant.id = %claim.tenant_id, post.id = %claim.id, error = %err, "could not load a due post");
            return abandon(&shared, &claim).await;
        }
    };
    let fence = Fence {
        node: shared.node,
        epoch: claim.epoch,
    };
    let mut run = Run::new(shared.clone(), limiter, loaded, fence);
    match run.go().await {
        Ok(next_at) => Finish::Released { next_at },
        Err(Stop) => abandon(&shared, &claim).await,
    }
}

/// Lets go of a post the run could not finish deciding, so it is claimed (and, being in
/// flight, reconciled) again soon.
pub(crate) async fn abandon(shared: &Arc<Shared>, claim: &ClaimedPost) -> Finish {
    let (tenant, post) = (claim.tenant_id, claim.id);
    let next = shared.clock.now() + ABANDON_RETRY;
    let released = shared
        .db_retry(move |conn, _| claims::release(conn, tenant, post, Some(next)))
        .await;
    if let Err(err) = released {
        tracing::error!(tenant.id = %tenant, post.id = %post, error = %err, "could not release a post; it is picked up again after a restart");
    }
    Finish::Abandoned
}

/// The run could not write: stop touching the post.
struct Stop;

struct Run {
    shared: Arc<Shared>,
    limiter: Arc<RateLimiter>,
    loaded: Loaded,
    ctx: PostContext,
    checkpoint: Checkpoint,
    attempts: u32,
    rng: StdRng,
}

impl Run {
    fn new(shared: Arc<Shared>, limiter: Arc<RateLimiter>, loaded: Loaded, fence: Fence) -> Self {
        let post = &loaded.post;
        let ctx = PostContext::new(
            shared.clone(),
            post.tenant_id,
            post.id,
            post.state,
            fence,
            limiter.clone(),
        );
        let checkpoint = post.checkpoint.clone();
        let attempts = u32::try_from(post.attempts).unwrap_or(0);
        Self {
            shared,
            limiter,
            ctx,
            checkpoint,
            attempts,
            rng: StdRng::from_entropy(),
            loaded,
        }
    }

    fn facts(&self) -> Facts {
        Facts {
            state: self.ctx.state(),
            attempts: self.attempts,
            now: self.shared.clock.now(),
        }
    }

    async fn go(&mut self) -> Result<Option<DateTime<Utc>>, Stop> {
        // Its time has come: queue it (the timeline shows when it was picked up).
        if self.ctx.state() == PostState::Scheduled {
            let decision = Decision {
                to: PostState::Queued,
                detail: words::CLAIMED.to_owned(),
                then: Then::Step,
                ..decide::start(&self.facts())
            };
            self.apply(&decision, None).await?;
        }

        let mut then = match self.preflight() {
            Some(decision) => return self.finish(decision, None).await,
            None if self.ctx.state() == PostState::Queued => {
                let decision = decide::start(&self.facts());
                self.apply(&decision, None).await?;
                Then::Step
            }
            // In flight: unless this process parked it cleanly, the last run was cut off.
            None if self.shared.take_parked(self.loaded.post.id) => Then::Step,
            None => Then::Reconcile,
        };

        for _ in 0..MAX_STEPS_PER_RUN {
            let (decision, error) = match then {
                Then::Step => self.step().await,
                Then::Reconcile => self.reconcile().await,
                Then::Release => break,
            };
            if self.ctx.save_failed() {
                return Err(Stop);
            }
            if decision.then == Then::Release {
                return self.finish(decision, error.as_ref()).await;
            }
            self.apply(&decision, error.as_ref()).await?;
            then = decision.then;
        }
        // The loop guard: let go and come back shortly.
        Ok(Some(self.shared.clock.now()))
    }

    /// Reasons not to call Meta at all now.
    fn preflight(&mut self) -> Option<Decision> {
        let facts = self.facts();
        let loaded = &self.loaded;
        if loaded.account.status == LinkStatus::ReauthRequired {
            return Some(decide::account_needs_reauth(&facts));
        }
        if let Err(reason) = &loaded.spec {
            let err = PublishError::new(
                Verdict::InvalidInput {
                    field: None,
                    rule: reason.clone(),
                },
                reason.clone(),
            );
            return Some(decide::after_error(&facts, &err, &mut self.rng));
        }
        if let Err(reason) = &loaded.target {
            let err = PublishError::new(Verdict::NeedsReauth, reason.clone());
            return Some(decide::after_error(&facts, &err, &mut self.rng));
        }
        if !self
            .shared
            .publishers
            .contains_key(&loaded.post.kind.network())
        {
            let until = facts.now + Duration::hours(1);
            let reason = format!(
                "Herald has no {} publisher configured",
                loaded.post.kind.network()
            );
            let err = PublishError::new(
                Verdict::DeferUntil {
                    until,
                    reason: reason.clone(),
                },
                reason,
            );
            return Some(decide::after_error(&facts, &err, &mut self.rng));
        }
        if facts.state == PostState::Queued {
            let object = &loaded.account.external_id;
            if let Some((until, reason)) = self.limiter.quota_free_at(object, loaded.post.kind) {
                let err = PublishError::new(
                    Verdict::DeferUntil {
                        until,
                        reason: reason.clone(),
                    },
                    reason,
                );
                return Some(decide::after_error(&facts, &err, &mut self.rng));
            }
        }
        None
    }

    async fn step(&mut self) -> (Decision, Option<PublishError>) {
        let (Some(publisher), Ok(target), Ok(spec)) = (
            self.shared.publishers.get(&self.loaded.post.kind.network()),
            &self.loaded.target,
            &self.loaded.spec,
        ) else {
            // preflight() returned early for each of these.
            let err = PublishError::new(Verdict::RetryLater, "the post could not be prepared");
            return (
                decide::after_error(&self.facts(), &err, &mut self.rng),
                Some(err),
            );
        };
        let mut checkpoint = self.checkpoint.clone();
        let result = publisher
            .step(&self.ctx, target, spec, &mut checkpoint)
            .await;
        self.checkpoint = checkpoint;
        let facts = self.facts();
        match result {
            Ok(outcome) => (decide::after_step(&facts, &outcome), None),
            Err(err) => {
                self.note_throttle(&err);
                (decide::after_error(&facts, &err, &mut self.rng), Some(err))
            }
        }
    }

    async fn reconcile(&mut self) -> (Decision, Option<PublishError>) {
        let (Some(publisher), Ok(target), Ok(spec)) = (
            self.shared.publishers.get(&self.loaded.post.kind.network()),
            &self.loaded.target,
            &self.loaded.spec,
        ) else {
            let err = PublishError::new(Verdict::OutcomeUnknown, "the post could not be checked");
            return (
                decide::after_reconcile_error(&self.facts(), &err, &mut self.rng),
                Some(err),
            );
        };
        let result = publisher
            .reconcile(&self.ctx, target, spec, &self.checkpoint)
            .await;
        let facts = self.facts();
        match result {
            Ok(found) => (decide::after_reconcile(&facts, &found, &mut self.rng), None),
            Err(err) => {
                self.note_throttle(&err);
                (
                    decide::after_reconcile_error(&facts, &err, &mut self.rng),
                    Some(err),
                )
            }
        }
    }

    fn note_throttle(&self, err: &PublishError) {
        if let (Verdict::DeferUntil { until, .. }, Some(_)) = (&err.verdict, &err.graph) {
            self.limiter
                .throttled(&self.loaded.account.external_id, *until);
        }
    }

    /// Writes a decision and carries on with what it says.
    async fn apply(
        &mut self,
        decision: &Decision,
        error: Option<&PublishError>,
    ) -> Result<(), Stop> {
        let post = &self.loaded.post;
        let write = Write {
            tenant: post.tenant_id,
            post: post.id,
            account: post.account_id,
            kind: post.kind,
            from: self.ctx.state(),
            fence: self.ctx.fence(),
            decision,
            checkpoint: &self.checkpoint,
            error,
        };
        let owned = OwnedWrite::from(&write);
        let written = self
            .shared
            .db_retry(move |conn, shared| persist::write(conn, &owned.borrow(), shared.clock.now()))
            .await;
        match written {
            Ok(stored) => {
                super::failpoint::after_persist("a state change");
                self.ctx.set_state(stored.state);
                self.checkpoint = stored.checkpoint;
                self.attempts = decision.attempts;
                Ok(())
            }
            Err(err) => {
                tracing::warn!(tenant.id = %post.tenant_id, post.id = %post.id, error = %err, "could not record a post's progress");
                Err(Stop)
            }
        }
    }

    /// Writes the last decision of the run and does what follows it.
    async fn finish(
        &mut self,
        decision: Decision,
        error: Option<&PublishError>,
    ) -> Result<Option<DateTime<Utc>>, Stop> {
        let mut decision = decision;
        if decision.to == PostState::Published && decision.permalink.is_none() {
            if let Some(external_id) = decision.external_id.clone() {
                decision.permalink = self.fetch_permalink(&external_id).await;
            }
        }
        // The account first: whoever reads the deferred post finds it marked.
        if decision.needs_reauth {
            let (tenant, account) = (self.loaded.post.tenant_id, self.loaded.post.account_id);
            let reason =
                error.map_or_else(|| words::REAUTH_NEEDED.to_owned(), |e| e.message.clone());
            let marked = self
                .shared
                .db(move |conn, shared| {
                    persist::mark_reauth(conn, tenant, account, &reason, shared.clock.now())
                })
                .await;
            if let Err(err) = marked {
                tracing::warn!(tenant.id = %tenant, account.id = %account, error = %err, "could not mark an account for reconnection");
            }
        }
        let parks_in_flight = decision.to.is_in_flight() && decision.last_error.is_none();
        self.apply(&decision, error).await?;
        let post = &self.loaded.post;
        let now = self.shared.clock.now();

        if parks_in_flight {
            self.shared.park(post.id);
        }
        match decision.to {
            PostState::Published => {
                let since_due = (now - post.publish_at).to_std().unwrap_or_default();
                self.shared.metrics.post_published(post.kind, since_due);
                self.limiter
                    .record_published(&self.loaded.account.external_id, post.kind, now);
            }
            PostState::Failed => self
                .shared
                .metrics
                .post_finished(post.kind, PostOutcome::Failed),
            PostState::Unconfirmed => self
                .shared
                .metrics
                .post_finished(post.kind, PostOutcome::Unconfirmed),
            _ => {}
        }
        Ok(decision.next_attempt_at)
    }

    /// A published post without a permalink: ask once; a failure leaves it published
    /// without one.
    async fn fetch_permalink(&self, external_id: &str) -> Option<String> {
        let publisher = self
            .shared
            .publishers
            .get(&self.loaded.post.kind.network())?;
        let target = self.loaded.target.as_ref().ok()?;
        match publisher.permalink(&self.ctx, target, external_id).await {
            Ok(permalink) => permalink,
            Err(err) => {
                tracing::debug!(post.id = %self.loaded.post.id, error = %err, "no permalink yet");
                None
            }
        }
    }
}
