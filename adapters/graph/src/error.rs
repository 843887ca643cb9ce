//! Meta's error envelope as a typed error, and the ways a call can fail before Meta
//! answers at all.

use std::fmt;

use herald_platform::publish::{BudgetReport, GraphErrorInfo};
use serde::Deserialize;

/// Meta's structured error: `{"error":{"message","type","code","error_subcode",
/// "error_user_title","error_user_msg","fbtrace_id","is_transient"}}`.
#[derive(Debug, Clone, PartialEq)]
pub struct GraphError {
    pub http_status: u16,
    pub code: i64,
    pub subcode: Option<i64>,
    pub is_transient: Option<bool>,
    pub fbtrace_id: Option<String>,
    /// `OAuthException`, `GraphMethodException`, …
    pub error_type: Option<String>,
    pub message: String,
    pub user_title: Option<String>,
    pub user_msg: Option<String>,
    /// What the usage headers of the failed response said (for throttling errors).
    pub usage: BudgetReport,
}

#[derive(Deserialize)]
struct Envelope {
    error: EnvelopeError,
}

#[derive(Deserialize)]
struct EnvelopeError {
    #[serde(default)]
    message: Option<String>,
    #[serde(default, rename = "type")]
    error_type: Option<String>,
    #[serde(default)]
    code: Option<serde_json::Value>,
    #[serde(default)]
    error_subcode: Option<serde_json::Value>,
    #[serde(default)]
    error_user_title: Option<String>,
    #[serde(default)]
    error_user_msg: Option<String>,
    #[serde(default)]
    fbtrace_id: Option<String>,
    #[serde(default)]
    is_transient: Option<bool>,
}

/// Meta sends codes as numbers, occasionally as strings.
fn as_code(value: &serde_json::Value) -> Option<i64> {
    match value {
        serde_json::Value::Number(n) => n.as_i64(),
        serde_json::Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

impl GraphError {
    /// Reads Meta's envelope from an error response body; `None` when the body is not one.
    pub fn from_body(http_status: u16, body: &[u8], usage: BudgetReport) -> Option<Self> {
        let envelope: Envelope = serde_json::from_slice(body).ok()?;
        let error = envelope.error;
        let code = error.code.as_ref().and_then(as_code)?;
        Some(Self {
            http_status,
            code,
            subcode: error.error_subcode.as_ref().and_then(as_code),
            is_transient: error.is_transient,
            fbtrace_id: error.fbtrace_id,
            error_type: error.error_type,
            message: error.message.unwrap_or_default(),
            user_title: error.error_user_title,
            user_msg: error.error_user_msg,
            usage,
        })
    }

    /// The words to show a person: Meta's message for users when it gave one.
    pub fn user_message(&self) -> &str {
        self.user_msg
            .as_deref()
            .filter(|m| !m.is_empty())
            .unwrap_or(&self.message)
    }

    /// The platform's copy of this error, kept with the post.
    pub fn info(&self) -> GraphErrorInfo {
        GraphErrorInfo {
            http_status: self.http_status,
            code: self.code,
            subcode: self.subcode,
            is_transient: self.is_transient,
            fbtrace_id: self.fbtrace_id.clone(),
            message: self.user_message().to_owned(),
        }
    }
}

impl fmt::Display for GraphError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Meta error {}", self.code)?;
        if let Some(subcode) = self.subcode {
            write!(f, "/{subcode}")?;
        }
        write!(f, " (HTTP {}): {}", self.http_status, self.user_message())?;
        if let Some(trace) = &self.fbtrace_id {
            write!(f, " [fbtrace_id {trace}]")?;
        }
        Ok(())
    }
}

impl std::error::Error for GraphError {}

/// Whether a failed call may have reached Meta.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// The request never left (connection refused, DNS, TLS): nothing happened at Meta.
    NotSent,
    /// The request may have arrived (timeout, reset after sending, unreadable answer).
    MaybeSent,
}

/// Why a Graph call failed.
#[derive(Debug, Clone, thiserror::Error)]
pub enum CallError {
    /// Meta answered with its error envelope.
    #[error(transparent)]
    Graph(Box<GraphError>),
    /// No usable answer: the network failed or the answer was not Meta's.
    #[error("{endpoint}: {detail}")]
    Transport {
        endpoint: String,
        delivery: Delivery,
        /// Whether the call could publish or create something at Meta.
        idempotent: bool,
        /// Never contains a token: URLs are redacted before they get here.
        detail: String,
        http_status: Option<u16>,
    },
}

impl CallError {
    pub fn graph(&self) -> Option<&GraphError> {
        match self {
            CallError::Graph(error) => Some(error),
            CallError::Transport { .. } => None,
        }
    }

    /// Whether this is Meta's error `code` (with `subcode`, when given).
    pub fn is(&self, code: i64, subcode: Option<i64>) -> bool {
        self.graph()
            .is_some_and(|e| e.code == code && (subcode.is_none() || e.subcode == subcode))
    }
}

impl From<GraphError> for CallError {
    fn from(error: GraphError) -> Self {
        CallError::Graph(Box::new(error))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_field_of_the_envelope() {
        let body = br#"{"error":{"message":"(#9007) not ready","type":"OAuthException",
            "code":9007,"error_subcode":2207027,"is_transient":false,
            "error_user_title":"Media not ready","error_user_msg":"The media is not ready",
            "fbtrace_id":"AbC123"}}"#;
        let error = GraphError::from_body(400, body, BudgetReport::default()).unwrap();
        assert_eq!((error.code, error.subcode), (9007, Some(2207027)));
        assert_eq!(error.is_transient, Some(false));
        assert_eq!(error.fbtrace_id.as_deref(), Some("AbC123"));
        assert_eq!(error.error_type.as_deref(), Some("OAuthException"));
        assert_eq!(error.user_title.as_deref(), Some("Media not ready"));
        assert_eq!(error.user_message(), "The media is not ready");
        assert_eq!(error.info().subcode, Some(2207027));
    }

    #[test]
    fn a_body_that_is_not_an_envelope_is_not_an_error() {
        assert!(
            GraphError::from_body(502, b"<html>Bad gateway</html>", Default::default()).is_none()
        );
        assert!(
            GraphError::from_body(400, br#"{"error":{"message":"x"}}"#, Default::default())
                .is_none()
        );
    }

    #[test]
    fn codes_sent_as_strings_are_read() {
        let body = br#"{"error":{"code":"190","error_subcode":"463","message":"expired"}}"#;
        let error = GraphError::from_body(401, body, BudgetReport::default()).unwrap();
        assert_eq!((error.code, error.subcode), (190, Some(463)));
    }
}
