//! The messages between the engine's actors. Each says what it asks and what it answers.

use actix::Message;
use chrono::{DateTime, Utc};

use super::drive::Finish;
use crate::ids::{AccountId, PostId, TenantId};
use crate::store::claims::ClaimedPost;

/// Scheduler: a post was created or changed; look for due work now. No answer.
#[derive(Message, Debug, Clone, Copy)]
#[rtype(result = "()")]
pub struct Wake;

/// Scheduler: claim and hand out due work now, answering how many posts were claimed
/// (the test hook that runs due work without waiting).
#[derive(Message, Debug, Clone, Copy)]
#[rtype(result = "usize")]
pub struct RunDueNow;

/// Scheduler: a post handed out is no longer in hand; it comes back at `next_at`, if any.
#[derive(Message, Debug, Clone, Copy)]
#[rtype(result = "()")]
pub struct Released {
    pub tenant: TenantId,
    pub next_at: Option<DateTime<Utc>>,
}

/// Registry → TenantSupervisor: publish these claimed posts (oldest first). No answer.
#[derive(Message, Debug, Clone)]
#[rtype(result = "()")]
pub struct Deliver {
    pub tenant: TenantId,
    pub posts: Vec<ClaimedPost>,
}

/// TenantSupervisor → AccountPublisher: publish one claimed post. No answer (the
/// publisher reports [`Finished`] and [`Released`]).
#[derive(Message, Debug, Clone)]
#[rtype(result = "()")]
pub struct Publish(pub ClaimedPost);

/// AccountPublisher → TenantSupervisor: a run ended; `panicked` when it was cut short by
/// a panic (the post was released and is reconciled when picked up again).
#[derive(Message, Debug, Clone)]
#[rtype(result = "()")]
pub struct Finished {
    pub post: PostId,
    pub account: AccountId,
    pub finish: Finish,
    pub panicked: bool,
}

/// TenantSupervisor → Registry: nothing to do for a while; `generation` tells this
/// supervisor from a newer one of the same tenant.
#[derive(Message, Debug, Clone, Copy)]
#[rtype(result = "()")]
pub struct Idle {
    pub tenant: TenantId,
    pub generation: u64,
}

/// Registry → TenantSupervisor: stop once the runs in flight have ended.
#[derive(Message, Debug, Clone, Copy)]
#[rtype(result = "()")]
pub struct Retire;

/// Registry: how many tenant supervisors are live.
#[derive(Message, Debug, Clone, Copy)]
#[rtype(result = "usize")]
pub struct CountSupervisors;

/// Scheduler or Registry: stop taking work; answers once stopped taking it.
#[derive(Message, Debug, Clone, Copy)]
#[rtype(result = "()")]
pub struct Shutdown;

/// TokenRefresher: check the tenant's tokens now; answers how many accounts now need the
/// client to reconnect.
#[derive(Message, Debug, Clone, Copy)]
#[rtype(result = "usize")]
pub struct CheckTokens;

/// TenantSupervisor: have the TokenRefresher check the tenant's tokens now. No answer.
#[derive(Message, Debug, Clone, Copy)]
#[rtype(result = "()")]
pub struct CheckTokensSoon;
