//! Scheduler: one per node. Sleeps until the next due post (a timer, never a busy poll),
//! wakes early on [`Wake`] (a post was created or changed) or when a tenant's hands empty,
//! leases the tenants with due work, claims their due posts in fair batches and hands
//! them to the Registry round-robin across tenants.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use actix::prelude::*;
use chrono::{DateTime, Utc};

use super::messages::{Deliver, Released, RunDueNow, Shutdown, Wake};
use super::registry::Registry;
use super::rules::fair;
use super::shared::{DbError, Shared};
use crate::domain::PostState;
use crate::ids::TenantId;
use crate::metrics::{ActorKind, LeaseChangeKind};
use crate::store::claims::{self, ClaimRequest, ClaimedPost};
use crate::store::leases::{self, Balance, BalanceRequest};

/// Most tenants leased in one round.
const LEASE_BATCH: i64 = 1_000;
/// Pause after a round that claimed nothing although something looked due.
const IDLE_ROUND_GAP: Duration = Duration::from_millis(500);
/// How soon to try again after a round failed on the database.
const RETRY_AFTER_ERROR: Duration = Duration::from_secs(2);

pub(crate) struct Scheduler {
    shared: Arc<Shared>,
    registry: Addr<Registry>,
    in_hand: HashMap<TenantId, usize>,
    /// Tenants leased after the last round (to notice leases lost while stalled).
    leased: HashSet<TenantId>,
    timer: Option<(SpawnHandle, DateTime<Utc>)>,
    stopping: bool,
    pub alive: Arc<AtomicBool>,
}

struct Round {
    leases: Balance,
    claimed: Vec<ClaimedPost>,
    next_due: Option<DateTime<Utc>>,
}

impl Scheduler {
    pub fn new(shared: Arc<Shared>, registry: Addr<Registry>, alive: Arc<AtomicBool>) -> Self {
        Self {
            shared,
            registry,
            in_hand: HashMap::new(),
            leased: HashSet::new(),
            timer: None,
            stopping: false,
            alive,
        }
    }

    /// Tenants that take nothing more now.
    fn full_tenants(&self) -> Vec<TenantId> {
        self.in_hand
            .iter()
            .filter(|(_, n)| **n >= fair::REFILL_BELOW)
            .map(|(t, _)| *t)
            .collect()
    }

    /// Claims and hands out due work; the mailbox waits until the round is done, so rounds
    /// never overlap.
    fn round(&mut self, ctx: &mut Context<Self>) -> ResponseActFuture<Self, usize> {
        if self.stopping {
            return Box::pin(fut::ready(0));
        }
        if let Some((handle, _)) = self.timer.take() {
            ctx.cancel_future(handle);
        }
        let shared = self.shared.clone();
        let skip = self.full_tenants();
        let busy: Vec<TenantId> = self.in_hand.keys().copied().collect();
        let work = async move { claim_round(&shared, skip, busy).await };
        Box::pin(work.into_actor(self).map(|result, act, ctx| match result {
            Ok(round) => {
                act.count_lease_changes(&round.leases);
                let count = round.claimed.len();
                act.hand_out(round.claimed);
                let now = act.shared.clock.now();
                let wake = if count >= fair::CLAIM_BATCH {
                    now
                } else if count == 0 && round.next_due.is_some_and(|due| due <= now) {
                    // Due but not claimable here (another node's tenant): no busy loop.
                    now + chrono::Duration::from_std(IDLE_ROUND_GAP).unwrap_or_default()
                } else {
                    // Wake often enough to renew leases and beat the heart within a term.
                    let max_sleep = act
                        .shared
                        .limits
                        .max_sleep
                        .min(act.shared.limits.lease_term / 3);
                    let latest = now + chrono::Duration::from_std(max_sleep).unwrap_or_default();
                    round.next_due.map_or(latest, |due| due.min(latest))
                };
                act.sleep_until(wake, ctx);
                count
            }
            Err(err) => {
                tracing::warn!(error = %err, "the scheduler could not claim due posts");
                let retry = act.shared.clock.now()
                    + chrono::Duration::from_std(RETRY_AFTER_ERROR).unwrap_or_default();
                act.sleep_until(retry, ctx);
                0
            }
        }))
    }

    fn count_lease_changes(&mut self, round: &Balance) {
        let metrics = &self.shared.metrics;
        metrics.lease_changes(LeaseChangeKind::Acquired, round.acquired);
        metrics.lease_changes(LeaseChangeKind::TakenOver, round.taken_over);
        metrics.lease_changes(LeaseChangeKind::Released, round.released.len());
        let now: HashSet<TenantId> = round.held.iter().map(|l| l.tenant_id).collect();
        let lost = self
            .leased
            .iter()
            .filter(|t| !now.contains(t) && !round.released.contains(t))
            .count();
        metrics.lease_changes(LeaseChangeKind::Lost, lost);
        if round.taken_over > 0 || lost > 0 || !round.released.is_empty() {
            tracing::info!(
                node.id = %self.shared.node,
                leases.held = now.len(),
                leases.taken_over = round.taken_over,
                leases.released = round.released.len(),
                leases.lost = lost,
                "tenant leases changed hands"
            );
        }
        self.leased = now;
    }

    fn hand_out(&mut self, claimed: Vec<ClaimedPost>) {
        let now = self.shared.clock.now();
        let mut by_tenant: HashMap<TenantId, Vec<ClaimedPost>> = HashMap::new();
        let ordered = fair::round_robin(claimed.into_iter().map(|c| (c.tenant_id, c)).collect());
        let mut order = Vec::new();
        for claim in ordered {
            if claim.state == PostState::Scheduled {
                let late = (now - claim.due_at).to_std().unwrap_or_default();
                self.shared.metrics.schedule_lateness(late);
            }
            *self.in_hand.entry(claim.tenant_id).or_default() += 1;
            if !by_tenant.contains_key(&claim.tenant_id) {
                order.push(claim.tenant_id);
            }
            by_tenant.entry(claim.tenant_id).or_default().push(claim);
        }
        for tenant in order {
            if let Some(posts) = by_tenant.remove(&tenant) {
                self.registry.do_send(Deliver { tenant, posts });
            }
        }
    }

    /// Sets the one timer to `at` (earlier wins over a later one already set).
    fn sleep_until(&mut self, at: DateTime<Utc>, ctx: &mut Context<Self>) {
        if self.stopping {
            return;
        }
        if let Some((handle, current)) = self.timer {
            if current <= at {
                return;
            }
            ctx.cancel_future(handle);
        }
        let wait = (at - self.shared.clock.now()).to_std().unwrap_or_default();
        let handle = ctx.run_later(wait, |act, ctx| {
            act.timer = None;
            let round = act.round(ctx);
            ctx.wait(round.map(|_, _, _| ()));
        });
        self.timer = Some((handle, at));
    }
}

async fn claim_round(
    shared: &Arc<Shared>,
    skip: Vec<TenantId>,
    busy: Vec<TenantId>,
) -> Result<Round, DbError> {
    shared
        .db(move |conn, shared| {
            let (node, now) = (shared.node, shared.clock.now());

            // Lease the tenants with due work up to the node's fair share, and keep the
            // leases of tenants in hand.
            let wanted = claims::tenants_with_due_work(conn, node, now, LEASE_BATCH)?;
            let term = chrono::Duration::from_std(shared.limits.lease_term)
                .unwrap_or(chrono::Duration::seconds(60));
            let leases = leases::balance(
                conn,
                &BalanceRequest {
                    node,
                    wanted: &wanted,
                    busy: &busy,
                    term,
                    now,
                },
            )?;

            let request = ClaimRequest {
                node,
                now,
                per_tenant: fair::PER_TENANT_IN_HAND - fair::REFILL_BELOW,
                limit: fair::CLAIM_BATCH,
                skip_tenants: skip.clone(),
            };
            let claimed = claims::claim_due(conn, &request)?;
            let next_due = claims::next_due_at(conn, &skip)?;
            Ok(Round {
                leases,
                claimed,
                next_due,
            })
        })
        .await
}

impl Actor for Scheduler {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        self.shared.actor_started(ActorKind::Scheduler);
        self.alive.store(true, Ordering::SeqCst);
        let round = self.round(ctx);
        ctx.wait(round.map(|_, _, _| ()));
    }

    fn stopped(&mut self, _ctx: &mut Self::Context) {
        self.alive.store(false, Ordering::SeqCst);
        self.shared.actor_stopped(ActorKind::Scheduler);
    }
}

impl Handler<Wake> for Scheduler {
    type Result = ();

    fn handle(&mut self, _msg: Wake, ctx: &mut Self::Context) {
        let round = self.round(ctx);
        ctx.wait(round.map(|_, _, _| ()));
    }
}

impl Handler<RunDueNow> for Scheduler {
    type Result = AtomicResponse<Self, usize>;

    fn handle(&mut self, _msg: RunDueNow, ctx: &mut Self::Context) -> Self::Result {
        AtomicResponse::new(self.round(ctx))
    }
}

impl Handler<Released> for Scheduler {
    type Result = ();

    fn handle(&mut self, msg: Released, ctx: &mut Self::Context) {
        let was_full = self
            .in_hand
            .get(&msg.tenant)
            .is_some_and(|n| *n >= fair::REFILL_BELOW);
        if let Some(count) = self.in_hand.get_mut(&msg.tenant) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                self.in_hand.remove(&msg.tenant);
            }
        }
        let now_room = self
            .in_hand
            .get(&msg.tenant)
            .is_none_or(|n| *n < fair::REFILL_BELOW);
        if was_full && now_room {
            // The tenant drained below its refill mark: claim more of its posts now.
            self.sleep_until(self.shared.clock.now(), ctx);
        } else if let Some(next_at) = msg.next_at {
            self.sleep_until(next_at, ctx);
        }
    }
}

impl Handler<Shutdown> for Scheduler {
    type Result = ();

    fn handle(&mut self, _msg: Shutdown, ctx: &mut Self::Context) {
        self.stopping = true;
        if let Some((handle, _)) = self.timer.take() {
            ctx.cancel_future(handle);
        }
        ctx.stop();
    }
}
