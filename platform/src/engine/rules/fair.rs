//! Fairness between tenants: one tenant's burst must not delay another tenant's post.
//!
//! Two rules do it. A claim takes at most [`PER_TENANT_IN_HAND`] posts per tenant into the
//! node's hands at once, so a tenant with 5,000 due posts holds no more than that while
//! every other tenant's due posts are claimed in the same round; and the claimed posts are
//! handed out round-robin across tenants, oldest first within each tenant.

use std::collections::{HashMap, VecDeque};
use std::hash::Hash;

/// Posts of one tenant the node holds (claimed, not yet finished or parked) at most.
pub const PER_TENANT_IN_HAND: usize = 32;

/// Below this many posts in hand, a tenant that was at its limit gets more.
pub const REFILL_BELOW: usize = PER_TENANT_IN_HAND / 2;

/// Most posts one claim takes across all tenants.
pub const CLAIM_BATCH: usize = 512;

/// How many more posts a tenant may take now.
pub fn room(in_hand: usize) -> usize {
    PER_TENANT_IN_HAND.saturating_sub(in_hand)
}

/// Tenants that may not take more now (their hands are full).
pub fn full_tenants<T: Copy>(in_hand: &HashMap<T, usize>) -> Vec<T> {
    in_hand
        .iter()
        .filter(|(_, n)| room(**n) == 0)
        .map(|(t, _)| *t)
        .collect()
}

/// Orders `items` (each with its tenant, already oldest first within a tenant) so tenants
/// take turns: the first post of each tenant, then the second of each, and so on. Tenants
/// keep the order in which they first appear.
pub fn round_robin<T: Copy + Eq + Hash, I>(items: Vec<(T, I)>) -> Vec<I> {
    let mut order: Vec<T> = Vec::new();
    let mut queues: HashMap<T, VecDeque<I>> = HashMap::new();
    for (tenant, item) in items {
        queues
            .entry(tenant)
            .or_insert_with(|| {
                order.push(tenant);
                VecDeque::new()
            })
            .push_back(item);
    }

    let total = queues.values().map(VecDeque::len).sum();
    let mut out = Vec::with_capacity(total);
    while out.len() < total {
        for tenant in &order {
            if let Some(item) = queues.get_mut(tenant).and_then(VecDeque::pop_front) {
                out.push(item);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tenants_take_turns_and_keep_their_own_order() {
        let items = vec![
            ("a", 1),
            ("a", 2),
            ("a", 3),
            ("b", 10),
            ("c", 20),
            ("c", 21),
        ];
        assert_eq!(round_robin(items), vec![1, 10, 20, 2, 21, 3]);
    }

    #[test]
    fn a_lone_post_of_a_quiet_tenant_comes_second_not_last() {
        let mut items: Vec<(&str, u32)> = (0..5_000).map(|n| ("noisy", n)).collect();
        items.push(("quiet", 99_999));
        let ordered = round_robin(items);
        assert_eq!(ordered.len(), 5_001);
        assert_eq!(ordered[1], 99_999);
    }

    #[test]
    fn a_tenant_at_its_limit_takes_no_more_until_it_drains() {
        let mut in_hand = HashMap::new();
        in_hand.insert("noisy", PER_TENANT_IN_HAND);
        in_hand.insert("quiet", 1);
        assert_eq!(full_tenants(&in_hand), vec!["noisy"]);
        assert_eq!(room(PER_TENANT_IN_HAND + 5), 0);
        assert_eq!(room(1), PER_TENANT_IN_HAND - 1);
    }
}
