//! Meta's error envelope and the catalogue of errors the sandbox answers with.
//!
//! Every failure on a Meta host leaves the sandbox as
//! `{"error":{"message","type","code","error_subcode","error_user_title","error_user_msg",
//! "fbtrace_id","is_transient"}}` with an HTTP 4xx/5xx status, like Graph does.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use rand::distributions::Alphanumeric;
use rand::Rng;
use serde_json::{json, Map, Value};

pub use crate::catalogue::catalogue;

/// One Graph API error, ready to be sent in Meta's envelope.
#[derive(Debug, Clone, PartialEq)]
pub struct GraphError {
    pub http: u16,
    pub code: i64,
    pub subcode: Option<i64>,
    pub kind: &'static str,
    pub message: String,
    pub user_title: Option<String>,
    pub user_msg: Option<String>,
    pub is_transient: bool,
}

impl std::fmt::Display for GraphError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "graph error {} ({:?}): {}",
            self.code, self.subcode, self.message
        )
    }
}

impl GraphError {
    /// An error with the given code and message, HTTP 400, `OAuthException`.
    pub fn new(code: i64, message: impl Into<String>) -> Self {
        GraphError {
            http: 400,
            code,
            subcode: None,
            kind: "OAuthException",
            message: message.into(),
            user_title: None,
            user_msg: None,
            is_transient: false,
        }
    }

    pub fn with_sub(mut self, subcode: i64) -> Self {
        self.subcode = Some(subcode);
        self
    }

    pub fn http(mut self, http: u16) -> Self {
        self.http = http;
        self
    }

    pub fn kind(mut self, kind: &'static str) -> Self {
        self.kind = kind;
        self
    }

    pub fn transient(mut self) -> Self {
        self.is_transient = true;
        self
    }

    pub fn user(mut self, title: impl Into<String>, msg: impl Into<String>) -> Self {
        self.user_title = Some(title.into());
        self.user_msg = Some(msg.into());
        self
    }

    /// `(#100) {message}` with type `OAuthException`: a parameter is wrong.
    pub fn param(message: impl AsRef<str>) -> Self {
        GraphError::new(100, format!("(#100) {}", message.as_ref()))
    }

    /// Code 100, subcode 33: the object does not exist or cannot be read with this token.
    pub fn no_object(id: &str, method: &str) -> Self {
        GraphError::new(
            100,
            format!(
                "Unsupported {method} request. Object with ID '{id}' does not exist, cannot be \
                 loaded due to missing permissions, or does not support this operation. Please \
                 read the Graph API documentation at https://developers.facebook.com/docs/graph-api"
            ),
        )
        .with_sub(33)
        .kind("GraphMethodException")
    }

    /// The envelope as JSON, with a fresh `fbtrace_id`.
    pub fn to_json(&self) -> Value {
        let mut e = Map::new();
        e.insert("message".into(), json!(self.message));
        e.insert("type".into(), json!(self.kind));
        e.insert("code".into(), json!(self.code));
        if let Some(s) = self.subcode {
            e.insert("error_subcode".into(), json!(s));
        }
        if let Some(t) = &self.user_title {
            e.insert("error_user_title".into(), json!(t));
        }
        if let Some(m) = &self.user_msg {
            e.insert("error_user_msg".into(), json!(m));
        }
        e.insert("is_transient".into(), json!(self.is_transient));
        e.insert("fbtrace_id".into(), json!(fbtrace_id()));
        json!({ "error": Value::Object(e) })
    }
}

impl ResponseError for GraphError {
    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.http).unwrap_or(StatusCode::BAD_REQUEST)
    }

    fn error_response(&self) -> HttpResponse {
        HttpResponse::build(self.status_code())
            .insert_header(("WWW-Authenticate", "OAuth \"Facebook Platform\""))
            .json(self.to_json())
    }
}

/// A random trace id in the shape Meta uses (`AbC1dEf2GhI`).
pub fn fbtrace_id() -> String {
    rand::thread_rng()
        .sample_iter(&Alphanumeric)
        .take(11)
        .map(char::from)
        .collect()
}

/// The code 190 error for an invalid token, by subcode.
pub fn token_error(subcode: i64, app_id: &str) -> GraphError {
    let msg = match subcode {
        458 => format!(
            "Error validating access token: The user has not authorized application {app_id}."
        ),
        460 => "Error validating access token: The session has been invalidated because the user \
                changed their password or Facebook has changed the session for security reasons."
            .to_string(),
        463 => "Error validating access token: Session has expired.".to_string(),
        464 => "Error validating access token: Sessions for the user are not allowed because the \
                user is not a confirmed user."
            .to_string(),
        467 => "Error validating access token: The access token is invalid.".to_string(),
        492 => "Error validating access token: The session is invalid because the user is no \
                longer a member of the Page."
            .to_string(),
        _ => "Invalid OAuth access token - Cannot parse access token".to_string(),
    };
    let e = GraphError::new(190, msg);
    if subcode == 0 {
        e
    } else {
        e.with_sub(subcode)
    }
}
