//! The engine's database work for one post, as blocking functions run on the blocking
//! pool: load what a publish needs, and write a decision (transition, timeline entry and
//! outbox event in one transaction, fenced by the tenant's lease).

use chrono::{DateTime, Utc};
use serde_json::json;

use super::rules::{CheckpointChange, Decision, Then};
use super::shared::Shared;
use crate::domain::{PostKind, PostSpec, PostState};
use crate::ids::{AccountId, PostId, TenantId};
use crate::publish::{Checkpoint, PublishError, PublishTarget, TokenHost};
use crate::store::accounts::{self, Account};
use crate::store::claims::ClaimedPost;
use crate::store::connections::{self, LinkStatus, LoginKind};
use crate::store::leases::Fence;
use crate::store::outbox::{self, NewOutboxEvent};
use crate::store::posts::{self, Post};
use crate::store::posts_transition::{transition, PostChanges};
use crate::store::{tenants, write_transaction, DbConnection, StoreError, StoreResult};

/// Everything a publish run needs, loaded in one go.
pub(crate) struct Loaded {
    pub post: Post,
    pub account: Account,
    /// `Err` with a plain reason when no usable token is stored.
    pub target: Result<PublishTarget, String>,
    /// `Err` with a plain reason when the stored post cannot become a spec.
    pub spec: Result<PostSpec, String>,
}

/// Loads a claimed post, or `None` when it is no longer this claim's to work on.
pub(crate) fn load(
    conn: &mut DbConnection,
    shared: &Shared,
    claim: &ClaimedPost,
) -> StoreResult<Option<Loaded>> {
    let post = posts::get(conn, claim.tenant_id, claim.id)?;
    let ours = post.claimed_by == Some(shared.node) && post.lease_epoch == Some(claim.epoch);
    if !ours || post.state.is_terminal() {
        return Ok(None);
    }
    let account = accounts::get(conn, claim.tenant_id, post.account_id)?;
    let target = target(conn, shared, &account);
    let spec = shared.spec_builder.build(conn, &post);
    Ok(Some(Loaded {
        post,
        account,
        target,
        spec,
    }))
}

fn target(
    conn: &mut DbConnection,
    shared: &Shared,
    account: &Account,
) -> Result<PublishTarget, String> {
    let unreadable =
        |err: StoreError| format!("the account's stored access could not be read ({err})");
    let page_token = accounts::page_token(conn, &shared.keyring, account.tenant_id, account.id)
        .map_err(unreadable)?;
    let (access_token, host) = match page_token {
        Some(token) => (token, TokenHost::FacebookLogin),
        None => {
            let connection = connections::get(conn, account.tenant_id, account.connection_id)
                .map_err(unreadable)?;
            let token = connections::user_token(
                conn,
                &shared.keyring,
                account.tenant_id,
                account.connection_id,
            )
            .map_err(unreadable)?;
            let host = match connection.login_kind {
                LoginKind::Instagram => TokenHost::InstagramLogin,
                LoginKind::Facebook => TokenHost::FacebookLogin,
            };
            (token, host)
        }
    };
    Ok(PublishTarget {
        external_id: account.external_id.clone(),
        access_token,
        host,
    })
}

/// A decision to write, with what the run learned.
pub(crate) struct Write<'a> {
    pub tenant: TenantId,
    pub post: PostId,
    pub account: AccountId,
    pub kind: PostKind,
    pub from: PostState,
    pub fence: Fence,
    pub decision: &'a Decision,
    /// The checkpoint as the adapter left it.
    pub checkpoint: &'a Checkpoint,
    pub error: Option<&'a PublishError>,
}

/// Writes a decision: the transition with its timeline entry and outbox event, fenced. A
/// decision that releases the post also drops the claim.
pub(crate) fn write(
    conn: &mut DbConnection,
    write: &Write<'_>,
    now: DateTime<Utc>,
) -> StoreResult<Post> {
    let decision = write.decision;
    let checkpoint = match &decision.checkpoint {
        CheckpointChange::Keep => write.checkpoint.clone(),
        CheckpointChange::Reset => Checkpoint(serde_json::Value::Null),
        CheckpointChange::Set(found) => found.clone(),
    };
    let release = decision.then == Then::Release;
    let last_error = decision
        .last_error
        .as_ref()
        .map(|message| json!({ "message": message, "error": write.error }));
    let changes = PostChanges {
        checkpoint: Some(checkpoint),
        attempts: Some(i32::try_from(decision.attempts).unwrap_or(i32::MAX)),
        next_attempt_at: Some(decision.next_attempt_at),
        external_id: decision.external_id.clone().map(Some),
        permalink: decision.permalink.clone().map(Some),
        last_error: last_error.map(Some),
        claimed_by: release.then_some(None),
        lease_epoch: release.then_some(None),
        fence: Some(write.fence),
        ..PostChanges::default()
    };
    let event = decision.notify.map(|notify| {
        NewOutboxEvent::new(
            notify.event_type(),
            json!({
                "post_id": write.post,
                "tenant_id": write.tenant,
                "account_id": write.account,
                "kind": write.kind,
                "state": decision.to,
                "detail": decision.detail,
                "external_id": decision.external_id,
                "permalink": decision.permalink,
                "next_attempt_at": decision.next_attempt_at,
                "error": write.error,
            }),
        )
    });
    transition(
        conn,
        write.tenant,
        write.post,
        write.from,
        decision.to,
        &decision.detail,
        changes,
        event,
        now,
    )
}

/// Marks an account as needing the client to reconnect and, the first time, tells the
/// client's systems with `account.reauth_required`. Returns whether the status changed.
pub(crate) fn mark_reauth(
    conn: &mut DbConnection,
    tenant: TenantId,
    account: AccountId,
    reason: &str,
    now: DateTime<Utc>,
) -> StoreResult<bool> {
    // Read-then-write: take the write lock first, or SQLite refuses the upgrade (BUSY).
    write_transaction(conn, |conn| {
        let current = accounts::get(conn, tenant, account)?;
        if current.status == LinkStatus::ReauthRequired {
            return Ok(false);
        }
        accounts::set_status(
            conn,
            tenant,
            account,
            LinkStatus::ReauthRequired,
            Some(reason),
            now,
        )?;
        let agency = tenants::agency_of(conn, tenant)?;
        let event = NewOutboxEvent::new(
            "account.reauth_required",
            json!({
                "tenant_id": tenant,
                "account_id": account,
                "external_id": current.external_id,
                "name": current.name,
                "reason": reason,
            }),
        );
        outbox::insert(conn, agency, Some(tenant), &event, now)?;
        Ok(true)
    })
}

/// A [`Write`] that can move to the blocking pool.
pub(crate) struct OwnedWrite {
    tenant: TenantId,
    post: PostId,
    account: AccountId,
    kind: PostKind,
    from: PostState,
    fence: Fence,
    decision: Decision,
    checkpoint: Checkpoint,
    error: Option<PublishError>,
}

impl OwnedWrite {
    pub fn from(write: &Write<'_>) -> Self {
        Self {
            tenant: write.tenant,
            post: write.post,
            account: write.account,
            kind: write.kind,
            from: write.from,
            fence: write.fence,
            decision: write.decision.clone(),
            checkpoint: write.checkpoint.clone(),
            error: write.error.cloned(),
        }
    }

    pub fn borrow(&self) -> Write<'_> {
        Write {
            tenant: self.tenant,
            post: self.post,
            account: self.account,
            kind: self.kind,
            from: self.from,
            fence: self.fence,
            decision: &self.decision,
            checkpoint: &self.checkpoint,
            error: self.error.as_ref(),
        }
    }
}
