//! Claiming due posts for the publish engine. A node claims only posts of tenants whose
//! lease it holds ([`super::leases`]); a claim writes the node and the lease's epoch on the
//! post, so a claim made under an older epoch (a node that stalled, or this node before a
//! restart) is stale and the post can be claimed again.
//!
//! The statements that differ between the backends sit side by side here: PostgreSQL
//! locks the chosen rows with `FOR UPDATE SKIP LOCKED`; SQLite has one writer, and the
//! claim runs in an immediate transaction that takes the write lock first.

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use diesel::{PgConnection, SqliteConnection};

use super::convert::{at, id, ms, name};
use super::leases;
use super::schema::{posts as p, tenant_leases as l};
use super::{DbConnection, StoreResult};
use crate::domain::{PostKind, PostState};
use crate::ids::{AccountId, NodeId, PostId, TenantId};

/// How long a tenant lease lasts unless renewed.
pub const LEASE_TTL: Duration = Duration::seconds(60);

/// The states in which a post still has work the engine may do by itself.
const ACTIVE_STATES: &str = "('scheduled','queued','preparing','processing','publishing')";

/// A post the scheduler claimed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimedPost {
    pub id: PostId,
    pub tenant_id: TenantId,
    pub account_id: AccountId,
    pub state: PostState,
    /// When it was due (its next attempt, or its publish time).
    pub due_at: DateTime<Utc>,
    /// The lease epoch it was claimed under (the fencing token for its writes).
    pub epoch: i64,
}

#[derive(QueryableByName)]
struct ClaimRow {
    #[diesel(sql_type = Text)]
    id: String,
    #[diesel(sql_type = Text)]
    tenant_id: String,
    #[diesel(sql_type = Text)]
    account_id: String,
    #[diesel(sql_type = Text)]
    state: String,
    #[diesel(sql_type = BigInt)]
    due_at: i64,
    #[diesel(sql_type = BigInt)]
    epoch: i64,
}

impl ClaimRow {
    fn into_claim(self) -> StoreResult<ClaimedPost> {
        Ok(ClaimedPost {
            id: id("posts.id", &self.id, PostId::from_db)?,
            tenant_id: id("posts.tenant_id", &self.tenant_id, TenantId::from_db)?,
            account_id: id("posts.account_id", &self.account_id, AccountId::from_db)?,
            state: name("posts.state", &self.state)?,
            due_at: at(self.due_at),
            epoch: self.epoch,
        })
    }
}

/// What one claim takes.
#[derive(Debug, Clone)]
pub struct ClaimRequest {
    pub node: NodeId,
    pub now: DateTime<Utc>,
    /// Most posts taken per tenant in this claim.
    pub per_tenant: usize,
    /// Most posts taken in all.
    pub limit: usize,
    /// Tenants that take nothing now (their hands are full).
    pub skip_tenants: Vec<TenantId>,
}

/// Inlined tenant ids: each is formatted from a `Uuid` (hex digits and dashes only), never
/// from input, so it cannot break out of its quotes.
fn skip_clause(tenants: &[TenantId]) -> String {
    if tenants.is_empty() {
        return String::new();
    }
    let list: Vec<String> = tenants.iter().map(|t| format!("'{}'", t.uuid())).collect();
    format!("AND p.tenant_id NOT IN ({})", list.join(","))
}

/// The due, claimable posts of tenants leased to the node, at most `per_tenant` of each
/// tenant (oldest first), then the oldest `limit` of those.
fn candidates_sql(request: &ClaimRequest, lock: &str) -> String {
    format!(
        "SELECT c.id FROM (
            SELECT p.id, COALESCE(p.next_attempt_at, p.publish_at) AS due,
                   ROW_NUMBER() OVER (PARTITION BY p.tenant_id
                       ORDER BY COALESCE(p.next_attempt_at, p.publish_at), p.id) AS rn
            FROM posts p JOIN tenant_leases l ON l.tenant_id = p.tenant_id
            WHERE l.node_id = $1 AND l.expires_at > $2
              AND p.state IN {ACTIVE_STATES}
              AND COALESCE(p.next_attempt_at, p.publish_at) <= $2
              AND (p.claimed_by IS NULL OR p.lease_epoch IS NULL OR p.lease_epoch <> l.epoch)
              {skip}
        ) c WHERE c.rn <= {per_tenant} ORDER BY c.due, c.id LIMIT {limit} {lock}",
        skip = skip_clause(&request.skip_tenants),
        per_tenant = request.per_tenant.max(1),
        limit = request.limit.max(1),
    )
}

fn claim_sql(candidates: &str) -> String {
    format!(
        "UPDATE posts SET claimed_by = $1,
             lease_epoch = (SELECT l.epoch FROM tenant_leases l WHERE l.tenant_id = posts.tenant_id)
         WHERE id IN ({candidates})
         RETURNING id, tenant_id, account_id, state,
             COALESCE(next_attempt_at, publish_at) AS due_at, lease_epoch AS epoch"
    )
}

fn claim_pg(conn: &mut PgConnection, request: &ClaimRequest) -> QueryResult<Vec<ClaimRow>> {
    // Window functions and row locks do not mix in one SELECT: choose, then lock what is
    // still free.
    let chosen = candidates_sql(request, "");
    let locked = format!("SELECT id FROM posts WHERE id IN ({chosen}) FOR UPDATE SKIP LOCKED");
    conn.transaction(|conn| {
        diesel::sql_query(claim_sql(&locked))
            .bind::<Text, _>(request.node.to_db())
            .bind::<BigInt, _>(ms(request.now))
            .load(conn)
    })
}

fn claim_sqlite(conn: &mut SqliteConnection, request: &ClaimRequest) -> QueryResult<Vec<ClaimRow>> {
    let chosen = candidates_sql(request, "");
    conn.immediate_transaction(|conn| {
        diesel::sql_query(claim_sql(&chosen).replace("$1", "?1").replace("$2", "?2"))
            .bind::<Text, _>(request.node.to_db())
            .bind::<BigInt, _>(ms(request.now))
            .load(conn)
    })
}

/// Claims due posts for `request.node`, fairly across tenants.
pub fn claim_due(conn: &mut DbConnection, request: &ClaimRequest) -> StoreResult<Vec<ClaimedPost>> {
    let rows = match conn {
        DbConnection::Pg(pg) => claim_pg(pg, request)?,
        DbConnection::Sqlite(sqlite) => claim_sqlite(sqlite, request)?,
    };
    let mut claimed: Vec<ClaimedPost> = rows
        .into_iter()
        .map(ClaimRow::into_claim)
        .collect::<StoreResult<_>>()?;
    claimed.sort_by_key(|c| (c.due_at, c.id));
    Ok(claimed)
}

/// When the next unclaimed post falls due (of any tenant, leased or not), skipping
/// tenants whose hands are full.
pub fn next_due_at(
    conn: &mut DbConnection,
    skip_tenants: &[TenantId],
) -> StoreResult<Option<DateTime<Utc>>> {
    let skip: Vec<String> = skip_tenants.iter().map(TenantId::to_db).collect();
    let due = diesel::dsl::sql::<diesel::sql_types::Nullable<BigInt>>(
        "MIN(COALESCE(posts.next_attempt_at, posts.publish_at))",
    );
    let active: Vec<&str> = active_states().iter().map(PostState::as_str).collect();
    let min: Option<i64> = p::table
        .filter(p::state.eq_any(active))
        .filter(p::claimed_by.is_null())
        .filter(p::tenant_id.ne_all(skip))
        .select(due)
        .first(conn)?;
    Ok(min.map(at))
}

fn active_states() -> [PostState; 5] {
    [
        PostState::Scheduled,
        PostState::Queued,
        PostState::Preparing,
        PostState::Processing,
        PostState::Publishing,
    ]
}

/// Tenants with unclaimed posts due by `now` whose lease is free, expired or the node's
/// own: the tenants the node should lease before claiming. At most `limit`.
pub fn tenants_with_due_work(
    conn: &mut DbConnection,
    node: NodeId,
    now: DateTime<Utc>,
    limit: i64,
) -> StoreResult<Vec<TenantId>> {
    let due = diesel::dsl::sql::<BigInt>("COALESCE(posts.next_attempt_at, posts.publish_at)");
    let active: Vec<&str> = active_states().iter().map(PostState::as_str).collect();
    let leased_elsewhere = l::table
        .filter(l::node_id.ne(node.to_db()))
        .filter(l::expires_at.gt(ms(now)))
        .select(l::tenant_id);
    let tenants: Vec<String> = p::table
        .filter(p::state.eq_any(active))
        .filter(due.le(ms(now)))
        .filter(p::tenant_id.ne_all(leased_elsewhere))
        .select(p::tenant_id)
        .distinct()
        .limit(limit.max(1))
        .load(conn)?;
    tenants
        .iter()
        .map(|t| id("posts.tenant_id", t, TenantId::from_db))
        .collect()
}

/// Leases every tenant in `tenants` that is free (or already the node's) until
/// `now + LEASE_TTL`, returning those the node holds afterwards.
pub fn lease_tenants(
    conn: &mut DbConnection,
    node: NodeId,
    tenants: &[TenantId],
    now: DateTime<Utc>,
) -> StoreResult<Vec<leases::Lease>> {
    let mut held = Vec::with_capacity(tenants.len());
    for tenant in tenants {
        if let Some(lease) = leases::acquire(conn, *tenant, node, now + LEASE_TTL, now)? {
            held.push(lease);
        }
    }
    Ok(held)
}

/// Lets go of one post without moving it: it may be claimed again once `next_attempt_at`
/// (if given) has come.
pub fn release(
    conn: &mut DbConnection,
    tenant: TenantId,
    post: PostId,
    next_attempt_at: Option<DateTime<Utc>>,
) -> StoreResult<()> {
    let target = p::table
        .filter(p::id.eq(post.to_db()))
        .filter(p::tenant_id.eq(tenant.to_db()));
    match next_attempt_at {
        Some(next) => diesel::update(target)
            .set((
                p::claimed_by.eq(None::<String>),
                p::next_attempt_at.eq(Some(ms(next))),
            ))
            .execute(conn)?,
        None => diesel::update(target)
            .set(p::claimed_by.eq(None::<String>))
            .execute(conn)?,
    };
    Ok(())
}

/// At start: drops the claims `node` made in an earlier life, so its posts can be claimed
/// (and reconciled) again. With `single_node` (SQLite: one node by construction) it drops
/// every claim and ends every lease, so a restarted node does not wait for its old leases
/// to expire.
pub fn reset_at_start(
    conn: &mut DbConnection,
    node: NodeId,
    single_node: bool,
) -> StoreResult<usize> {
    super::write_transaction(conn, |conn| {
        let released = if single_node {
            diesel::update(p::table.filter(p::claimed_by.is_not_null()))
                .set(p::claimed_by.eq(None::<String>))
                .execute(conn)?
        } else {
            diesel::update(p::table.filter(p::claimed_by.eq(node.to_db())))
                .set(p::claimed_by.eq(None::<String>))
                .execute(conn)?
        };
        if single_node {
            diesel::update(l::table)
                .set(l::expires_at.eq(0_i64))
                .execute(conn)?;
        }
        Ok(released)
    })
}

/// When posts of the account were published since `since`, with their kinds (to seed the
/// rolling publishing quotas). The time is the post's last update, which for a published
/// post is the moment it was marked published.
pub fn published_since(
    conn: &mut DbConnection,
    tenant: TenantId,
    account: AccountId,
    since: DateTime<Utc>,
) -> StoreResult<Vec<(PostKind, DateTime<Utc>)>> {
    let rows: Vec<(String, i64)> = p::table
        .filter(p::tenant_id.eq(tenant.to_db()))
        .filter(p::account_id.eq(account.to_db()))
        .filter(p::state.eq(PostState::Published.as_str()))
        .filter(p::updated_at.ge(ms(since)))
        .select((p::kind, p::updated_at))
        .load(conn)?;
    rows.into_iter()
        .map(|(kind, t)| Ok((name("posts.kind", &kind)?, at(t))))
        .collect()
}

/// Makes the account's deferred posts due now (after the client reconnected it); posts
/// whose publish time has not come keep it.
pub fn resume_account(
    conn: &mut DbConnection,
    tenant: TenantId,
    account: AccountId,
    now: DateTime<Utc>,
) -> StoreResult<usize> {
    let waiting: Vec<&str> = vec![PostState::Scheduled.as_str(), PostState::Queued.as_str()];
    Ok(diesel::update(
        p::table
            .filter(p::tenant_id.eq(tenant.to_db()))
            .filter(p::account_id.eq(account.to_db()))
            .filter(p::state.eq_any(waiting))
            .filter(p::publish_at.le(ms(now)))
            .filter(p::next_attempt_at.gt(ms(now))),
    )
    .set(p::next_attempt_at.eq(Some(ms(now))))
    .execute(conn)?)
}
