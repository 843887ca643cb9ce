//! Posts as the REST API creates, lists, cancels and retries them. Each change is written
//! with its post event (the timeline) in one transaction; callers add the outbox event in
//! the same transaction.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::schema::{post_events, posts};
use super::{DbConnection, StoreError, StoreResult};
use crate::clock::{from_millis, to_millis};
use crate::domain::{PostKind, PostState};
use crate::ids::{AccountId, PostEventId, PostId, TenantId};

/// A post as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostRecord {
    pub id: PostId,
    pub tenant_id: TenantId,
    pub account_id: AccountId,
    pub kind: PostKind,
    pub caption: String,
    /// The `PostSpec` as JSON.
    pub spec: String,
    pub publish_at: DateTime<Utc>,
    pub state: PostState,
    pub attempts: i32,
    pub external_id: Option<String>,
    pub permalink: Option<String>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// One timeline entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostEventRecord {
    pub at: DateTime<Utc>,
    pub from_state: Option<PostState>,
    pub to_state: PostState,
    pub detail: String,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = posts)]
struct Row {
    id: String,
    tenant_id: String,
    account_id: String,
    kind: String,
    caption: String,
    spec: String,
    publish_at: i64,
    state: String,
    attempts: i32,
    external_id: Option<String>,
    permalink: Option<String>,
    last_error: Option<String>,
    created_at: i64,
    updated_at: i64,
}

fn record(row: Row) -> StoreResult<PostRecord> {
    Ok(PostRecord {
        id: PostId::from_db(&row.id).map_err(|e| StoreError::corrupt("posts.id", e))?,
        tenant_id: TenantId::from_db(&row.tenant_id)
            .map_err(|e| StoreError::corrupt("posts.tenant_id", e))?,
        account_id: AccountId::from_db(&row.account_id)
            .map_err(|e| StoreError::corrupt("posts.account_id", e))?,
        kind: row
            .kind
            .parse()
            .map_err(|e| StoreError::corrupt("posts.kind", e))?,
        caption: row.caption,
        spec: row.spec,
        publish_at: from_millis(row.publish_at),
        state: row
            .state
            .parse()
            .map_err(|e| StoreError::corrupt("posts.state", e))?,
        attempts: row.attempts,
        external_id: row.external_id,
        permalink: row.permalink,
        last_error: row.last_error,
        created_at: from_millis(row.created_at),
        updated_at: from_millis(row.updated_at),
    })
}

/// Writes a post with its first timeline entry. A second post with the same idempotency
/// key for the tenant is a conflict.
pub fn insert_post(
    conn: &mut DbConnection,
    post: &PostRecord,
    idempotency_key: Option<&str>,
    detail: &str,
) -> StoreResult<()> {
    diesel::insert_into(posts::table)
        .values((
            posts::id.eq(post.id.to_db()),
            posts::tenant_id.eq(post.tenant_id.to_db()),
            posts::account_id.eq(post.account_id.to_db()),
            posts::kind.eq(post.kind.as_str()),
            posts::caption.eq(&post.caption),
            posts::spec.eq(&post.spec),
            posts::publish_at.eq(to_millis(post.publish_at)),
            posts::state.eq(post.state.as_str()),
            posts::attempts.eq(0),
            posts::next_attempt_at.eq(Some(to_millis(post.publish_at))),
            posts::idempotency_key.eq(idempotency_key),
            posts::created_at.eq(to_millis(post.created_at)),
            posts::updated_at.eq(to_millis(post.updated_at)),
        ))
        .execute(conn)?;
    insert_post_event(
        conn,
        post.tenant_id,
        post.id,
        None,
        post.state,
        detail,
        post.created_at,
    )
}

fn insert_post_event(
    conn: &mut DbConnection,
    tenant: TenantId,
    post: PostId,
    from: Option<PostState>,
    to: PostState,
    detail: &str,
    at: DateTime<Utc>,
) -> StoreResult<()> {
    diesel::insert_into(post_events::table)
        .values((
            post_events::id.eq(PostEventId::new().to_db()),
            post_events::tenant_id.eq(tenant.to_db()),
            post_events::post_id.eq(post.to_db()),
            post_events::at.eq(to_millis(at)),
            post_events::from_state.eq(from.map(|s| s.as_str())),
            post_events::to_state.eq(to.as_str()),
            post_events::detail.eq(detail),
        ))
        .execute(conn)?;
    Ok(())
}

/// One of the tenant's posts.
pub fn get_post(
    conn: &mut DbConnection,
    tenant: TenantId,
    post: PostId,
) -> StoreResult<PostRecord> {
    let row: Row = posts::table
        .filter(posts::id.eq(post.to_db()))
        .filter(posts::tenant_id.eq(tenant.to_db()))
        .select(Row::as_select())
        .first(conn)
        .map_err(|e| StoreError::from_diesel("post", e))?;
    record(row)
}

/// Filters for [`list_posts`].
#[derive(Debug, Clone, Default)]
pub struct PostFilter {
    pub state: Option<PostState>,
    pub account: Option<AccountId>,
    pub kind: Option<PostKind>,
}

/// The tenant's posts, newest first.
pub fn list_posts(
    conn: &mut DbConnection,
    tenant: TenantId,
    filter: &PostFilter,
    after: Option<&str>,
    limit: i64,
) -> StoreResult<Vec<PostRecord>> {
    let mut query = posts::table
        .filter(posts::tenant_id.eq(tenant.to_db()))
        .order(posts::id.desc())
        .limit(limit)
        .select(Row::as_select())
        .into_boxed();
    if let Some(after) = after {
        query = query.filter(posts::id.lt(after.to_owned()));
    }
    if let Some(state) = filter.state {
        query = query.filter(posts::state.eq(state.as_str()));
    }
    if let Some(account) = filter.account {
        query = query.filter(posts::account_id.eq(account.to_db()));
    }
    if let Some(kind) = filter.kind {
        query = query.filter(posts::kind.eq(kind.as_str()));
    }
    query.load::<Row>(conn)?.into_iter().map(record).collect()
}

/// The post's timeline, oldest first.
pub fn post_timeline(
    conn: &mut DbConnection,
    tenant: TenantId,
    post: PostId,
) -> StoreResult<Vec<PostEventRecord>> {
    let rows: Vec<(i64, Option<String>, String, String)> = post_events::table
        .filter(post_events::tenant_id.eq(tenant.to_db()))
        .filter(post_events::post_id.eq(post.to_db()))
        .order((post_events::at.asc(), post_events::id.asc()))
        .select((
            post_events::at,
            post_events::from_state,
            post_events::to_state,
            post_events::detail,
        ))
        .load(conn)?;
    rows.into_iter()
        .map(|(at, from, to, detail)| {
            Ok(PostEventRecord {
                at: from_millis(at),
                from_state: from
                    .map(|s| s.parse())
                    .transpose()
                    .map_err(|e| StoreError::corrupt("post_events.from_state", e))?,
                to_state: to
                    .parse()
                    .map_err(|e| StoreError::corrupt("post_events.to_state", e))?,
                detail,
            })
        })
        .collect()
}

/// Moves a post from `from` to `to` if it is still in `from` (a guarded update), with its
/// timeline entry. `Conflict` when another writer moved it first.
pub fn move_post(
    conn: &mut DbConnection,
    post: &PostRecord,
    to: PostState,
    detail: &str,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    // A retried post starts its attempts afresh but keeps its checkpoint: the engine
    // reconciles from it, so nothing is ever published twice.
    let reset_attempts = to == PostState::Queued;
    let moved = diesel::update(
        posts::table
            .filter(posts::id.eq(post.id.to_db()))
            .filter(posts::tenant_id.eq(post.tenant_id.to_db()))
            .filter(posts::state.eq(post.state.as_str())),
    )
    .set((
        posts::state.eq(to.as_str()),
        posts::updated_at.eq(to_millis(now)),
        posts::next_attempt_at.eq(if to == PostState::Queued {
            Some(to_millis(now))
        } else {
            None
        }),
    ))
    .execute(conn)?;
    if moved == 0 {
        return Err(StoreError::conflict("the post changed state meanwhile"));
    }
    if reset_attempts {
        diesel::update(posts::table.filter(posts::id.eq(post.id.to_db())))
            .set(posts::attempts.eq(0))
            .execute(conn)?;
    }
    insert_post_event(
        conn,
        post.tenant_id,
        post.id,
        Some(post.state),
        to,
        detail,
        now,
    )
}
