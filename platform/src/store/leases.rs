//! Tenant leases and node heartbeats for scale-out. A lease gives one node a tenant until
//! `expires_at`; its epoch grows each time the lease changes hands, and writes made under
//! a lease carry a [`Fence`] that must still match, so a node that stalled and came back
//! cannot write over its successor.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::convert::{at, id, ms};
use super::schema::{nodes, tenant_leases as l};
use super::{DbConnection, StoreError, StoreResult};
use crate::ids::{NodeId, TenantId};

/// The proof a node shows when it writes under a lease.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fence {
    pub node: NodeId,
    pub epoch: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    pub tenant_id: TenantId,
    pub node_id: NodeId,
    pub epoch: i64,
    pub expires_at: DateTime<Utc>,
}

impl Lease {
    pub fn fence(&self) -> Fence {
        Fence {
            node: self.node_id,
            epoch: self.epoch,
        }
    }
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = l)]
struct LeaseRow {
    tenant_id: String,
    node_id: String,
    epoch: i64,
    expires_at: i64,
}

impl TryFrom<LeaseRow> for Lease {
    type Error = StoreError;

    fn try_from(row: LeaseRow) -> StoreResult<Self> {
        Ok(Lease {
            tenant_id: id("tenant_leases.tenant_id", &row.tenant_id, TenantId::from_db)?,
            node_id: id("tenant_leases.node_id", &row.node_id, NodeId::from_db)?,
            epoch: row.epoch,
            expires_at: at(row.expires_at),
        })
    }
}

pub fn get(conn: &mut DbConnection, tenant: TenantId) -> StoreResult<Option<Lease>> {
    l::table
        .find(tenant.to_db())
        .select(LeaseRow::as_select())
        // get_result, not first: a bound LIMIT makes SQLite re-prepare the statement on every run.
        .get_result(conn)
        .optional()?
        .map(Lease::try_from)
        .transpose()
}

/// What taking a lease changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LeaseChange {
    /// The tenant had no lease, a released one, or this node's own lapsed one.
    Acquired,
    /// This node already held it: only the term moved.
    Renewed,
    /// Another node's lease lapsed without being given up (it stopped or stalled).
    TakenOver,
}

/// Takes or renews the tenant's lease until `until`. Returns the lease when this node holds
/// it afterwards, `None` when another node holds an unexpired lease (or won a race).
pub fn acquire(
    conn: &mut DbConnection,
    tenant: TenantId,
    node: NodeId,
    until: DateTime<Utc>,
    now: DateTime<Utc>,
) -> StoreResult<Option<Lease>> {
    Ok(take(conn, tenant, node, until, now)?.map(|(lease, _)| lease))
}

/// [`acquire`], also saying what changed hands.
pub fn take(
    conn: &mut DbConnection,
    tenant: TenantId,
    node: NodeId,
    until: DateTime<Utc>,
    now: DateTime<Utc>,
) -> StoreResult<Option<(Lease, LeaseChange)>> {
    let Some(current) = get(conn, tenant)? else {
        let row = LeaseRow {
            tenant_id: tenant.to_db(),
            node_id: node.to_db(),
            epoch: 1,
            expires_at: ms(until),
        };
        return match diesel::insert_into(l::table).values(&row).execute(conn) {
            Ok(_) => Ok(Some((row.try_into()?, LeaseChange::Acquired))),
            Err(e) => match StoreError::from(e) {
                StoreError::Conflict { .. } => Ok(None),
                other => Err(other),
            },
        };
    };

    let ours = current.node_id == node;
    let live = current.expires_at > now;
    if !ours && live {
        return Ok(None);
    }
    let (epoch, change) = match (ours, live) {
        (true, true) => (current.epoch, LeaseChange::Renewed),
        (true, false) => (current.epoch, LeaseChange::Acquired),
        // A released lease has `expires_at` 0; a lapsed one keeps its last term.
        (false, _) if current.expires_at.timestamp_millis() > 0 => {
            (current.epoch + 1, LeaseChange::TakenOver)
        }
        (false, _) => (current.epoch + 1, LeaseChange::Acquired),
    };
    // Guarded by the epoch read: of two nodes racing for an expired lease, one wins.
    let changed = diesel::update(
        l::table
            .filter(l::tenant_id.eq(tenant.to_db()))
            .filter(l::epoch.eq(current.epoch)),
    )
    .set((
        l::node_id.eq(node.to_db()),
        l::epoch.eq(epoch),
        l::expires_at.eq(ms(until)),
    ))
    .execute(conn)?;
    if changed == 0 {
        return Ok(None);
    }
    let lease = Lease {
        tenant_id: tenant,
        node_id: node,
        epoch,
        expires_at: until,
    };
    Ok(Some((lease, change)))
}

/// Checks that `fence` still holds the tenant's lease at `now`; `Conflict` otherwise.
pub fn check(
    conn: &mut DbConnection,
    tenant: TenantId,
    fence: &Fence,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    match get(conn, tenant)? {
        Some(lease)
            if lease.node_id == fence.node
                && lease.epoch == fence.epoch
                && lease.expires_at > now =>
        {
            Ok(())
        }
        _ => Err(StoreError::conflict(
            "the tenant's lease was lost (fencing epoch changed)",
        )),
    }
}

/// Gives a lease up (at shutdown), only if still held under `fence`.
pub fn release(conn: &mut DbConnection, tenant: TenantId, fence: &Fence) -> StoreResult<()> {
    diesel::update(
        l::table
            .filter(l::tenant_id.eq(tenant.to_db()))
            .filter(l::node_id.eq(fence.node.to_db()))
            .filter(l::epoch.eq(fence.epoch)),
    )
    .set(l::expires_at.eq(0_i64))
    .execute(conn)?;
    Ok(())
}

/// Leases a node holds (unexpired at `now`).
pub fn held_by(
    conn: &mut DbConnection,
    node: NodeId,
    now: DateTime<Utc>,
) -> StoreResult<Vec<Lease>> {
    l::table
        .filter(l::node_id.eq(node.to_db()))
        .filter(l::expires_at.gt(ms(now)))
        .select(LeaseRow::as_select())
        .load(conn)?
        .into_iter()
        .map(Lease::try_from)
        .collect()
}

/// Records that `node` is alive.
pub fn heartbeat(conn: &mut DbConnection, node: NodeId, now: DateTime<Utc>) -> StoreResult<()> {
    let changed = diesel::update(nodes::table.find(node.to_db()))
        .set(nodes::heartbeat_at.eq(ms(now)))
        .execute(conn)?;
    if changed == 0 {
        diesel::insert_into(nodes::table)
            .values((
                nodes::id.eq(node.to_db()),
                nodes::started_at.eq(ms(now)),
                nodes::heartbeat_at.eq(ms(now)),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Nodes seen since `since`.
pub fn live_nodes(conn: &mut DbConnection, since: DateTime<Utc>) -> StoreResult<Vec<NodeId>> {
    nodes::table
        .filter(nodes::heartbeat_at.ge(ms(since)))
        .select(nodes::id)
        .order(nodes::id.asc())
        .load::<String>(conn)?
        .iter()
        .map(|v| id("nodes.id", v, NodeId::from_db))
        .collect()
}

/// Every lease unexpired at `now`, by tenant: who holds what, for `/readyz` and the
/// dashboard.
pub fn all_live(conn: &mut DbConnection, now: DateTime<Utc>) -> StoreResult<Vec<Lease>> {
    l::table
        .filter(l::expires_at.gt(ms(now)))
        .order(l::tenant_id.asc())
        .select(LeaseRow::as_select())
        .load(conn)?
        .into_iter()
        .map(Lease::try_from)
        .collect()
}

/// The most tenants one node should hold so that `tenants` spread over `live_nodes`:
/// ⌈tenants / live_nodes⌉ (all of them when no node is known to be live).
pub fn fair_share(tenants: usize, live_nodes: usize) -> usize {
    tenants.div_ceil(live_nodes.max(1))
}

/// What one [`balance`] round did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Balance {
    /// The leases the node holds afterwards.
    pub held: Vec<Lease>,
    pub acquired: usize,
    pub taken_over: usize,
    /// Leases given up because the node held more than its fair share.
    pub released: Vec<TenantId>,
}

/// The tenants a node wants and what it may not drop in one [`balance`] round.
#[derive(Debug, Clone)]
pub struct BalanceRequest<'a> {
    pub node: NodeId,
    /// Tenants with due work that no other node holds (some may be the node's own).
    pub wanted: &'a [TenantId],
    /// Tenants the node has posts in hand for: their leases are renewed, never dropped.
    pub busy: &'a [TenantId],
    /// How long a lease lasts; also how long a node counts as live after its heartbeat.
    pub term: chrono::Duration,
    pub now: DateTime<Utc>,
}

/// One lease round for a node: records its heartbeat, renews the leases of its busy
/// tenants when half their term is gone, takes wanted tenants up to its fair share of the
/// tenants in play among live nodes, and gives up idle leases beyond that share, so
/// tenants spread across live nodes and a new node picks up a share.
pub fn balance(conn: &mut DbConnection, request: &BalanceRequest<'_>) -> StoreResult<Balance> {
    let BalanceRequest {
        node,
        wanted,
        busy,
        term,
        now,
    } = *request;
    heartbeat(conn, node, now)?;
    let live = live_nodes(conn, now - term)?.len();
    let mut held = held_by(conn, node, now)?;
    // Kept first: busy tenants, then those with due work.
    held.sort_by_key(|lease| {
        (
            !busy.contains(&lease.tenant_id),
            !wanted.contains(&lease.tenant_id),
            lease.tenant_id,
        )
    });
    let held_elsewhere: i64 = l::table
        .filter(l::node_id.ne(node.to_db()))
        .filter(l::expires_at.gt(ms(now)))
        .count()
        .get_result(conn)?;

    let mine: Vec<TenantId> = held.iter().map(|lease| lease.tenant_id).collect();
    let new: Vec<TenantId> = wanted
        .iter()
        .filter(|t| !mine.contains(t))
        .copied()
        .collect();
    let in_play = usize::try_from(held_elsewhere).unwrap_or(0) + mine.len() + new.len();
    let share = fair_share(in_play, live);

    let mut outcome = Balance::default();
    let until = now + term;
    let mut kept = 0;
    let mut extras = Vec::new();
    for lease in held {
        let is_busy = busy.contains(&lease.tenant_id);
        if !is_busy && kept >= share {
            extras.push(lease);
            continue;
        }
        kept += 1;
        let due_soon = wanted.contains(&lease.tenant_id) || is_busy;
        if due_soon && lease.expires_at < now + term / 2 {
            if let Some((renewed, _)) = take(conn, lease.tenant_id, node, until, now)? {
                outcome.held.push(renewed);
            }
        } else {
            outcome.held.push(lease);
        }
    }
    for lease in extras {
        release(conn, lease.tenant_id, &lease.fence())?;
        outcome.released.push(lease.tenant_id);
    }
    for tenant in new {
        if outcome.held.len() >= share {
            break;
        }
        match take(conn, tenant, node, until, now)? {
            Some((lease, LeaseChange::TakenOver)) => {
                outcome.taken_over += 1;
                outcome.held.push(lease);
            }
            Some((lease, _)) => {
                outcome.acquired += 1;
                outcome.held.push(lease);
            }
            None => {}
        }
    }
    Ok(outcome)
}
