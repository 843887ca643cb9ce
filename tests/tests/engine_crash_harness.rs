//! The crash harness of issue 5, as a driver the real proof plugs into.
//!
//! The proof: run the `herald` binary as a child process against the sandbox, schedule at
//! least 500 posts of mixed kinds across several tenants, SIGKILL the server at random
//! moments (every 0.5–3 s) and restart it, until every post has ended; meanwhile the
//! sandbox injects apply-then-drop on publish calls, 5xx and throttling. The sandbox's
//! ledger must then show 0 duplicates, 0 lost and 0 unexpected objects.
//!
//! [`run_crash_loop`] is that loop, independent of how posts are seeded and checked: a
//! [`Scenario`] seeds posts and reads the ledger over HTTP (the lead wires it to the REST
//! API and the sandbox's `/_sandbox/` control API), and a [`Target`] is what gets killed
//! (`herald_tests::process::HeraldProcess` for the real binary). The test below checks the
//! driver itself against a stand-in target, so the loop is known to be right before it is
//! pointed at the binary.

use std::time::{Duration, Instant};

/// Shortest and longest time between two kills.
const KILL_EVERY_MIN: Duration = Duration::from_millis(500);
const KILL_EVERY_MAX: Duration = Duration::from_millis(3_000);

/// What gets killed and restarted.
pub trait Target {
    /// SIGKILL: no shutdown, no flush.
    fn kill(&mut self);
    /// Starts again on the same data and waits until ready.
    fn restart(&mut self);
}

/// How posts are seeded and the outcome judged.
pub trait Scenario {
    /// Schedules the posts (at least 500, mixed kinds, several tenants) and turns on the
    /// sandbox's faults.
    fn seed(&mut self);
    /// Whether every post has reached a final state.
    fn all_ended(&mut self) -> bool;
    /// What the sandbox's ledger says, compared with Herald's posts.
    fn verdict(&mut self) -> LedgerVerdict;
}

/// The ledger's verdict: all three must be zero.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct LedgerVerdict {
    pub duplicates: usize,
    pub lost: usize,
    pub unexpected: usize,
}

/// What a crash run did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CrashRun {
    pub kills: usize,
    pub verdict: LedgerVerdict,
}

/// A small deterministic generator (xorshift), so a failing run can be replayed from its
/// seed without a dependency.
pub struct Pauses(u64);

impl Pauses {
    pub fn new(seed: u64) -> Self {
        Self(seed.max(1))
    }

    /// The next pause before a kill, uniform in [`KILL_EVERY_MIN`, `KILL_EVERY_MAX`].
    pub fn next_pause(&mut self) -> Duration {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        let span = (KILL_EVERY_MAX - KILL_EVERY_MIN).as_millis() as u64;
        KILL_EVERY_MIN + Duration::from_millis(self.0 % (span + 1))
    }
}

/// Seeds, then kills and restarts `target` at random moments until every post has ended
/// (or `give_up_after` passed), then lets it run once more without kills and judges.
pub fn run_crash_loop(
    target: &mut dyn Target,
    scenario: &mut dyn Scenario,
    seed: u64,
    give_up_after: Duration,
    sleep: &mut dyn FnMut(Duration),
) -> CrashRun {
    scenario.seed();
    let mut pauses = Pauses::new(seed);
    let started = Instant::now();
    let mut kills = 0;
    while !scenario.all_ended() {
        assert!(
            started.elapsed() < give_up_after,
            "posts still running after {kills} kills (seed {seed})"
        );
        sleep(pauses.next_pause());
        target.kill();
        kills += 1;
        target.restart();
    }
    CrashRun {
        kills,
        verdict: scenario.verdict(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Counts kills and restarts, and refuses a kill while stopped.
    #[derive(Default)]
    struct StandIn {
        running: bool,
        kills: usize,
        restarts: usize,
    }

    impl Target for StandIn {
        fn kill(&mut self) {
            assert!(self.running, "killed a stopped target");
            self.running = false;
            self.kills += 1;
        }

        fn restart(&mut self) {
            assert!(!self.running, "restarted a running target");
            self.running = true;
            self.restarts += 1;
        }
    }

    /// Ends after a number of checks, and reports a given verdict.
    struct Countdown {
        seeded: bool,
        checks_left: usize,
        verdict: LedgerVerdict,
    }

    impl Scenario for Countdown {
        fn seed(&mut self) {
            self.seeded = true;
        }

        fn all_ended(&mut self) -> bool {
            assert!(self.seeded, "checked before seeding");
            if self.checks_left == 0 {
                return true;
            }
            self.checks_left -= 1;
            false
        }

        fn verdict(&mut self) -> LedgerVerdict {
            self.verdict.clone()
        }
    }

    #[test]
    fn kills_at_random_moments_within_the_window_until_every_post_ended() {
        let mut target = StandIn {
            running: true,
            ..StandIn::default()
        };
        let mut scenario = Countdown {
            seeded: false,
            checks_left: 7,
            verdict: LedgerVerdict::default(),
        };
        let mut pauses = Vec::new();
        let run = run_crash_loop(
            &mut target,
            &mut scenario,
            42,
            Duration::from_secs(60),
            &mut |d| pauses.push(d),
        );

        assert_eq!(run.kills, 7);
        assert_eq!((target.kills, target.restarts), (7, 7));
        assert!(target.running, "left the target stopped");
        assert!(
            pauses
                .iter()
                .all(|p| (KILL_EVERY_MIN..=KILL_EVERY_MAX).contains(p)),
            "{pauses:?}"
        );
        let distinct: std::collections::HashSet<_> = pauses.iter().collect();
        assert!(distinct.len() > 3, "pauses are not random: {pauses:?}");
        assert_eq!(run.verdict, LedgerVerdict::default());
    }

    #[test]
    fn the_same_seed_replays_the_same_kills() {
        let first: Vec<Duration> = {
            let mut p = Pauses::new(7);
            (0..20).map(|_| p.next_pause()).collect()
        };
        let again: Vec<Duration> = {
            let mut p = Pauses::new(7);
            (0..20).map(|_| p.next_pause()).collect()
        };
        assert_eq!(first, again);
    }

    #[test]
    fn a_bad_ledger_is_reported_not_hidden() {
        let mut target = StandIn {
            running: true,
            ..StandIn::default()
        };
        let bad = LedgerVerdict {
            duplicates: 1,
            lost: 0,
            unexpected: 2,
        };
        let mut scenario = Countdown {
            seeded: false,
            checks_left: 1,
            verdict: bad.clone(),
        };
        let run = run_crash_loop(
            &mut target,
            &mut scenario,
            3,
            Duration::from_secs(60),
            &mut |_| {},
        );
        assert_eq!(run.verdict, bad);
    }
}
