//! A Graph session for one publish step: every call asks the engine's rate limiter first,
//! reports the usage headers after, and turns failures into classified
//! [`PublishError`]s that keep Meta's code and subcode.

use herald_platform::publish::{PublishError, StepContext, Verdict};
use herald_platform::secret::Secret;
use serde_json::Value;
use url::Url;

use crate::classify::classify_call;
use crate::client::{GraphClient, Request};
use crate::config::Host;
use crate::error::CallError;
use crate::redact::scrub;

/// Calls made on behalf of one account (Page or IG user) during one step.
pub struct Session<'a> {
    client: &'a GraphClient,
    ctx: &'a dyn StepContext,
    object_id: &'a str,
    token: &'a Secret,
    host: Host,
    /// The permission a `PermissionDenied` most likely lacks, named to the user.
    permission_hint: &'static str,
}

impl<'a> Session<'a> {
    pub fn new(
        client: &'a GraphClient,
        ctx: &'a dyn StepContext,
        object_id: &'a str,
        token: &'a Secret,
        host: Host,
    ) -> Self {
        Self {
            client,
            ctx,
            object_id,
            token,
            host,
            permission_hint: "",
        }
    }

    pub fn with_permission_hint(mut self, permission: &'static str) -> Self {
        self.permission_hint = permission;
        self
    }

    pub fn client(&self) -> &GraphClient {
        self.client
    }

    pub fn ctx(&self) -> &dyn StepContext {
        self.ctx
    }

    pub fn token(&self) -> &Secret {
        self.token
    }

    pub fn object_id(&self) -> &str {
        self.object_id
    }

    /// `{host}/{version}/{path}` on this session's host.
    pub fn url(&self, path: &str) -> Url {
        self.client.config().versioned(self.host, path)
    }

    /// `GET {path}` with `query`.
    pub async fn get(
        &self,
        path: &str,
        endpoint: &str,
        query: &[(&str, &str)],
    ) -> Result<Value, PublishError> {
        self.send(Request::get(self.url(path), endpoint).query(query))
            .await
    }

    /// `POST {path}` with a form. Not idempotent unless `idempotent`.
    pub async fn post(
        &self,
        path: &str,
        endpoint: &str,
        form: &[(&str, String)],
        idempotent: bool,
    ) -> Result<Value, PublishError> {
        let form = form
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect();
        self.send(Request::post(self.url(path), endpoint, form).idempotent(idempotent))
            .await
    }

    /// Sends any request with this session's token, rate limiter and usage reporting.
    pub async fn send(&self, request: Request) -> Result<Value, PublishError> {
        self.ctx
            .before_call(self.object_id, &request.endpoint)
            .await?;
        let request = request.token(self.token);
        let endpoint = request.endpoint.clone();
        match self.client.send(request).await {
            Ok(response) => {
                self.ctx.usage(self.object_id, response.usage);
                Ok(response.body)
            }
            Err(err) => {
                if let CallError::Graph(graph) = &err {
                    self.ctx.usage(self.object_id, graph.usage.clone());
                }
                Err(self.publish_error(&endpoint, &err))
            }
        }
    }

    /// A classified, token-free error for the engine.
    pub fn publish_error(&self, endpoint: &str, err: &CallError) -> PublishError {
        let mut verdict = classify_call(err, self.ctx.now());
        if let Verdict::PermissionDenied { permission: None } = &verdict {
            if !self.permission_hint.is_empty() {
                verdict = Verdict::PermissionDenied {
                    permission: Some(self.permission_hint.to_owned()),
                };
            }
        }
        let message = match err {
            CallError::Graph(graph) => format!("{endpoint}: {}", graph.user_message()),
            CallError::Transport { detail, .. } => detail.clone(),
        };
        let message = scrub(&message, self.token.expose());
        let error = PublishError::new(verdict, message);
        match err.graph() {
            Some(graph) => {
                let mut info = graph.info();
                info.message = scrub(&info.message, self.token.expose());
                error.with_graph(info)
            }
            None => error,
        }
    }
}

/// Whether a publish error is Meta's `code` (and `subcode`, when given).
pub fn is_graph_error(error: &PublishError, code: i64, subcode: Option<i64>) -> bool {
    error
        .graph
        .as_ref()
        .is_some_and(|g| g.code == code && (subcode.is_none() || g.subcode == subcode))
}

/// A string field of a JSON answer (ids come as strings, sometimes as numbers).
pub fn str_field(body: &Value, field: &str) -> Option<String> {
    match body.get(field)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// An answer that lacks a field Meta always sends: the outcome cannot be trusted.
pub fn missing_field(endpoint: &str, field: &str) -> PublishError {
    PublishError::new(
        Verdict::OutcomeUnknown,
        format!("{endpoint}: Meta's answer has no `{field}`"),
    )
}
