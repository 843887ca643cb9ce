//! Rolling 24-hour publishing quotas: Instagram's per-account publishing quota and
//! Facebook's 30 API-published reels per Page. Counted from Herald's own publications
//! (seeded from the store when an account's publisher starts) and, for Instagram, capped by
//! what `content_publishing_limit` said when the adapter reports it.

use std::collections::VecDeque;

use chrono::{DateTime, Duration, Utc};

/// The length of Meta's rolling quota window.
pub const QUOTA_WINDOW: Duration = Duration::hours(24);

/// Publications within the last [`QUOTA_WINDOW`], oldest first, against a limit.
#[derive(Debug, Clone)]
pub struct RollingQuota {
    limit: u32,
    published: VecDeque<DateTime<Utc>>,
    /// Meta's own count, when known, with the moment it was read.
    meta_usage: Option<(u32, DateTime<Utc>)>,
}

impl RollingQuota {
    pub fn new(limit: u32) -> Self {
        Self {
            limit,
            published: VecDeque::new(),
            meta_usage: None,
        }
    }

    pub fn limit(&self) -> u32 {
        self.limit
    }

    /// Meta's `content_publishing_limit` answer: its count and its quota.
    pub fn set_from_meta(&mut self, used: u32, total: u32, now: DateTime<Utc>) {
        if total > 0 {
            self.limit = total;
        }
        self.meta_usage = Some((used, now));
    }

    /// Herald published one at `at`.
    pub fn record(&mut self, at: DateTime<Utc>) {
        let index = self.published.partition_point(|t| *t <= at);
        self.published.insert(index, at);
    }

    fn forget_old(&mut self, now: DateTime<Utc>) {
        while self
            .published
            .front()
            .is_some_and(|t| *t <= now - QUOTA_WINDOW)
        {
            self.published.pop_front();
        }
    }

    /// Publications counted now: Herald's own, or Meta's figure if higher (posts made
    /// outside Herald count too). Meta's figure is trusted for an hour after reading it.
    pub fn used(&mut self, now: DateTime<Utc>) -> u32 {
        self.forget_old(now);
        let own = u32::try_from(self.published.len()).unwrap_or(u32::MAX);
        match self.meta_usage {
            Some((meta, read_at)) if now - read_at < Duration::hours(1) => own.max(meta),
            _ => own,
        }
    }

    /// `None` when one more may be published now; otherwise the moment the window frees a
    /// place (when the oldest counted publication leaves it).
    pub fn free_at(&mut self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        if self.used(now) < self.limit {
            return None;
        }
        // Meta's own count may exceed what Herald saw: then the best guess is an hour.
        let oldest = self.published.front().copied();
        Some(
            oldest
                .map_or(now + Duration::hours(1), |t| t + QUOTA_WINDOW)
                .max(now),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_thirty_first_reel_waits_until_the_first_leaves_the_window() {
        let now = Utc::now();
        let mut quota = RollingQuota::new(30);
        for n in 0..30 {
            assert_eq!(quota.free_at(now), None, "reel {n}");
            quota.record(now - Duration::hours(23) + Duration::minutes(n));
        }
        let first = now - Duration::hours(23);
        assert_eq!(quota.free_at(now), Some(first + QUOTA_WINDOW));
        // An hour later the first one has left the window.
        assert_eq!(
            quota.free_at(now + Duration::hours(1) + Duration::seconds(1)),
            None
        );
    }

    #[test]
    fn metas_figure_counts_posts_made_outside_herald_and_sets_the_limit() {
        let now = Utc::now();
        let mut quota = RollingQuota::new(50);
        quota.set_from_meta(25, 25, now);
        assert_eq!(quota.limit(), 25);
        assert!(quota.free_at(now).is_some());
        // An old reading is not trusted forever.
        assert_eq!(quota.free_at(now + Duration::hours(2)), None);
    }
}
