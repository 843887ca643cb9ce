//! Log-in throttling: after too many failed attempts on one account, or from one address,
//! within a window, further attempts are refused until the window has passed. Counts live
//! in memory (per node): a restart forgives, which is acceptable for a brake on guessing.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{LazyLock, Mutex};
use std::time::{Duration, Instant};

/// How long failures are remembered.
pub const WINDOW: Duration = Duration::from_secs(15 * 60);
/// Failures allowed per account within the window.
pub const MAX_FAILURES_PER_ACCOUNT: u32 = 5;
/// Failures allowed per client address within the window (several people may share one).
pub const MAX_FAILURES_PER_ADDRESS: u32 = 50;
/// Entries kept before old ones are swept.
const SWEEP_ABOVE: usize = 10_000;

#[derive(Debug, Clone, Copy)]
struct Count {
    failures: u32,
    since: Instant,
}

/// Failed log-ins by account and by address.
#[derive(Debug, Default)]
pub struct LoginThrottle {
    accounts: Mutex<HashMap<String, Count>>,
    addresses: Mutex<HashMap<IpAddr, Count>>,
}

/// The node's throttle, shared by every worker.
pub static THROTTLE: LazyLock<LoginThrottle> = LazyLock::new(LoginThrottle::default);

fn blocked_for<K: std::hash::Hash + Eq>(
    map: &Mutex<HashMap<K, Count>>,
    key: &K,
    max: u32,
    now: Instant,
) -> Option<Duration> {
    let map = map.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let count = map.get(key)?;
    let until = count.since + WINDOW;
    (count.failures >= max && until > now).then(|| until - now)
}

fn record<K: std::hash::Hash + Eq>(map: &Mutex<HashMap<K, Count>>, key: K, now: Instant) {
    let mut map = map.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if map.len() > SWEEP_ABOVE {
        map.retain(|_, count| count.since + WINDOW > now);
    }
    let count = map.entry(key).or_insert(Count {
        failures: 0,
        since: now,
    });
    if count.since + WINDOW <= now {
        *count = Count {
            failures: 0,
            since: now,
        };
    }
    count.failures += 1;
}

impl LoginThrottle {
    /// How long until this account or address may try again; `None` when it may now.
    pub fn blocked_for(
        &self,
        account: &str,
        address: Option<IpAddr>,
        now: Instant,
    ) -> Option<Duration> {
        let by_account = blocked_for(
            &self.accounts,
            &account.to_owned(),
            MAX_FAILURES_PER_ACCOUNT,
            now,
        );
        let by_address =
            address.and_then(|ip| blocked_for(&self.addresses, &ip, MAX_FAILURES_PER_ADDRESS, now));
        by_account.max(by_address)
    }

    /// Counts one failed attempt.
    pub fn failed(&self, account: &str, address: Option<IpAddr>, now: Instant) {
        record(&self.accounts, account.to_owned(), now);
        if let Some(ip) = address {
            record(&self.addresses, ip, now);
        }
    }

    /// Forgets an account's failures after a successful log-in.
    pub fn succeeded(&self, account: &str) {
        let mut map = self
            .accounts
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        map.remove(account);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_account_is_blocked_after_its_failures_and_freed_after_the_window() {
        let throttle = LoginThrottle::default();
        let now = Instant::now();
        for _ in 0..MAX_FAILURES_PER_ACCOUNT {
            assert!(throttle.blocked_for("a@example.test", None, now).is_none());
            throttle.failed("a@example.test", None, now);
        }
        assert!(throttle.blocked_for("a@example.test", None, now).is_some());
        assert!(throttle.blocked_for("b@example.test", None, now).is_none());
        assert!(throttle
            .blocked_for("a@example.test", None, now + WINDOW)
            .is_none());
    }

    #[test]
    fn an_address_is_blocked_across_accounts() {
        let throttle = LoginThrottle::default();
        let now = Instant::now();
        let ip: IpAddr = [192, 0, 2, 1].into();
        for n in 0..MAX_FAILURES_PER_ADDRESS {
            throttle.failed(&format!("user{n}@example.test"), Some(ip), now);
        }
        assert!(throttle
            .blocked_for("fresh@example.test", Some(ip), now)
            .is_some());
        assert!(throttle
            .blocked_for("fresh@example.test", None, now)
            .is_none());
    }
}
