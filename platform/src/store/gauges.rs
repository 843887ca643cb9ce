//! Counts behind the gauges SREs watch: posts by state, overdue posts, tokens by state,
//! webhook endpoints by state. Aggregates only: no tenant ever appears in them.

use chrono::{DateTime, Duration, Utc};
use diesel::dsl::count_star;
use diesel::prelude::*;

use super::schema::{accounts, meta_connections, posts, webhook_endpoints};
use super::{DbConnection, StoreResult};
use crate::clock::to_millis;
use crate::domain::PostState;

/// A post still waiting this long after its time counts as overdue.
pub const OVERDUE_AFTER: Duration = Duration::minutes(1);

/// A token expiring within this long counts as expiring soon.
pub const EXPIRING_SOON: Duration = Duration::days(7);

/// One snapshot of the counts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GaugeCounts {
    pub posts_by_state: Vec<(PostState, u64)>,
    pub posts_overdue: u64,
    pub accounts_valid: u64,
    pub accounts_needing_reconnect: u64,
    pub connections_expiring_soon: u64,
    pub endpoints_active: u64,
    pub endpoints_failing: u64,
    pub endpoints_disabled: u64,
}

fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

/// Reads every count in a few aggregate queries.
pub fn read(conn: &mut DbConnection, now: DateTime<Utc>) -> StoreResult<GaugeCounts> {
    let by_state: Vec<(String, i64)> = posts::table
        .group_by(posts::state)
        .select((posts::state, count_star()))
        .load(conn)?;
    let posts_by_state = by_state
        .into_iter()
        .filter_map(|(s, n)| Some((s.parse().ok()?, count(n))))
        .collect();

    let overdue_before = to_millis(now - OVERDUE_AFTER);
    let posts_overdue: i64 = posts::table
        .filter(posts::state.eq_any(["scheduled", "queued"]))
        .filter(posts::publish_at.lt(overdue_before))
        .filter(
            posts::next_attempt_at
                .is_null()
                .or(posts::next_attempt_at.lt(overdue_before)),
        )
        .count()
        .get_result(conn)?;

    let by_status: Vec<(String, i64)> = accounts::table
        .group_by(accounts::status)
        .select((accounts::status, count_star()))
        .load(conn)?;
    let status_count = |wanted: &str| {
        by_status
            .iter()
            .filter(|(s, _)| s == wanted)
            .map(|(_, n)| count(*n))
            .sum()
    };

    let soon = to_millis(now + EXPIRING_SOON);
    let connections_expiring_soon: i64 = meta_connections::table
        .filter(meta_connections::expires_at.gt(to_millis(now)))
        .filter(meta_connections::expires_at.lt(soon))
        .count()
        .get_result(conn)?;

    let endpoints: Vec<(bool, Option<i64>)> = webhook_endpoints::table
        .select((webhook_endpoints::enabled, webhook_endpoints::failing_since))
        .load(conn)?;
    let endpoints_disabled = endpoints.iter().filter(|(enabled, _)| !enabled).count();
    let endpoints_failing = endpoints.iter().filter(|(e, f)| *e && f.is_some()).count();

    Ok(GaugeCounts {
        posts_by_state,
        posts_overdue: count(posts_overdue),
        accounts_valid: status_count("active"),
        accounts_needing_reconnect: status_count("reauth_required"),
        connections_expiring_soon: count(connections_expiring_soon),
        endpoints_active: (endpoints.len() - endpoints_disabled - endpoints_failing) as u64,
        endpoints_failing: endpoints_failing as u64,
        endpoints_disabled: endpoints_disabled as u64,
    })
}
