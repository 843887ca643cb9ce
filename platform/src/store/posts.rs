//! Posts: what to publish, where, when, and how far the state machine has got. Creating a
//! post writes its first timeline entry and its outbox event in the same transaction; see
//! [`super::posts_transition`] for moves and [`super::posts_list`] for listing.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::convert::{at, id, json, ms, name, opt_at, opt_id, to_json};
use super::outbox::{self, NewOutboxEvent};
use super::schema::{accounts, posts};
use super::tx::write_transaction;
use super::{post_events, tenants, DbConnection, StoreError, StoreResult};
use crate::domain::{Network, PostKind, PostState};
use crate::ids::{AccountId, NodeId, PostId, TenantId};
use crate::publish::Checkpoint;

/// A post as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Post {
    pub id: PostId,
    pub tenant_id: TenantId,
    pub account_id: AccountId,
    pub kind: PostKind,
    pub caption: String,
    /// What the API accepted (media ids, options…), as JSON.
    pub spec: serde_json::Value,
    pub publish_at: DateTime<Utc>,
    pub state: PostState,
    pub checkpoint: Checkpoint,
    pub attempts: i32,
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub external_id: Option<String>,
    pub permalink: Option<String>,
    pub last_error: Option<serde_json::Value>,
    pub idempotency_key: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub claimed_by: Option<NodeId>,
    pub lease_epoch: Option<i64>,
}

/// A post to create.
#[derive(Debug, Clone, PartialEq)]
pub struct NewPost {
    pub account_id: AccountId,
    pub kind: PostKind,
    pub caption: String,
    pub spec: serde_json::Value,
    pub publish_at: DateTime<Utc>,
    /// `Scheduled` or `Queued` (publish now).
    pub state: PostState,
    pub idempotency_key: Option<String>,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = posts)]
pub(super) struct PostRow {
    id: String,
    tenant_id: String,
    account_id: String,
    kind: String,
    caption: String,
    spec: String,
    publish_at: i64,
    state: String,
    checkpoint: Option<String>,
    attempts: i32,
    next_attempt_at: Option<i64>,
    external_id: Option<String>,
    permalink: Option<String>,
    last_error: Option<String>,
    idempotency_key: Option<String>,
    created_at: i64,
    updated_at: i64,
    claimed_by: Option<String>,
    lease_epoch: Option<i64>,
}

impl TryFrom<PostRow> for Post {
    type Error = StoreError;

    fn try_from(row: PostRow) -> StoreResult<Self> {
        let checkpoint = match row.checkpoint.as_deref() {
            Some(text) => Checkpoint(json("posts.checkpoint", text)?),
            None => Checkpoint(serde_json::Value::Null),
        };
        Ok(Post {
            id: id("posts.id", &row.id, PostId::from_db)?,
            tenant_id: id("posts.tenant_id", &row.tenant_id, TenantId::from_db)?,
            account_id: id("posts.account_id", &row.account_id, AccountId::from_db)?,
            kind: name("posts.kind", &row.kind)?,
            caption: row.caption,
            spec: json("posts.spec", &row.spec)?,
            publish_at: at(row.publish_at),
            state: name("posts.state", &row.state)?,
            checkpoint,
            attempts: row.attempts,
            next_attempt_at: opt_at(row.next_attempt_at),
            external_id: row.external_id,
            permalink: row.permalink,
            last_error: row
                .last_error
                .as_deref()
                .map(|t| json("posts.last_error", t))
                .transpose()?,
            idempotency_key: row.idempotency_key,
            created_at: at(row.created_at),
            updated_at: at(row.updated_at),
            claimed_by: opt_id(
                "posts.claimed_by",
                row.claimed_by.as_deref(),
                NodeId::from_db,
            )?,
            lease_epoch: row.lease_epoch,
        })
    }
}

/// Creates a post with its first timeline entry (`detail`) and, when given, its outbox
/// event, in one transaction. The account must be the tenant's and on the kind's network;
/// a repeated idempotency key is a `Conflict`.
pub fn create(
    conn: &mut DbConnection,
    tenant: TenantId,
    new: &NewPost,
    detail: &str,
    outbox_event: Option<&NewOutboxEvent>,
    now: DateTime<Utc>,
) -> StoreResult<Post> {
    if !matches!(new.state, PostState::Scheduled | PostState::Queued) {
        return Err(StoreError::invalid(
            "state",
            "a new post is scheduled or queued",
        ));
    }
    if let Some(key) = &new.idempotency_key {
        super::convert::require_text("idempotency_key", key, 255)?;
    }

    write_transaction(conn, |conn| {
        let network: String = accounts::table
            .filter(accounts::id.eq(new.account_id.to_db()))
            .filter(accounts::tenant_id.eq(tenant.to_db()))
            .select(accounts::network)
            .first(conn)
            .map_err(|e| StoreError::from_diesel("account", e))?;
        let network: Network = name("accounts.network", &network)?;
        if network != new.kind.network() {
            return Err(StoreError::invalid(
                "account_id",
                format!(
                    "is a {network} account; a {} post needs a {} account",
                    new.kind,
                    new.kind.network()
                ),
            ));
        }

        let row = PostRow {
            id: PostId::new().to_db(),
            tenant_id: tenant.to_db(),
            account_id: new.account_id.to_db(),
            kind: new.kind.as_str().to_owned(),
            caption: new.caption.clone(),
            spec: to_json("spec", &new.spec)?,
            publish_at: ms(new.publish_at),
            state: new.state.as_str().to_owned(),
            checkpoint: None,
            attempts: 0,
            next_attempt_at: None,
            external_id: None,
            permalink: None,
            last_error: None,
            idempotency_key: new.idempotency_key.clone(),
            created_at: ms(now),
            updated_at: ms(now),
            claimed_by: None,
            lease_epoch: None,
        };
        diesel::insert_into(posts::table)
            .values(&row)
            .execute(conn)
            .map_err(|e| match StoreError::from(e) {
                StoreError::Conflict { .. } => {
                    StoreError::conflict("a post with this idempotency key exists")
                }
                other => other,
            })?;
        let post: Post = row.try_into()?;

        post_events::insert(conn, tenant, post.id, None, post.state, detail, now)?;
        if let Some(event) = outbox_event {
            let agency = tenants::agency_of(conn, tenant)?;
            outbox::insert(conn, agency, Some(tenant), event, now)?;
        }
        Ok(post)
    })
}

/// One post of the tenant; another tenant's post is `NotFound`.
pub fn get(conn: &mut DbConnection, tenant: TenantId, post: PostId) -> StoreResult<Post> {
    posts::table
        .filter(posts::id.eq(post.to_db()))
        .filter(posts::tenant_id.eq(tenant.to_db()))
        .select(PostRow::as_select())
        // get_result, not first: a bound LIMIT makes SQLite re-prepare the statement on every run.
        .get_result(conn)
        .map_err(|e| StoreError::from_diesel("post", e))?
        .try_into()
}

/// The tenant's post created with this idempotency key, if any.
pub fn find_by_idempotency_key(
    conn: &mut DbConnection,
    tenant: TenantId,
    key: &str,
) -> StoreResult<Option<Post>> {
    posts::table
        .filter(posts::tenant_id.eq(tenant.to_db()))
        .filter(posts::idempotency_key.eq(key))
        .select(PostRow::as_select())
        .first(conn)
        .optional()?
        .map(Post::try_from)
        .transpose()
}
