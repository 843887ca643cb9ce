//! Moving a post through the state machine. A move writes the new state, the post's other
//! changes, the timeline entry and the outbox event in ONE transaction, guarded by the
//! state the caller expects: a lost race is reported as `Conflict`, never applied.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::convert::{ms, to_json};
use super::leases::{self, Fence};
use super::outbox::{self, NewOutboxEvent};
use super::posts::{self, Post};
use super::schema::posts as p;
use super::tx::write_transaction;
use super::{post_events, tenants, DbConnection, StoreError, StoreResult};
use crate::domain::PostState;
use crate::ids::{NodeId, PostId, TenantId};
use crate::publish::Checkpoint;

/// What else changes with a move. `None` leaves a column as it is; `Some(None)` clears it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PostChanges {
    pub checkpoint: Option<Checkpoint>,
    /// Adds one to `attempts`.
    pub count_attempt: bool,
    /// Sets `attempts` (a manual retry resets it to 0). Applied before `count_attempt`.
    pub attempts: Option<i32>,
    pub next_attempt_at: Option<Option<DateTime<Utc>>>,
    pub publish_at: Option<DateTime<Utc>>,
    pub external_id: Option<Option<String>>,
    pub permalink: Option<Option<String>>,
    pub last_error: Option<Option<serde_json::Value>>,
    pub claimed_by: Option<Option<NodeId>>,
    pub lease_epoch: Option<Option<i64>>,
    /// When set, the write happens only while this node holds the tenant's lease at this
    /// epoch (a fencing token); otherwise it is a `Conflict`.
    pub fence: Option<Fence>,
}

#[derive(AsChangeset)]
#[diesel(table_name = p)]
struct PostChangeset {
    state: String,
    updated_at: i64,
    checkpoint: Option<Option<String>>,
    attempts: Option<i32>,
    next_attempt_at: Option<Option<i64>>,
    publish_at: Option<i64>,
    external_id: Option<Option<String>>,
    permalink: Option<Option<String>>,
    last_error: Option<Option<String>>,
    claimed_by: Option<Option<String>>,
    lease_epoch: Option<Option<i64>>,
}

fn changeset(
    current: &Post,
    to: PostState,
    changes: &PostChanges,
    now: DateTime<Utc>,
) -> StoreResult<PostChangeset> {
    let mut attempts = changes.attempts;
    if changes.count_attempt {
        attempts = Some(attempts.unwrap_or(current.attempts).saturating_add(1));
    }
    let checkpoint = match &changes.checkpoint {
        Some(c) if c.0.is_null() => Some(None),
        Some(c) => Some(Some(to_json("checkpoint", &c.0)?)),
        None => None,
    };
    let last_error = match &changes.last_error {
        Some(Some(v)) => Some(Some(to_json("last_error", v)?)),
        Some(None) => Some(None),
        None => None,
    };
    Ok(PostChangeset {
        state: to.as_str().to_owned(),
        updated_at: ms(now),
        checkpoint,
        attempts,
        next_attempt_at: changes.next_attempt_at.map(|v| v.map(ms)),
        publish_at: changes.publish_at.map(ms),
        external_id: changes.external_id.clone(),
        permalink: changes.permalink.clone(),
        last_error,
        claimed_by: changes.claimed_by.map(|v| v.map(|n| n.to_db())),
        lease_epoch: changes.lease_epoch,
    })
}

/// Moves `post` from `expected_from` to `to` with `changes`, appending a timeline entry
/// (`detail`) and, when given, an outbox event — all or nothing.
///
/// Errors: `NotFound` (missing or another tenant's post), `Invalid{field: "state"}` (the
/// state machine forbids the move), `Conflict` (the post is no longer in `expected_from`,
/// or the fence's lease was lost).
#[allow(clippy::too_many_arguments)]
pub fn transition(
    conn: &mut DbConnection,
    tenant: TenantId,
    post_id: PostId,
    expected_from: PostState,
    to: PostState,
    detail: &str,
    changes: PostChanges,
    outbox_event: Option<NewOutboxEvent>,
    now: DateTime<Utc>,
) -> StoreResult<Post> {
    if !expected_from.can_move_to(to) {
        return Err(StoreError::invalid(
            "state",
            format!("a post cannot move from {expected_from} to {to}"),
        ));
    }
    write_transaction(conn, |conn| {
        let updated = write_guarded(conn, tenant, post_id, expected_from, to, &changes, now)?;
        post_events::insert(conn, tenant, post_id, Some(expected_from), to, detail, now)?;
        if let Some(event) = &outbox_event {
            let agency = tenants::agency_of(conn, tenant)?;
            outbox::insert(conn, agency, Some(tenant), event, now)?;
        }
        Ok(updated)
    })
}

/// Saves progress (a checkpoint, a next attempt time…) without changing the state and
/// without a timeline entry; guarded by `expected_state` like [`transition`].
pub fn save_progress(
    conn: &mut DbConnection,
    tenant: TenantId,
    post_id: PostId,
    expected_state: PostState,
    changes: PostChanges,
    now: DateTime<Utc>,
) -> StoreResult<Post> {
    write_transaction(conn, |conn| {
        write_guarded(
            conn,
            tenant,
            post_id,
            expected_state,
            expected_state,
            &changes,
            now,
        )
    })
}

fn write_guarded(
    conn: &mut DbConnection,
    tenant: TenantId,
    post_id: PostId,
    expected_from: PostState,
    to: PostState,
    changes: &PostChanges,
    now: DateTime<Utc>,
) -> StoreResult<Post> {
    if let Some(fence) = &changes.fence {
        leases::check(conn, tenant, fence, now)?;
    }
    let current = posts::get(conn, tenant, post_id)?;
    if current.state != expected_from {
        return Err(StoreError::conflict(format!(
            "post is {}, not {expected_from}",
            current.state
        )));
    }
    let set = changeset(&current, to, changes, now)?;
    let changed = diesel::update(
        p::table
            .filter(p::id.eq(post_id.to_db()))
            .filter(p::tenant_id.eq(tenant.to_db()))
            .filter(p::state.eq(expected_from.as_str())),
    )
    .set(&set)
    .execute(conn)?;
    if changed == 0 {
        return Err(StoreError::conflict(format!(
            "post is no longer {expected_from}"
        )));
    }
    posts::get(conn, tenant, post_id)
}
