//! A failed remote step, classified into what the engine should do next.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Meta's structured error, kept whole from the adapter up to the user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GraphErrorInfo {
    pub http_status: u16,
    pub code: i64,
    pub subcode: Option<i64>,
    pub is_transient: Option<bool>,
    pub fbtrace_id: Option<String>,
    /// Meta's `error_user_msg` or `message`; shown to the agency, never used to classify.
    pub message: String,
}

/// What the engine does about a failed step. Decided from `(code, subcode, is_transient)`
/// (see META_API.md's error table), never from message text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum Verdict {
    /// A temporary fault: try the same step again after a backoff.
    RetryLater,
    /// The container is broken, missing or expired: create a new one.
    RecreateContainer,
    /// Throttled, quota reached, or temporarily blocked: wait until `until`.
    DeferUntil {
        until: DateTime<Utc>,
        reason: String,
    },
    /// The token is no longer valid: the client must reconnect. Posts wait, not fail.
    NeedsReauth,
    /// The token lacks a permission or the user lacks a role on the object. Fails the post.
    PermissionDenied { permission: Option<String> },
    /// The post itself is wrong: fails with the field and the rule in plain words.
    InvalidInput { field: Option<String>, rule: String },
    /// The request may or may not have taken effect: reconcile before acting again.
    OutcomeUnknown,
}

/// A failed step: the verdict, Meta's error if there was one, and a message for a person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublishError {
    pub verdict: Verdict,
    pub graph: Option<GraphErrorInfo>,
    /// Plain words for the agency: what went wrong, never a token.
    pub message: String,
}

impl PublishError {
    pub fn new(verdict: Verdict, message: impl Into<String>) -> Self {
        Self {
            verdict,
            graph: None,
            message: message.into(),
        }
    }

    pub fn with_graph(mut self, graph: GraphErrorInfo) -> Self {
        self.graph = Some(graph);
        self
    }
}

impl fmt::Display for PublishError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if let Some(graph) = &self.graph {
            write!(f, " (Meta error {}", graph.code)?;
            if let Some(subcode) = graph.subcode {
                write!(f, "/{subcode}")?;
            }
            f.write_str(")")?;
        }
        Ok(())
    }
}

impl std::error::Error for PublishError {}
