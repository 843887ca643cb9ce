//! Listing a tenant's posts with filters and a keyset cursor: newest `publish_at` first,
//! ties broken by id, so pages never skip or repeat a post while others are added.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::convert::ms;
use super::posts::{Post, PostRow};
use super::schema::posts as p;
use super::{DbConnection, StoreError, StoreResult};
use crate::domain::PostState;
use crate::ids::{AccountId, PostId, TenantId};

/// Where the next page starts: after the post with this `publish_at` and id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PostCursor {
    pub publish_at_ms: i64,
    pub id: PostId,
}

impl fmt::Display for PostCursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.publish_at_ms, self.id.uuid().simple())
    }
}

impl FromStr for PostCursor {
    type Err = StoreError;

    fn from_str(value: &str) -> Result<Self, StoreError> {
        let bad = || StoreError::invalid("cursor", "is not a cursor this API returned");
        let (at, id) = value.split_once('.').ok_or_else(bad)?;
        Ok(PostCursor {
            publish_at_ms: at.parse().map_err(|_| bad())?,
            id: PostId::from_db(id).map_err(|_| bad())?,
        })
    }
}

/// Which posts to list. Empty `states` means every state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostFilter {
    pub states: Vec<PostState>,
    pub account: Option<AccountId>,
    /// `publish_at >= from`.
    pub from: Option<DateTime<Utc>>,
    /// `publish_at < until`.
    pub until: Option<DateTime<Utc>>,
    pub cursor: Option<PostCursor>,
    /// 1..=200; values outside are clamped.
    pub limit: i64,
}

impl Default for PostFilter {
    fn default() -> Self {
        Self {
            states: Vec::new(),
            account: None,
            from: None,
            until: None,
            cursor: None,
            limit: 50,
        }
    }
}

/// One page of posts and where the next starts (`None` on the last page).
#[derive(Debug, Clone, PartialEq)]
pub struct PostPage {
    pub posts: Vec<Post>,
    pub next_cursor: Option<PostCursor>,
}

pub fn list(
    conn: &mut DbConnection,
    tenant: TenantId,
    filter: &PostFilter,
) -> StoreResult<PostPage> {
    let limit = filter.limit.clamp(1, 200);
    let mut query = p::table
        .filter(p::tenant_id.eq(tenant.to_db()))
        .select(PostRow::as_select())
        .order((p::publish_at.desc(), p::id.desc()))
        .limit(limit + 1)
        .into_boxed();
    if !filter.states.is_empty() {
        let states: Vec<&str> = filter.states.iter().map(PostState::as_str).collect();
        query = query.filter(p::state.eq_any(states));
    }
    if let Some(account) = filter.account {
        query = query.filter(p::account_id.eq(account.to_db()));
    }
    if let Some(from) = filter.from {
        query = query.filter(p::publish_at.ge(ms(from)));
    }
    if let Some(until) = filter.until {
        query = query.filter(p::publish_at.lt(ms(until)));
    }
    if let Some(cursor) = filter.cursor {
        query = query.filter(
            p::publish_at.lt(cursor.publish_at_ms).or(p::publish_at
                .eq(cursor.publish_at_ms)
                .and(p::id.lt(cursor.id.to_db()))),
        );
    }

    let mut posts: Vec<Post> = query
        .load(conn)?
        .into_iter()
        .map(Post::try_from)
        .collect::<StoreResult<_>>()?;
    let next_cursor = if posts.len() as i64 > limit {
        posts.truncate(limit as usize);
        posts.last().map(|last| PostCursor {
            publish_at_ms: ms(last.publish_at),
            id: last.id,
        })
    } else {
        None
    };
    Ok(PostPage { posts, next_cursor })
}

/// Posts due to move on at `now`, across tenants: scheduled ones whose time has come and
/// queued ones whose next attempt is due (or unset). Oldest first. For the scheduler.
pub fn due(conn: &mut DbConnection, now: DateTime<Utc>, limit: i64) -> StoreResult<Vec<Post>> {
    let now = ms(now);
    p::table
        .filter(
            p::state
                .eq(PostState::Scheduled.as_str())
                .and(p::publish_at.le(now))
                .or(p::state
                    .eq(PostState::Queued.as_str())
                    .and(p::next_attempt_at.le(now).or(p::next_attempt_at.is_null()))),
        )
        .order((p::publish_at.asc(), p::id.asc()))
        .limit(limit.clamp(1, 1000))
        .select(PostRow::as_select())
        .load(conn)?
        .into_iter()
        .map(Post::try_from)
        .collect()
}
