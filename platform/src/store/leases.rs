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
        .first(conn)
        .optional()?
        .map(Lease::try_from)
        .transpose()
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
    let Some(current) = get(conn, tenant)? else {
        let row = LeaseRow {
            tenant_id: tenant.to_db(),
            node_id: node.to_db(),
            epoch: 1,
            expires_at: ms(until),
        };
        return match diesel::insert_into(l::table).values(&row).execute(conn) {
            Ok(_) => Ok(Some(row.try_into()?)),
            Err(e) => match StoreError::from(e) {
                StoreError::Conflict { .. } => Ok(None),
                other => Err(other),
            },
        };
    };

    let ours = current.node_id == node;
    if !ours && current.expires_at > now {
        return Ok(None);
    }
    let epoch = if ours {
        current.epoch
    } else {
        current.epoch + 1
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
    Ok(Some(Lease {
        tenant_id: tenant,
        node_id: node,
        epoch,
        expires_at: until,
    }))
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
