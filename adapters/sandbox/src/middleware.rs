//! The layer every sandbox call passes: request id, fault rules, and the request log.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use actix_web::body::{BodySize, BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage, HttpResponse, ResponseError};
use bytes::Bytes;

use crate::errors::catalogue;
use crate::faults::{self, FaultAction};
use crate::state::{RequestRecord, Shared};

/// The request log keeps the most recent calls only.
const MAX_REQUESTS_KEPT: usize = 20_000;

/// The sandbox's id for the current call, also sent as `x-fb-request-id`.
#[derive(Clone)]
pub struct RequestId(pub String);

/// Who owns the token of the current call (user, Page or IG id), set by handlers.
#[derive(Clone)]
pub struct TokenOwner(pub String);

/// The path below the mount point (`/graph/v26.0/me` for `/sandbox/graph/v26.0/me`).
pub fn relative_path(shared: &Shared, path: &str) -> String {
    let mount = url::Url::parse(&shared.config.public_base_url)
        .map(|u| u.path().trim_end_matches('/').to_string())
        .unwrap_or_default();
    if !mount.is_empty() {
        if let Some(rest) = path.strip_prefix(&mount) {
            if rest.is_empty() || rest.starts_with('/') {
                return rest.to_string();
            }
        }
    }
    // Mounted somewhere `public_base_url` does not say: cut at the first known host prefix.
    HOSTS
        .iter()
        .filter_map(|h| path.find(h))
        .min()
        .map(|at| path[at..].to_string())
        .unwrap_or_else(|| path.to_string())
}

/// The first path segment of every host the sandbox plays, and of its control API.
const HOSTS: &[&str] = &[
    "/_sandbox/",
    "/graph/",
    "/www/",
    "/rupload/",
    "/ig-www/",
    "/ig-api/",
    "/ig-graph/",
];

pub async fn layer(
    shared: Arc<Shared>,
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let rel = relative_path(&shared, req.path());
    if rel.starts_with("/_sandbox") {
        return Ok(next.call(req).await?.map_into_boxed_body());
    }

    let rid = format!("req_{}", shared.next());
    req.extensions_mut().insert(RequestId(rid.clone()));
    let method = req.method().to_string();
    let action = faults::pick(&mut shared.lock().faults, &method, &rel);

    let res = match action {
        Some(FaultAction::Error {
            http,
            code,
            subcode,
            regain_minutes,
        }) => {
            let mut resp = catalogue(http, code, subcode).error_response();
            if let (Some(minutes), Some(object)) = (regain_minutes, object_in_path(&rel)) {
                let usage = serde_json::json!({ object: [{
                    "type": "pages", "call_count": 100, "total_cputime": 100, "total_time": 100,
                    "estimated_time_to_regain_access": minutes
                }]});
                if let Ok(v) = HeaderValue::from_str(&usage.to_string()) {
                    resp.headers_mut()
                        .insert(HeaderName::from_static("x-business-use-case-usage"), v);
                }
            }
            req.into_response(resp)
        }
        Some(FaultAction::Status { http }) => {
            let status = StatusCode::from_u16(http).unwrap_or(StatusCode::BAD_GATEWAY);
            let reason = status.canonical_reason().unwrap_or("Error");
            req.into_response(HttpResponse::build(status).body(reason))
        }
        Some(FaultAction::Reset) => {
            record(&shared, &rid, &method, &rel, None, 0);
            return Ok(dropped(req.into_parts().0));
        }
        Some(FaultAction::ApplyThenDrop) => {
            let res = next.call(req).await?;
            let owner = owner_of(&res);
            record(&shared, &rid, &method, &rel, owner, 0);
            return Ok(dropped(res.into_parts().0));
        }
        Some(FaultAction::Delay { ms }) => {
            tokio::time::sleep(Duration::from_millis(ms)).await;
            next.call(req).await?.map_into_boxed_body()
        }
        None => next.call(req).await?.map_into_boxed_body(),
    };

    let owner = owner_of(&res);
    record(&shared, &rid, &method, &rel, owner, res.status().as_u16());
    let mut res = res;
    let graph_host = rel.starts_with("/graph/") || rel.starts_with("/ig-graph/");
    let has_usage = res.headers().contains_key("x-app-usage")
        || res.headers().contains_key("x-business-use-case-usage");
    if graph_host && !has_usage {
        let now = shared.clock.now();
        let mut inner = shared.lock();
        let (users, settings) = (inner.users.len(), inner.settings.clone());
        for (name, value) in inner.usage.peek_app(now, &settings, users).0 {
            if let Ok(v) = HeaderValue::from_str(&value) {
                res.headers_mut().insert(HeaderName::from_static(name), v);
            }
        }
    }
    if let Ok(v) = HeaderValue::from_str(&rid) {
        res.headers_mut()
            .insert(HeaderName::from_static("x-fb-request-id"), v);
    }
    Ok(res)
}

/// The Graph object a call is about: `123` in `/graph/v26.0/123/feed`.
fn object_in_path(rel: &str) -> Option<String> {
    let mut segments = rel.trim_start_matches('/').split('/');
    let _host = segments.next()?;
    let _version = segments.next().filter(|v| v.starts_with('v'))?;
    segments
        .next()
        .filter(|id| !id.is_empty())
        .map(str::to_owned)
}

fn owner_of<B>(res: &ServiceResponse<B>) -> Option<String> {
    res.request()
        .extensions()
        .get::<TokenOwner>()
        .map(|o| o.0.clone())
}

fn record(shared: &Shared, id: &str, method: &str, path: &str, owner: Option<String>, st: u16) {
    tracing::debug!(
        sandbox.request_id = id,
        http.method = method,
        http.path = path,
        http.status = st,
        "sandbox call"
    );
    let time = shared.clock.now();
    let mut inner = shared.lock();
    if inner.requests.len() >= MAX_REQUESTS_KEPT {
        inner.requests.drain(..MAX_REQUESTS_KEPT / 10);
    }
    inner.requests.push(RequestRecord {
        id: id.to_string(),
        time,
        method: method.to_string(),
        path: path.to_string(),
        token_owner: owner,
        status: st,
    });
}

/// A response whose body fails before a byte is written: the server closes the connection
/// and the client sees it drop without an answer.
fn dropped(req: actix_web::HttpRequest) -> ServiceResponse<BoxBody> {
    let resp = HttpResponse::with_body(StatusCode::OK, BoxBody::new(DropBody));
    ServiceResponse::new(req, resp)
}

struct DropBody;

impl MessageBody for DropBody {
    type Error = std::io::Error;

    fn size(&self) -> BodySize {
        BodySize::Stream
    }

    fn poll_next(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Bytes, Self::Error>>> {
        Poll::Ready(Some(Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "sandbox fault: connection dropped on purpose",
        ))))
    }
}
