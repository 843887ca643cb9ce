//! AccountPublisher: one per connected account of an active tenant. Publishes the
//! account's claimed posts one at a time (so calls for one object never overlap), asking
//! the tenant's RateLimiter before each Graph call. A panic in a run is contained: the post
//! is released, the supervisor told, and this publisher replaced.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use actix::prelude::*;
use actix::WeakAddr;
use futures::FutureExt;

use super::drive::{self, Finish};
use super::limiter::quota::QUOTA_WINDOW;
use super::limiter::RateLimiter;
use super::messages::{Finished, Publish, Released};
use super::shared::Shared;
use super::supervisor::TenantSupervisor;
use crate::ids::{AccountId, TenantId};
use crate::metrics::ActorKind;
use crate::store::{accounts, claims};

pub(crate) struct AccountPublisher {
    pub shared: Arc<Shared>,
    pub tenant: TenantId,
    pub account: AccountId,
    pub limiter: Arc<RateLimiter>,
    pub supervisor: WeakAddr<TenantSupervisor>,
    pub scheduler: Recipient<Released>,
}

impl Actor for AccountPublisher {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        self.shared.actor_started(ActorKind::AccountPublisher);

        // Seed the rolling publishing quotas with what Herald published in the window,
        // before the first post runs.
        let (shared, tenant, account, limiter) = (
            self.shared.clone(),
            self.tenant,
            self.account,
            self.limiter.clone(),
        );
        ctx.wait(
            async move {
                let since = shared.clock.now() - QUOTA_WINDOW;
                let seeded = shared
                    .db(move |conn, _| {
                        let external = accounts::get(conn, tenant, account)?.external_id;
                        Ok((external, claims::published_since(conn, tenant, account, since)?))
                    })
                    .await;
                match seeded {
                    Ok((external, published)) => {
                        for (kind, at) in published {
                            limiter.record_published(&external, kind, at);
                        }
                    }
                    Err(err) => {
                        tracing::warn!(tenant.id = %tenant, account.id = %account, error = %err, "could not count recent publications")
                    }
                }
            }
            .into_actor(self),
        );
    }

    fn stopped(&mut self, _ctx: &mut Self::Context) {
        self.shared.actor_stopped(ActorKind::AccountPublisher);
    }
}

impl Handler<Publish> for AccountPublisher {
    type Result = AtomicResponse<Self, ()>;

    fn handle(&mut self, Publish(claim): Publish, _ctx: &mut Self::Context) -> Self::Result {
        let (shared, limiter) = (self.shared.clone(), self.limiter.clone());
        let post = claim.id;
        let work = async move {
            let run = AssertUnwindSafe(drive::run(shared.clone(), limiter, claim.clone()));
            match run.catch_unwind().await {
                Ok(finish) => (finish, false),
                Err(_) => {
                    tracing::error!(tenant.id = %claim.tenant_id, post.id = %claim.id, "a publish run panicked; the post was released and will be reconciled");
                    (drive::abandon(&shared, &claim).await, true)
                }
            }
        };
        AtomicResponse::new(Box::pin(work.into_actor(self).map(
            move |(finish, panicked), act, _ctx| {
                let next_at = match finish {
                    Finish::Released { next_at } => next_at,
                    Finish::Skipped | Finish::Abandoned => None,
                };
                act.scheduler.do_send(Released {
                    tenant: act.tenant,
                    next_at,
                });
                if let Some(supervisor) = act.supervisor.upgrade() {
                    supervisor.do_send(Finished {
                        post,
                        account: act.account,
                        finish,
                        panicked,
                    });
                }
            },
        )))
    }
}
