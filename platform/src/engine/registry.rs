//! Registry: one per node; tenant id → its TenantSupervisor. Starts a supervisor when a
//! tenant's posts are delivered and retires it when it reports idle, so memory follows the
//! active tenants rather than all tenants.

use std::collections::HashMap;
use std::sync::Arc;

use actix::prelude::*;

use super::messages::{CountSupervisors, Deliver, Idle, Released, Retire, Shutdown};
use super::shared::Shared;
use super::supervisor::TenantSupervisor;
use crate::ids::TenantId;
use crate::metrics::ActorKind;

pub(crate) struct Registry {
    shared: Arc<Shared>,
    scheduler: Recipient<Released>,
    tenants: HashMap<TenantId, (Addr<TenantSupervisor>, u64)>,
    next_generation: u64,
    stopping: bool,
}

impl Registry {
    pub fn new(shared: Arc<Shared>, scheduler: Recipient<Released>) -> Self {
        Self {
            shared,
            scheduler,
            tenants: HashMap::new(),
            next_generation: 0,
            stopping: false,
        }
    }

    fn supervisor(&mut self, tenant: TenantId, ctx: &mut Context<Self>) -> Addr<TenantSupervisor> {
        if let Some((addr, _)) = self.tenants.get(&tenant).filter(|(a, _)| a.connected()) {
            return addr.clone();
        }
        self.next_generation += 1;
        let generation = self.next_generation;
        let (shared, scheduler, registry) = (
            self.shared.clone(),
            self.scheduler.clone(),
            ctx.address().downgrade(),
        );
        let addr = actix::Supervisor::start(move |_| {
            TenantSupervisor::new(shared, tenant, generation, scheduler, registry)
        });
        self.tenants.insert(tenant, (addr.clone(), generation));
        addr
    }
}

impl Actor for Registry {
    type Context = Context<Self>;

    fn started(&mut self, _ctx: &mut Self::Context) {
        self.shared.actor_started(ActorKind::Registry);
    }

    fn stopped(&mut self, _ctx: &mut Self::Context) {
        self.shared.actor_stopped(ActorKind::Registry);
    }
}

impl Handler<Deliver> for Registry {
    type Result = ();

    fn handle(&mut self, msg: Deliver, ctx: &mut Self::Context) {
        if self.stopping {
            // Not handed out: the claims are dropped at the next start.
            return;
        }
        self.supervisor(msg.tenant, ctx).do_send(msg);
    }
}

impl Handler<Idle> for Registry {
    type Result = ();

    fn handle(&mut self, msg: Idle, _ctx: &mut Self::Context) {
        let current = self
            .tenants
            .get(&msg.tenant)
            .is_some_and(|(_, g)| *g == msg.generation);
        if current {
            if let Some((addr, _)) = self.tenants.remove(&msg.tenant) {
                addr.do_send(Retire);
            }
        }
    }
}

impl Handler<CountSupervisors> for Registry {
    type Result = usize;

    fn handle(&mut self, _msg: CountSupervisors, _ctx: &mut Self::Context) -> usize {
        self.tenants.retain(|_, (addr, _)| addr.connected());
        self.tenants.len()
    }
}

impl Handler<Shutdown> for Registry {
    type Result = ();

    fn handle(&mut self, _msg: Shutdown, _ctx: &mut Self::Context) {
        self.stopping = true;
        for (_, (addr, _)) in self.tenants.drain() {
            addr.do_send(Retire);
        }
    }
}
