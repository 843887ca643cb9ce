//! The one HTTP client Herald uses for URLs a tenant gave it: webhook endpoints and media
//! URLs. Only http(s), no userinfo, no proxy, redirects never followed, a timeout per
//! request, address literals checked before sending and host names checked inside the
//! resolver (see [`super::resolver`]).

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use herald_platform::webhooks::{
    TransportError, WebhookRequest, WebhookResponse, WebhookTransport,
};
use url::{Host, Url};

use super::policy::AddressPolicy;
use super::resolver::{system_lookup, GuardedResolver, LookupFn, RefusedName};

/// The default time one request may take, connect to last byte.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(15);

/// How much of a webhook receiver's answer is read.
pub const RESPONSE_START_BYTES: usize = 1024;

/// Why an outbound request did not produce an answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OutboundError {
    /// Refused by the guard before any connection was made.
    #[error("{0}")]
    Blocked(String),
    #[error("timed out")]
    Timeout,
    #[error("connection failed: {0}")]
    Connect(String),
    #[error("the answer is larger than {limit} bytes")]
    TooLarge { limit: u64 },
    #[error("the server answered HTTP {0}")]
    Status(u16),
    #[error("{0}")]
    Other(String),
}

/// The guarded client. Cheap to clone.
#[derive(Clone)]
pub struct OutboundClient {
    http: reqwest::Client,
    policy: Arc<AddressPolicy>,
}

impl std::fmt::Debug for OutboundClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OutboundClient")
            .field("policy", &self.policy)
            .finish()
    }
}

impl OutboundClient {
    /// A client with the system resolver.
    pub fn new(policy: AddressPolicy, timeout: Duration) -> Result<Self, OutboundError> {
        Self::with_lookup(policy, timeout, system_lookup())
    }

    /// A client whose resolver asks `lookup` (tests simulate DNS with it).
    pub fn with_lookup(
        policy: AddressPolicy,
        timeout: Duration,
        lookup: LookupFn,
    ) -> Result<Self, OutboundError> {
        let policy = Arc::new(policy);
        let resolver = Arc::new(GuardedResolver::new(policy.clone(), lookup));
        let http = reqwest::Client::builder()
            .dns_resolver(resolver)
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(timeout)
            .connect_timeout(timeout)
            .user_agent("Herald/1")
            .build()
            .map_err(|err| OutboundError::Other(format!("cannot build the HTTP client: {err}")))?;
        Ok(Self { http, policy })
    }

    /// The checks that need no DNS: scheme, userinfo, host, and address literals (in any
    /// notation the URL standard accepts: decimal, octal, hex, IPv4-mapped IPv6).
    pub fn check_url(&self, text: &str) -> Result<Url, OutboundError> {
        check_url(&self.policy, text)
    }

    /// POSTs `body` and reads the start of the answer.
    pub async fn post(
        &self,
        url: &str,
        headers: &[(String, String)],
        body: Vec<u8>,
    ) -> Result<(u16, reqwest::header::HeaderMap, Vec<u8>), OutboundError> {
        let url = self.check_url(url)?;
        let mut request = self.http.post(url).body(body);
        for (name, value) in headers {
            request = request.header(name.as_str(), value.as_str());
        }
        let response = request.send().await.map_err(classify)?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let start = read_limited(response, RESPONSE_START_BYTES as u64, false).await?;
        Ok((status, headers, start))
    }

    /// GETs a media file, refusing anything but a 2xx answer no larger than `max_bytes`.
    /// Returns the bytes and the declared content type (which probing never trusts).
    pub async fn fetch(
        &self,
        url: &str,
        max_bytes: u64,
    ) -> Result<(Vec<u8>, Option<String>), OutboundError> {
        let url = self.check_url(url)?;
        let response = self.http.get(url).send().await.map_err(classify)?;
        let status = response.status().as_u16();
        if !(200..300).contains(&status) {
            return Err(OutboundError::Status(status));
        }
        if response.content_length().is_some_and(|len| len > max_bytes) {
            return Err(OutboundError::TooLarge { limit: max_bytes });
        }
        let content_type = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let bytes = read_limited(response, max_bytes, true).await?;
        Ok((bytes, content_type))
    }
}

/// See [`OutboundClient::check_url`].
pub fn check_url(policy: &AddressPolicy, text: &str) -> Result<Url, OutboundError> {
    let blocked = |why: String| OutboundError::Blocked(why);
    let url = Url::parse(text.trim()).map_err(|err| blocked(format!("not a valid URL: {err}")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(blocked(format!(
            "the `{}` scheme is not allowed: use http or https",
            url.scheme()
        )));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(blocked(
            "a URL with a user name or password is not allowed".into(),
        ));
    }
    let ip = match url.host() {
        None => return Err(blocked("the URL has no host".into())),
        Some(Host::Domain("")) => return Err(blocked("the URL has no host".into())),
        Some(Host::Domain(_)) => return Ok(url),
        Some(Host::Ipv4(v4)) => std::net::IpAddr::V4(v4),
        Some(Host::Ipv6(v6)) => std::net::IpAddr::V6(v6),
    };
    policy
        .check(ip)
        .map_err(|reason| blocked(format!("{ip} is {reason}")))?;
    Ok(url)
}

async fn read_limited(
    mut response: reqwest::Response,
    limit: u64,
    must_fit: bool,
) -> Result<Vec<u8>, OutboundError> {
    let mut out = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(classify)? {
        out.extend_from_slice(&chunk);
        if out.len() as u64 > limit {
            if must_fit {
                return Err(OutboundError::TooLarge { limit });
            }
            out.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
            break;
        }
    }
    Ok(out)
}

/// Maps a reqwest error, recognising the guard's refusal anywhere in its causes.
fn classify(err: reqwest::Error) -> OutboundError {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&err);
    while let Some(cause) = source {
        if let Some(refused) = cause.downcast_ref::<RefusedName>() {
            return OutboundError::Blocked(refused.to_string());
        }
        source = cause.source();
    }
    if err.is_timeout() {
        OutboundError::Timeout
    } else if err.is_connect() {
        OutboundError::Connect(root_cause(&err))
    } else {
        OutboundError::Other(root_cause(&err))
    }
}

fn root_cause(err: &(dyn std::error::Error + 'static)) -> String {
    let mut last = err;
    while let Some(next) = last.source() {
        last = next;
    }
    last.to_string()
}

#[async_trait]
impl WebhookTransport for OutboundClient {
    async fn send(&self, request: WebhookRequest) -> Result<WebhookResponse, TransportError> {
        match self
            .post(&request.url, &request.headers, request.body)
            .await
        {
            Ok((status, headers, start)) => Ok(WebhookResponse {
                status,
                retry_after: headers
                    .get(reqwest::header::RETRY_AFTER)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned),
                body_start: String::from_utf8_lossy(&start).into_owned(),
            }),
            Err(OutboundError::Blocked(why)) => Err(TransportError::Blocked(why)),
            Err(OutboundError::Timeout) => Err(TransportError::Timeout),
            Err(OutboundError::Connect(why)) => Err(TransportError::Connect(why)),
            Err(other) => Err(TransportError::Other(other.to_string())),
        }
    }
}
