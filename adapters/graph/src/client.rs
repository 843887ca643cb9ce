//! The Graph HTTP client: one request in, Meta's JSON or a typed error out, with the usage
//! headers read from every answer and the token kept out of URLs, logs and errors.

use std::sync::Arc;
use std::time::{Duration, Instant};

use herald_platform::metrics::{GraphEndpoint, GraphOutcome, Metrics};
use herald_platform::publish::BudgetReport;
use herald_platform::secret::Secret;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue, AUTHORIZATION};
use reqwest::multipart;
use serde_json::Value;
use url::Url;

use crate::config::GraphConfig;
use crate::error::{CallError, Delivery, GraphError};
use crate::redact::redact_url;
use crate::usage::parse_usage;

/// How long connecting may take; a refused or unreachable host is known not to have
/// received anything.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// What a request carries besides its URL.
#[derive(Debug, Default)]
pub enum Body {
    #[default]
    Empty,
    /// `application/x-www-form-urlencoded`.
    Form(Vec<(String, String)>),
    /// `multipart/form-data`: text fields and one file part.
    Multipart {
        fields: Vec<(String, String)>,
        file_field: String,
        bytes: Vec<u8>,
    },
    /// Raw bytes (uploads to the rupload host).
    Bytes(Vec<u8>),
}

/// One Graph call.
#[derive(Debug)]
pub struct Request {
    pub method: reqwest::Method,
    pub url: Url,
    /// A short label for logs, errors and the rate limiter: `media_publish`, `status`.
    pub endpoint: String,
    pub body: Body,
    /// Extra headers (the rupload host reads `offset`, `file_size`, `file_url`).
    pub headers: Vec<(String, String)>,
    pub token: Option<Secret>,
    /// Whether sending it twice is harmless. A lost answer to a non-idempotent call is an
    /// unknown outcome.
    pub idempotent: bool,
}

impl Request {
    pub fn get(url: Url, endpoint: impl Into<String>) -> Self {
        Self {
            method: reqwest::Method::GET,
            url,
            endpoint: endpoint.into(),
            body: Body::Empty,
            headers: Vec::new(),
            token: None,
            idempotent: true,
        }
    }

    /// A POST that changes something at Meta (not idempotent unless said so).
    pub fn post(url: Url, endpoint: impl Into<String>, form: Vec<(String, String)>) -> Self {
        Self {
            method: reqwest::Method::POST,
            url,
            endpoint: endpoint.into(),
            body: Body::Form(form),
            headers: Vec::new(),
            token: None,
            idempotent: false,
        }
    }

    pub fn query(mut self, pairs: &[(&str, &str)]) -> Self {
        self.url.query_pairs_mut().extend_pairs(pairs);
        self
    }

    pub fn token(mut self, token: &Secret) -> Self {
        self.token = Some(token.clone());
        self
    }

    pub fn header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_owned(), value.into()));
        self
    }

    pub fn body(mut self, body: Body) -> Self {
        self.body = body;
        self
    }

    pub fn idempotent(mut self, idempotent: bool) -> Self {
        self.idempotent = idempotent;
        self
    }
}

/// A successful answer.
#[derive(Debug, Clone)]
pub struct GraphResponse {
    pub http_status: u16,
    pub body: Value,
    pub usage: BudgetReport,
}

/// The Graph client. Cheap to clone.
#[derive(Debug, Clone)]
pub struct GraphClient {
    http: reqwest::Client,
    config: Arc<GraphConfig>,
    /// Counts every call in `herald_graph_requests_total` when set.
    metrics: Option<Metrics>,
}

/// The transport failed before an answer could be read.
fn transport(request: &Request, delivery: Delivery, detail: String) -> CallError {
    CallError::Transport {
        endpoint: request.endpoint.clone(),
        delivery,
        idempotent: request.idempotent,
        detail,
        http_status: None,
    }
}

impl GraphClient {
    pub fn new(config: GraphConfig) -> Result<Self, reqwest::Error> {
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .connect_timeout(CONNECT_TIMEOUT.min(config.timeout))
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("herald/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Self {
            http,
            config: Arc::new(config),
            metrics: None,
        })
    }

    /// Records every call's endpoint, outcome and duration in `metrics`.
    pub fn with_metrics(mut self, metrics: Metrics) -> Self {
        self.metrics = Some(metrics);
        self
    }

    pub fn config(&self) -> &GraphConfig {
        &self.config
    }

    /// Sends `request`. Meta's error envelope becomes [`CallError::Graph`]; anything else
    /// that is not a JSON answer becomes [`CallError::Transport`].
    pub async fn send(&self, request: Request) -> Result<GraphResponse, CallError> {
        let started = Instant::now();
        let endpoint = GraphEndpoint::from_label(&request.endpoint);
        let result = self.send_unmetered(request).await;
        if let Some(metrics) = &self.metrics {
            let outcome = match &result {
                Ok(_) => GraphOutcome::Ok,
                Err(err) => GraphOutcome::from_verdict(&crate::classify::classify_call(
                    err,
                    chrono::Utc::now(),
                )),
            };
            metrics.graph_request(endpoint, outcome, started.elapsed());
        }
        result
    }

    async fn send_unmetered(&self, request: Request) -> Result<GraphResponse, CallError> {
        let started = Instant::now();
        let shown_url = redact_url(&request.url);
        let sent = self.build(&request)?.send().await;
        let response = match sent {
            Ok(response) => response,
            Err(err) => {
                let delivery = if err.is_connect() || err.is_builder() {
                    Delivery::NotSent
                } else {
                    Delivery::MaybeSent
                };
                let what = if err.is_timeout() {
                    "timed out"
                } else {
                    "network error"
                };
                tracing::debug!(graph.endpoint = %request.endpoint, url = %shown_url,
                    elapsed_ms = started.elapsed().as_millis() as u64, "graph call failed: {what}");
                let detail = format!("{what} calling {shown_url}: {}", err.without_url());
                return Err(transport(&request, delivery, detail));
            }
        };

        let status = response.status().as_u16();
        let usage = parse_usage(response.headers());
        let bytes = match response.bytes().await {
            Ok(bytes) => bytes,
            Err(err) => {
                let detail = format!("answer of {shown_url} lost: {}", err.without_url());
                return Err(transport(&request, Delivery::MaybeSent, detail));
            }
        };
        tracing::debug!(graph.endpoint = %request.endpoint, url = %shown_url, http.status = status,
            elapsed_ms = started.elapsed().as_millis() as u64, "graph call");

        if !(200..300).contains(&status) {
            if let Some(error) = GraphError::from_body(status, &bytes, usage) {
                return Err(error.into());
            }
            return Err(CallError::Transport {
                endpoint: request.endpoint.clone(),
                delivery: Delivery::MaybeSent,
                idempotent: request.idempotent,
                detail: format!("HTTP {status} without Meta's error envelope from {shown_url}"),
                http_status: Some(status),
            });
        }
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            match serde_json::from_slice(&bytes) {
                Ok(body) => body,
                Err(_) => {
                    let detail = format!("HTTP {status} from {shown_url} is not JSON");
                    return Err(transport(&request, Delivery::MaybeSent, detail));
                }
            }
        };
        Ok(GraphResponse {
            http_status: status,
            body,
            usage,
        })
    }

    fn build(&self, request: &Request) -> Result<reqwest::RequestBuilder, CallError> {
        let mut headers = HeaderMap::new();
        if let Some(token) = &request.token {
            let mut value = HeaderValue::from_str(&format!("OAuth {}", token.expose()))
                .map_err(|_| transport(request, Delivery::NotSent, "malformed token".into()))?;
            value.set_sensitive(true);
            headers.insert(AUTHORIZATION, value);
        }
        for (raw_name, raw_value) in &request.headers {
            let name = HeaderName::from_bytes(raw_name.as_bytes());
            let value = HeaderValue::from_str(raw_value);
            match (name, value) {
                (Ok(name), Ok(value)) => {
                    headers.insert(name, value);
                }
                _ => {
                    let detail =
                        format!("{}: header `{raw_name}` cannot be sent", request.endpoint);
                    return Err(transport(request, Delivery::NotSent, detail));
                }
            }
        }

        let builder = self
            .http
            .request(request.method.clone(), request.url.clone())
            .headers(headers);
        Ok(match &request.body {
            Body::Empty => builder,
            Body::Form(pairs) => builder.form(pairs),
            Body::Bytes(bytes) => builder.body(bytes.clone()),
            Body::Multipart {
                fields,
                file_field,
                bytes,
            } => {
                let mut form = multipart::Form::new();
                for (key, value) in fields {
                    form = form.text(key.clone(), value.clone());
                }
                let part = multipart::Part::bytes(bytes.clone()).file_name("chunk");
                builder.multipart(form.part(file_field.clone(), part))
            }
        })
    }
}

impl GraphClient {
    /// Bytes `start..end` of a media file Herald serves, for resumable uploads. Not a call
    /// to Meta. A server that ignores `Range` is answered by slicing the whole file.
    pub async fn fetch_media_range(
        &self,
        url: &str,
        start: u64,
        end: u64,
    ) -> Result<Vec<u8>, String> {
        let parsed = Url::parse(url).map_err(|err| format!("media URL is invalid: {err}"))?;
        let shown = redact_url(&parsed);
        let range = format!("bytes={start}-{}", end.saturating_sub(1));
        let response = self
            .http
            .get(parsed)
            .header(reqwest::header::RANGE, range)
            .send()
            .await
            .map_err(|err| format!("fetching {shown}: {}", err.without_url()))?;
        let status = response.status();
        if !status.is_success() {
            return Err(format!("fetching {shown}: HTTP {status}"));
        }
        let partial = status == reqwest::StatusCode::PARTIAL_CONTENT;
        let bytes = response
            .bytes()
            .await
            .map_err(|err| format!("reading {shown}: {err}"))?;
        if partial {
            return Ok(bytes.to_vec());
        }
        let from = usize::try_from(start)
            .unwrap_or(usize::MAX)
            .min(bytes.len());
        let to = usize::try_from(end).unwrap_or(usize::MAX).min(bytes.len());
        Ok(bytes[from..to].to_vec())
    }
}
