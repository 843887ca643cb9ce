//! Fault rules: `POST /_sandbox/faults` makes chosen calls fail, stall or drop.

use rand::Rng;
use serde::{Deserialize, Serialize};

/// What a matching call gets instead of (or on top of) its normal answer.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FaultAction {
    /// A Graph error in Meta's envelope.
    Error {
        #[serde(default = "default_http")]
        http: u16,
        code: i64,
        #[serde(default)]
        subcode: Option<i64>,
        /// For a throttling error: the minutes Meta says until access returns, sent in
        /// `X-Business-Use-Case-Usage` for the object in the path, as Meta sends it.
        #[serde(default)]
        regain_minutes: Option<u64>,
    },
    /// A bare HTTP status with no Graph envelope (a proxy or load balancer answering).
    Status { http: u16 },
    /// Waits, then answers normally.
    Delay { ms: u64 },
    /// Closes the connection without running the call or answering.
    Reset,
    /// Runs the call (its effect happens), then closes the connection without answering.
    ApplyThenDrop,
}

fn default_http() -> u16 {
    400
}

/// One rule as posted to the control API.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultRule {
    /// HTTP method, or absent / `*` for any.
    #[serde(default)]
    pub method: Option<String>,
    /// Glob over the path below the mount point, e.g. `/graph/*/media_publish`.
    pub path: String,
    /// Fires only on the nth matching call (1-based).
    #[serde(default)]
    pub nth: Option<u64>,
    /// Fires on each matching call with this probability.
    #[serde(default)]
    pub probability: Option<f64>,
    pub action: FaultAction,
    /// Matching calls seen so far.
    #[serde(default)]
    pub seen: u64,
}

impl FaultRule {
    /// Checks the rule's fields; errors name the field.
    pub fn validate(&self) -> Result<(), String> {
        glob::Pattern::new(&self.path).map_err(|e| format!("path: not a valid glob: {e}"))?;
        if let Some(p) = self.probability {
            if !(0.0..=1.0).contains(&p) {
                return Err("probability: must be between 0 and 1".into());
            }
        }
        if self.nth == Some(0) {
            return Err("nth: counts from 1".into());
        }
        if let FaultAction::Error { http, .. } | FaultAction::Status { http } = self.action {
            if !(100..=599).contains(&http) {
                return Err("action.http: must be an HTTP status (100-599)".into());
            }
        }
        Ok(())
    }

    fn matches(&self, method: &str, path: &str) -> bool {
        let method_ok = match self.method.as_deref() {
            None | Some("*") => true,
            Some(m) => m.eq_ignore_ascii_case(method),
        };
        method_ok
            && glob::Pattern::new(&self.path)
                .map(|p| p.matches(path))
                .unwrap_or(false)
    }
}

/// The action of the first rule that fires for this call, counting the call for every
/// matching rule.
pub fn pick(rules: &mut [FaultRule], method: &str, path: &str) -> Option<FaultAction> {
    let mut fired = None;
    for rule in rules.iter_mut() {
        if !rule.matches(method, path) {
            continue;
        }
        rule.seen += 1;
        let fires = match (rule.nth, rule.probability) {
            (Some(n), _) => rule.seen == n,
            (None, Some(p)) => rand::thread_rng().gen_bool(p),
            (None, None) => true,
        };
        if fires && fired.is_none() {
            fired = Some(rule.action.clone());
        }
    }
    fired
}
