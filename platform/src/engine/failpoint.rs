//! Crash points for the exactly-once proof: with `HERALD_FAILPOINT_AFTER_PERSIST` set to a
//! probability (0 to 1), the process aborts, like a power cut, right after a publish step's
//! result is committed and before anything else happens. Unset (the default) it costs one
//! atomic read. Only the crash tests set it.

use std::sync::OnceLock;

use rand::Rng;

const SETTING: &str = "HERALD_FAILPOINT_AFTER_PERSIST";

fn probability() -> f64 {
    static PROBABILITY: OnceLock<f64> = OnceLock::new();
    *PROBABILITY.get_or_init(|| {
        std::env::var(SETTING)
            .ok()
            .and_then(|v| v.parse::<f64>().ok())
            .filter(|p| (0.0..=1.0).contains(p))
            .unwrap_or(0.0)
    })
}

/// Called right after a step's result was committed; `point` names the step in the log.
pub(crate) fn after_persist(point: &str) {
    let p = probability();
    if p > 0.0 && rand::thread_rng().gen_bool(p) {
        eprintln!("fail-point {SETTING}: aborting right after {point}");
        std::process::abort();
    }
}
