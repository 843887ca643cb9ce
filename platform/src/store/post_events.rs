//! A post's timeline: one row per state change, written with the change.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::convert::{at, id, ms, name};
use super::schema::post_events;
use super::{DbConnection, StoreError, StoreResult};
use crate::domain::PostState;
use crate::ids::{PostEventId, PostId, TenantId};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostEvent {
    pub id: PostEventId,
    pub post_id: PostId,
    pub at: DateTime<Utc>,
    /// `None` for the event that created the post.
    pub from_state: Option<PostState>,
    pub to_state: PostState,
    pub detail: String,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = post_events)]
struct PostEventRow {
    id: String,
    tenant_id: String,
    post_id: String,
    at: i64,
    from_state: Option<String>,
    to_state: String,
    detail: String,
}

impl TryFrom<PostEventRow> for PostEvent {
    type Error = StoreError;

    fn try_from(row: PostEventRow) -> StoreResult<Self> {
        Ok(PostEvent {
            id: id("post_events.id", &row.id, PostEventId::from_db)?,
            post_id: id("post_events.post_id", &row.post_id, PostId::from_db)?,
            at: at(row.at),
            from_state: row
                .from_state
                .as_deref()
                .map(|s| name("post_events.from_state", s))
                .transpose()?,
            to_state: name("post_events.to_state", &row.to_state)?,
            detail: row.detail,
        })
    }
}

/// Appends a timeline entry. Called by the posts repository inside its transactions.
pub fn insert(
    conn: &mut DbConnection,
    tenant: TenantId,
    post: PostId,
    from: Option<PostState>,
    to: PostState,
    detail: &str,
    now: DateTime<Utc>,
) -> StoreResult<PostEvent> {
    let row = PostEventRow {
        id: PostEventId::new().to_db(),
        tenant_id: tenant.to_db(),
        post_id: post.to_db(),
        at: ms(now),
        from_state: from.map(|s| s.as_str().to_owned()),
        to_state: to.as_str().to_owned(),
        detail: detail.to_owned(),
    };
    diesel::insert_into(post_events::table)
        .values(&row)
        .execute(conn)?;
    row.try_into()
}

/// The post's timeline, oldest first. Another tenant's post has an empty timeline.
pub fn list(
    conn: &mut DbConnection,
    tenant: TenantId,
    post: PostId,
) -> StoreResult<Vec<PostEvent>> {
    post_events::table
        .filter(post_events::tenant_id.eq(tenant.to_db()))
        .filter(post_events::post_id.eq(post.to_db()))
        .order((post_events::at.asc(), post_events::id.asc()))
        .select(PostEventRow::as_select())
        .load(conn)?
        .into_iter()
        .map(PostEvent::try_from)
        .collect()
}
