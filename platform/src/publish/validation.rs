//! Pre-flight validation: the rules a post must meet before it is ever scheduled.

use serde::{Deserialize, Serialize};

/// One broken rule, named so a person can fix it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Violation {
    /// The field at fault as a path: `caption`, `media[2]`, `options.collaborators`.
    pub field: String,
    /// The offending value, shortened for display.
    pub value: String,
    /// The rule in plain words: "at most 2,200 characters".
    pub rule: String,
}

impl Violation {
    pub fn new(
        field: impl Into<String>,
        value: impl Into<String>,
        rule: impl Into<String>,
    ) -> Self {
        Self {
            field: field.into(),
            value: value.into(),
            rule: rule.into(),
        }
    }
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({}): {}", self.field, self.value, self.rule)
    }
}

/// Limits that sources disagree on or that Meta changes; settings with META_API.md's
/// defaults.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limits {
    pub caption_max_chars: usize,
    pub hashtags_max: usize,
    pub mentions_max: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            caption_max_chars: 2_200,
            hashtags_max: 30,
            mentions_max: 20,
        }
    }
}
