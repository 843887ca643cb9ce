//! Where the Graph client sends its calls: the API version, every Meta host, timeouts and
//! the app's credentials. All settings, so the sandbox can stand in for each host.

use std::time::Duration;

use herald_platform::secret::Secret;
use url::Url;

/// Meta's current Graph API version; the default of `HERALD_META_API_VERSION`.
pub const DEFAULT_API_VERSION: &str = "v26.0";

/// How long one Graph call may take before it counts as lost.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// Which Meta host a call goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Host {
    /// `graph.facebook.com`: the Graph API for Facebook Login tokens.
    Graph,
    /// `www.facebook.com`: the login dialog.
    FacebookWww,
    /// `rupload.facebook.com`: resumable uploads.
    Rupload,
    /// `www.instagram.com`: the Instagram Login authorize page.
    IgWww,
    /// `api.instagram.com`: the Instagram Login code exchange.
    IgApi,
    /// `graph.instagram.com`: the Graph API for Instagram Login tokens.
    IgGraph,
}

/// The Graph client's settings.
#[derive(Debug, Clone)]
pub struct GraphConfig {
    /// The API version put in every versioned path, such as `v26.0`.
    pub version: String,
    pub graph_base: Url,
    pub facebook_www_base: Url,
    pub rupload_base: Url,
    pub ig_www_base: Url,
    pub ig_api_base: Url,
    pub ig_graph_base: Url,
    /// The whole-call timeout; connecting has a shorter one of its own.
    pub timeout: Duration,
    pub app_id: String,
    pub app_secret: Secret,
}

/// A base URL that does not parse.
#[derive(Debug, thiserror::Error)]
#[error("{field}: `{value}` is not a valid base URL ({source})")]
pub struct BadBaseUrl {
    pub field: &'static str,
    pub value: String,
    #[source]
    pub source: url::ParseError,
}

fn parse_base(field: &'static str, value: &str) -> Result<Url, BadBaseUrl> {
    let trimmed = value.trim_end_matches('/');
    Url::parse(trimmed).map_err(|source| BadBaseUrl {
        field,
        value: value.to_owned(),
        source,
    })
}

impl GraphConfig {
    /// Meta's real hosts with the default version. No test may call them.
    pub fn meta(app_id: impl Into<String>, app_secret: Secret) -> Self {
        let url = |text: &str| Url::parse(text).unwrap_or_else(|_| unreachable!("constant URL"));
        Self {
            version: DEFAULT_API_VERSION.to_owned(),
            graph_base: url("https://graph.facebook.com"),
            facebook_www_base: url("https://www.facebook.com"),
            rupload_base: url("https://rupload.facebook.com"),
            ig_www_base: url("https://www.instagram.com"),
            ig_api_base: url("https://api.instagram.com"),
            ig_graph_base: url("https://graph.instagram.com"),
            timeout: DEFAULT_TIMEOUT,
            app_id: app_id.into(),
            app_secret,
        }
    }

    /// Every host under one sandbox base URL: `{base}/graph`, `{base}/www`,
    /// `{base}/rupload`, `{base}/ig-www`, `{base}/ig-api`, `{base}/ig-graph`.
    pub fn for_sandbox(base: &str) -> Result<Self, BadBaseUrl> {
        let base = base.trim_end_matches('/');
        let host = |field, suffix: &str| parse_base(field, &format!("{base}/{suffix}"));
        Ok(Self {
            version: DEFAULT_API_VERSION.to_owned(),
            graph_base: host("graph_base", "graph")?,
            facebook_www_base: host("facebook_www_base", "www")?,
            rupload_base: host("rupload_base", "rupload")?,
            ig_www_base: host("ig_www_base", "ig-www")?,
            ig_api_base: host("ig_api_base", "ig-api")?,
            ig_graph_base: host("ig_graph_base", "ig-graph")?,
            timeout: DEFAULT_TIMEOUT,
            app_id: "herald-sandbox-app".to_owned(),
            app_secret: Secret::new("herald-sandbox-secret"),
        })
    }

    pub fn with_version(mut self, version: impl Into<String>) -> Self {
        self.version = version.into();
        self
    }

    pub fn with_app(mut self, app_id: impl Into<String>, app_secret: Secret) -> Self {
        self.app_id = app_id.into();
        self.app_secret = app_secret;
        self
    }

    pub fn base(&self, host: Host) -> &Url {
        match host {
            Host::Graph => &self.graph_base,
            Host::FacebookWww => &self.facebook_www_base,
            Host::Rupload => &self.rupload_base,
            Host::IgWww => &self.ig_www_base,
            Host::IgApi => &self.ig_api_base,
            Host::IgGraph => &self.ig_graph_base,
        }
    }

    /// `{base}/{version}/{path}` on `host`: every Graph API path carries the version.
    pub fn versioned(&self, host: Host, path: &str) -> Url {
        self.join(
            host,
            &format!("{}/{}", self.version, path.trim_start_matches('/')),
        )
    }

    /// `{base}/{path}` on `host`, for the few unversioned endpoints (Instagram Login,
    /// uploads).
    pub fn unversioned(&self, host: Host, path: &str) -> Url {
        self.join(host, path.trim_start_matches('/'))
    }

    fn join(&self, host: Host, path: &str) -> Url {
        let mut url = self.base(host).clone();
        let base_path = url.path().trim_end_matches('/').to_owned();
        url.set_path(&format!("{base_path}/{path}"));
        url
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sandbox_hosts_live_under_their_prefixes() {
        let config = GraphConfig::for_sandbox("http://127.0.0.1:9000/").unwrap();
        assert_eq!(
            config.versioned(Host::Graph, "/123/media").as_str(),
            "http://127.0.0.1:9000/graph/v26.0/123/media"
        );
        assert_eq!(
            config
                .unversioned(Host::IgApi, "oauth/access_token")
                .as_str(),
            "http://127.0.0.1:9000/ig-api/oauth/access_token"
        );
        assert_eq!(
            config.versioned(Host::IgGraph, "me").as_str(),
            "http://127.0.0.1:9000/ig-graph/v26.0/me"
        );
    }

    #[test]
    fn the_version_is_a_setting() {
        let config = GraphConfig::for_sandbox("http://127.0.0.1:9000")
            .unwrap()
            .with_version("v25.0");
        assert_eq!(
            config.versioned(Host::Graph, "me").as_str(),
            "http://127.0.0.1:9000/graph/v25.0/me"
        );
    }

    #[test]
    fn a_bad_base_names_the_setting() {
        let err = GraphConfig::for_sandbox("not a url").unwrap_err();
        assert!(err.to_string().starts_with("graph_base:"), "{err}");
    }
}
