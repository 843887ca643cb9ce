//! The real Meta sandbox on 127.0.0.1:0 and a small client for its control API
//! (`/_sandbox/...`): users with Pages and IG accounts, faults, settings, clock, ledger and
//! request log.

use std::net::SocketAddr;

use chrono::Duration;
use herald_graph::{GraphClient, GraphConfig};
use herald_platform::publish::{PublishTarget, TokenHost};
use herald_platform::secret::Secret;
use serde_json::{json, Value};

use super::TestContext;

/// A Page the sandbox created, with its Page token and linked IG account.
#[derive(Debug, Clone)]
pub struct SandboxPage {
    pub id: String,
    pub token: String,
    /// `(ig user id, username)`.
    pub instagram: Option<(String, String)>,
}

/// A user the sandbox created.
#[derive(Debug, Clone)]
pub struct SandboxUser {
    pub id: String,
    pub token: String,
    pub pages: Vec<SandboxPage>,
    /// `(ig user id, Instagram Login token)`.
    pub instagram_login: Option<(String, String)>,
}

impl SandboxUser {
    /// The first Page, as a Facebook publish target.
    pub fn page_target(&self) -> PublishTarget {
        let page = &self.pages[0];
        PublishTarget {
            external_id: page.id.clone(),
            access_token: Secret::new(page.token.clone()),
            host: TokenHost::FacebookLogin,
        }
    }

    /// The first Page's IG account with the Page token (Facebook Login host).
    pub fn ig_target(&self) -> PublishTarget {
        let page = &self.pages[0];
        let ig = page
            .instagram
            .as_ref()
            .map(|(id, _)| id.clone())
            .unwrap_or_default();
        PublishTarget {
            external_id: ig,
            access_token: Secret::new(page.token.clone()),
            host: TokenHost::FacebookLogin,
        }
    }

    /// The Instagram Login account (Instagram Login host).
    pub fn ig_login_target(&self) -> PublishTarget {
        let (id, token) = self.instagram_login.clone().unwrap_or_default();
        PublishTarget {
            external_id: id,
            access_token: Secret::new(token),
            host: TokenHost::InstagramLogin,
        }
    }
}

/// A running sandbox.
pub struct SandboxHandle {
    pub addr: SocketAddr,
    pub base: String,
    http: reqwest::Client,
    /// The in-process server; `None` for a sandbox another process serves.
    _handle: Option<actix_web::dev::ServerHandle>,
}

fn text(value: &Value, pointer: &str) -> String {
    value
        .pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

impl SandboxHandle {
    pub async fn start() -> std::io::Result<Self> {
        let listen: SocketAddr = ([127, 0, 0, 1], 0).into();
        let config = herald_sandbox::SandboxConfig {
            ..Default::default()
        };
        let (server, addr) = herald_sandbox::serve(listen, config).await?;
        let handle = server.handle();
        tokio::spawn(server);
        Ok(Self {
            addr,
            base: format!("http://{addr}"),
            http: reqwest::Client::new(),
            _handle: Some(handle),
        })
    }

    /// A sandbox another process already serves at `base` (`http://127.0.0.1:port`), so
    /// its CPU time is not this process's. It answers with the default app, like
    /// [`SandboxHandle::start`].
    pub fn external(base: &str) -> Result<Self, String> {
        let url =
            url::Url::parse(base).map_err(|err| format!("sandbox base URL {base:?}: {err}"))?;
        let addr = url
            .socket_addrs(|| None)
            .ok()
            .and_then(|addrs| addrs.into_iter().next())
            .ok_or_else(|| format!("sandbox base URL {base:?}: must name a host and port"))?;
        Ok(Self {
            addr,
            base: base.trim_end_matches('/').to_owned(),
            http: reqwest::Client::new(),
            _handle: None,
        })
    }

    /// The Graph client's settings for this sandbox, with the sandbox's app.
    pub fn graph_config(&self) -> GraphConfig {
        let defaults = herald_sandbox::SandboxConfig::default();
        GraphConfig::for_sandbox(&self.base)
            .unwrap_or_else(|err| panic!("sandbox base URL: {err}"))
            .with_app(defaults.app_id, Secret::new(defaults.app_secret))
    }

    pub fn graph_client(&self) -> GraphClient {
        GraphClient::new(self.graph_config()).unwrap_or_else(|err| panic!("graph client: {err}"))
    }

    async fn control(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}/_sandbox/{path}", self.base);
        let mut request = self.http.request(method, &url);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request
            .send()
            .await
            .unwrap_or_else(|err| panic!("{url}: {err}"));
        let status = response.status();
        let body = response.text().await.unwrap_or_default();
        assert!(status.is_success(), "{url} answered {status}: {body}");
        serde_json::from_str(&body).unwrap_or(Value::Null)
    }

    /// A user with one Page (linked to an IG account when `instagram`) and, when
    /// `instagram_login`, an Instagram Login token.
    pub async fn user(&self, instagram: bool, instagram_login: bool) -> SandboxUser {
        let body = json!({
            "name": "Adapter Test",
            "pages": [{"name": "Bakery", "instagram": instagram}],
            "instagram_login": instagram_login,
        });
        let user = self
            .control(reqwest::Method::POST, "users", Some(body))
            .await;
        let pages = user["pages"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|p| SandboxPage {
                id: text(p, "/id"),
                token: text(p, "/access_token"),
                instagram: p
                    .get("instagram_business_account")
                    .filter(|ig| !ig.is_null())
                    .map(|ig| (text(ig, "/id"), text(ig, "/username"))),
            })
            .collect();
        let instagram_login = user
            .get("instagram_login")
            .filter(|ig| !ig.is_null())
            .map(|ig| (text(ig, "/id"), text(ig, "/access_token")));
        SandboxUser {
            id: text(&user, "/id"),
            token: text(&user, "/access_token"),
            pages,
            instagram_login,
        }
    }

    /// Adds a fault rule (see issue 3 for its shape).
    pub async fn fault(&self, rule: Value) {
        self.control(reqwest::Method::POST, "faults", Some(rule))
            .await;
    }

    pub async fn clear_faults(&self) {
        self.control(reqwest::Method::DELETE, "faults", None).await;
    }

    /// Changes settings: `{"container_processing_ms": 5000, ...}`.
    pub async fn settings(&self, patch: Value) {
        self.control(reqwest::Method::PUT, "settings", Some(patch))
            .await;
    }

    /// Moves the sandbox's clock and the context's clock forward together.
    pub async fn advance(&self, ctx: &TestContext, by: Duration) {
        let seconds = (by.num_milliseconds() + 999) / 1000;
        if seconds <= 0 {
            return;
        }
        self.control(
            reqwest::Method::POST,
            "clock",
            Some(json!({ "advance_seconds": seconds })),
        )
        .await;
        ctx.advance(Duration::seconds(seconds));
    }

    /// The ledger entries of `owner`.
    pub async fn ledger(&self, owner: &str) -> Vec<Value> {
        let value = self
            .control(reqwest::Method::GET, &format!("ledger?owner={owner}"), None)
            .await;
        value["data"].as_array().cloned().unwrap_or_default()
    }

    /// Every call the sandbox received: `{method, path, token_owner, status}`.
    pub async fn requests(&self) -> Vec<Value> {
        let value = self.control(reqwest::Method::GET, "requests", None).await;
        value["data"].as_array().cloned().unwrap_or_default()
    }

    /// How many calls with `method` had a path ending in `suffix`.
    pub async fn count(&self, method: &str, suffix: &str) -> usize {
        self.requests()
            .await
            .iter()
            .filter(|r| r["method"] == method)
            .filter(|r| r["path"].as_str().is_some_and(|p| p.ends_with(suffix)))
            .count()
    }

    pub async fn invalidate(&self, token: &str, subcode: i64) {
        let body = json!({ "token": token, "subcode": subcode });
        self.control(reqwest::Method::POST, "tokens/invalidate", Some(body))
            .await;
    }

    pub async fn revoke_role(&self, page_id: &str, user_id: &str) {
        let body = json!({ "page_id": page_id, "user_id": user_id });
        self.control(reqwest::Method::POST, "roles/revoke", Some(body))
            .await;
    }
}
