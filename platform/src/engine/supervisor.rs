//! TenantSupervisor: one per active tenant, started under actix's `Supervisor` so it is
//! restarted when it stops on a fault. Owns the tenant's RateLimiter, its TokenRefresher
//! and one AccountPublisher per account with work; one tenant's flood or fault stays in
//! its own tree. After [`EngineLimits::idle_after`](super::EngineLimits) without work it
//! asks the Registry to retire it, so memory follows active tenants.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix::prelude::*;
use actix::WeakAddr;

use super::account::AccountPublisher;
use super::limiter::RateLimiter;
use super::messages::{CheckTokensSoon, Deliver, Finished, Idle, Publish, Released, Retire};
use super::refresher::TokenRefresher;
use super::registry::Registry;
use super::shared::Shared;
use crate::ids::{AccountId, PostId, TenantId};
use crate::metrics::ActorKind;

/// Shortest interval between two idleness checks.
const IDLE_CHECK_MIN: Duration = Duration::from_secs(1);

pub(crate) struct TenantSupervisor {
    shared: Arc<Shared>,
    tenant: TenantId,
    generation: u64,
    limiter: Arc<RateLimiter>,
    accounts: HashMap<AccountId, Addr<AccountPublisher>>,
    refresher: Option<Addr<TokenRefresher>>,
    scheduler: Recipient<Released>,
    registry: WeakAddr<Registry>,
    in_flight: HashSet<PostId>,
    last_busy: Instant,
    retiring: bool,
}

impl TenantSupervisor {
    pub fn new(
        shared: Arc<Shared>,
        tenant: TenantId,
        generation: u64,
        scheduler: Recipient<Released>,
        registry: WeakAddr<Registry>,
    ) -> Self {
        let limiter = Arc::new(RateLimiter::new(
            shared.limits.limiter.clone(),
            shared.clock.clone(),
            shared.app_budget.clone(),
            Some(shared.metrics.clone()),
        ));
        Self {
            shared,
            tenant,
            generation,
            limiter,
            accounts: HashMap::new(),
            refresher: None,
            scheduler,
            registry,
            in_flight: HashSet::new(),
            last_busy: Instant::now(),
            retiring: false,
        }
    }

    fn publisher_for(
        &mut self,
        account: AccountId,
        ctx: &mut Context<Self>,
    ) -> Addr<AccountPublisher> {
        if let Some(addr) = self.accounts.get(&account).filter(|a| a.connected()) {
            return addr.clone();
        }
        let publisher = AccountPublisher {
            shared: self.shared.clone(),
            tenant: self.tenant,
            account,
            limiter: self.limiter.clone(),
            supervisor: ctx.address().downgrade(),
            scheduler: self.scheduler.clone(),
        };
        let addr = publisher.start();
        self.accounts.insert(account, addr.clone());
        addr
    }

    fn check_idle(&mut self, _ctx: &mut Context<Self>) {
        let idle_after = self.shared.limits.idle_after;
        if self.in_flight.is_empty() && self.last_busy.elapsed() >= idle_after {
            if let Some(registry) = self.registry.upgrade() {
                registry.do_send(Idle {
                    tenant: self.tenant,
                    generation: self.generation,
                });
            }
        }
    }

    fn stop_if_retired(&mut self, ctx: &mut Context<Self>) {
        if self.retiring && self.in_flight.is_empty() {
            // Dropping the children's addresses lets them stop once their mailboxes drain.
            self.accounts.clear();
            self.refresher = None;
            ctx.stop();
        }
    }
}

impl Actor for TenantSupervisor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        self.shared.actor_started(ActorKind::TenantSupervisor);
        self.shared.actor_started(ActorKind::RateLimiter);
        if self.refresher.is_none() {
            if let Some(checker) = self.shared.token_checker.clone() {
                let refresher = TokenRefresher::new(self.shared.clone(), self.tenant, checker);
                self.refresher = Some(refresher.start());
            }
        }
        let every = (self.shared.limits.idle_after / 2).max(IDLE_CHECK_MIN);
        ctx.run_interval(every, Self::check_idle);
    }

    fn stopped(&mut self, _ctx: &mut Self::Context) {
        self.shared.actor_stopped(ActorKind::RateLimiter);
        self.shared.actor_stopped(ActorKind::TenantSupervisor);
    }
}

impl Supervised for TenantSupervisor {
    fn restarting(&mut self, _ctx: &mut Self::Context) {
        tracing::warn!(tenant.id = %self.tenant, "restarting a tenant supervisor after a fault");
        self.shared
            .metrics
            .actor_restarted(ActorKind::TenantSupervisor);
        // `stopped` counted it down; `started` counts it up again.
    }
}

impl Handler<Deliver> for TenantSupervisor {
    type Result = ();

    fn handle(&mut self, msg: Deliver, ctx: &mut Self::Context) {
        self.last_busy = Instant::now();
        for claim in msg.posts {
            self.in_flight.insert(claim.id);
            let publisher = self.publisher_for(claim.account_id, ctx);
            publisher.do_send(Publish(claim));
        }
    }
}

impl Handler<Finished> for TenantSupervisor {
    type Result = ();

    fn handle(&mut self, msg: Finished, ctx: &mut Self::Context) {
        self.in_flight.remove(&msg.post);
        self.last_busy = Instant::now();
        tracing::trace!(tenant.id = %self.tenant, post.id = %msg.post, finish = ?msg.finish, "publish run ended");
        if msg.panicked {
            // Replace the account's publisher, and restart the supervisor (counted).
            self.accounts.remove(&msg.account);
            if !self.retiring {
                ctx.stop();
                return;
            }
        }
        self.stop_if_retired(ctx);
    }
}

impl Handler<Retire> for TenantSupervisor {
    type Result = ();

    fn handle(&mut self, _msg: Retire, ctx: &mut Self::Context) {
        self.retiring = true;
        self.stop_if_retired(ctx);
    }
}

impl Handler<CheckTokensSoon> for TenantSupervisor {
    type Result = ();

    fn handle(&mut self, _msg: CheckTokensSoon, _ctx: &mut Self::Context) {
        if let Some(refresher) = &self.refresher {
            refresher.do_send(super::messages::CheckTokens);
        }
    }
}
