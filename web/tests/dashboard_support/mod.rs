//! Starts the dashboard, the connect flow and the Meta sandbox in-process on 127.0.0.1:0
//! with a real SQLite store in a temp dir (or PostgreSQL when `HERALD_TEST_POSTGRES_URL`
//! is set and asked for), and gives tests a cookie-keeping HTTP client that does not follow
//! redirects, so every 303 can be checked.

#![allow(dead_code)]

use std::collections::HashMap;
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use herald_facebook::{FacebookConfig, FacebookPublisher};
use herald_graph::{GraphClient, GraphConfig};
use herald_instagram::{InstagramConfig, InstagramPublisher};
use herald_platform::clock::{OffsetClock, SharedClock};
use herald_platform::domain::Network;
use herald_platform::media::{MediaStorage, MediaUrlSigner};
use herald_platform::publish::Limits;
use herald_platform::publish::Publisher;
use herald_platform::secret::Secret;
use herald_platform::store::Store;
use herald_platform::vault::Keyring;
use herald_sandbox::{Sandbox, SandboxConfig};
use herald_web::cli::{CommonArgs, ServeArgs};
use herald_web::config::Settings;
use herald_web::outbound::{AddressPolicy, OutboundClient};
use herald_web::server::AppState;
use herald_web::services::Services;
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use reqwest::redirect::Policy;
use reqwest::{Response, StatusCode};

/// A running app.
pub struct TestApp {
    pub base: String,
    pub services: Arc<Services>,
    pub clock: OffsetClock,
    pub dir: tempfile::TempDir,
}

/// The database URL: SQLite in `dir`, or a fresh PostgreSQL database (`None` when
/// `HERALD_TEST_POSTGRES_URL` is not set).
pub fn database_url(dir: &std::path::Path, postgres: bool) -> Option<String> {
    if !postgres {
        return Some(format!("sqlite://{}", dir.join("herald.db").display()));
    }
    let base = std::env::var("HERALD_TEST_POSTGRES_URL").ok()?;
    let (prefix, _) = base.rsplit_once('/')?;
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let name = format!("herald_dash_{}_{nanos}", std::process::id());
    let status = std::process::Command::new("psql")
        .arg(&base)
        .arg("-qc")
        .arg(format!("CREATE DATABASE {name}"))
        .status()
        .ok()?;
    status.success().then(|| format!("{prefix}/{name}"))
}

pub async fn spawn() -> TestApp {
    spawn_on(false).await.expect("SQLite always works")
}

/// Starts the app; `None` when PostgreSQL was asked for but is not configured.
pub async fn spawn_on(postgres: bool) -> Option<TestApp> {
    let dir = tempfile::tempdir().unwrap();
    let url = database_url(dir.path(), postgres)?;
    let store = Store::open(&url).unwrap();
    store.migrate().unwrap();

    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let base = format!("http://{addr}");

    let clock = OffsetClock::default();
    let shared: SharedClock = Arc::new(clock.clone());
    let common = CommonArgs {
        data_dir: Some(dir.path().to_path_buf()),
        ..CommonArgs::default()
    };
    let serve = ServeArgs {
        listen: Some(addr),
        public_url: Some(base.clone()),
        ..ServeArgs::default()
    };
    let settings = Settings::load(&common, &serve).unwrap();

    let sandbox = Sandbox::new(SandboxConfig {
        public_base_url: format!("{base}/sandbox"),
        ..SandboxConfig::default()
    });
    let graph_config = GraphConfig::for_sandbox(&format!("{base}/sandbox"))
        .unwrap()
        .with_app(
            sandbox.config().app_id.clone(),
            Secret::new(sandbox.config().app_secret.clone()),
        );
    let graph_client = GraphClient::new(graph_config).unwrap();
    let mut publishers: HashMap<Network, Arc<dyn Publisher>> = HashMap::new();
    publishers.insert(
        Network::Facebook,
        Arc::new(FacebookPublisher::new(
            graph_client.clone(),
            FacebookConfig::default(),
        )),
    );
    publishers.insert(
        Network::Instagram,
        Arc::new(InstagramPublisher::new(
            graph_client.clone(),
            InstagramConfig::default(),
        )),
    );

    let services = Arc::new(Services {
        store,
        keyring: Arc::new(Keyring::generate()),
        clock: shared,
        public_url: base.clone(),
        publishers: Arc::new(publishers),
        limits: Limits::default(),
        media_storage: MediaStorage::new(dir.path()),
        media_signer: MediaUrlSigner::new(Secret::new("media-key")),
        max_media_bytes: 10 * 1024 * 1024,
        outbound: OutboundClient::new(
            AddressPolicy::allow_loopback(),
            std::time::Duration::from_secs(5),
        )
        .unwrap(),
        wake_engine: herald_web::services::no_wake(),
        wake_dispatcher: herald_web::services::no_wake(),
    });
    let state = AppState {
        settings: Arc::new(settings),
        services: Some(services.clone()),
        meta_inbound: None,
    };

    let graph = actix_web::web::Data::new(graph_client);

    let data = actix_web::web::Data::new(state);
    let server = actix_web::HttpServer::new(move || {
        let sandbox = sandbox.clone();
        actix_web::App::new()
            .app_data(data.clone())
            .app_data(graph.clone())
            .configure(herald_web::auth::configure)
            .configure(herald_web::dashboard::configure)
            .configure(herald_web::oauth::configure)
            .service(actix_web::web::scope("/sandbox").configure(move |c| sandbox.configure(c)))
    })
    .workers(2)
    .listen(listener)
    .unwrap()
    .run();
    actix_rt::spawn(server);

    Some(TestApp {
        base,
        services,
        clock,
        dir,
    })
}

/// A browser-like client: keeps cookies, never follows redirects.
#[derive(Clone)]
pub struct Browser {
    pub base: String,
    http: reqwest::Client,
    cookies: Arc<Mutex<HashMap<String, String>>>,
    /// Every `Set-Cookie` header seen, raw, for checking attributes.
    pub set_cookies: Arc<Mutex<Vec<String>>>,
}

/// A fetched page.
pub struct Page {
    pub status: StatusCode,
    pub location: Option<String>,
    pub body: String,
}

impl Page {
    /// The value of the first `<input name="NAME" value="...">` in the page.
    pub fn input(&self, name: &str) -> Option<String> {
        input_value(&self.body, name)
    }
}

/// The value of the first input named `name` in `html`.
pub fn input_value(html: &str, name: &str) -> Option<String> {
    let marker = format!("name=\"{name}\"");
    let at = html.find(&marker)?;
    let tag_start = html[..at].rfind('<')?;
    let tag_end = at + html[at..].find('>')?;
    let tag = &html[tag_start..tag_end];
    let value_at = tag.find("value=\"")? + "value=\"".len();
    let value_end = value_at + tag[value_at..].find('"')?;
    Some(
        tag[value_at..value_end]
            .replace("&amp;", "&")
            .replace("&#x2f;", "/"),
    )
}

impl Browser {
    pub fn new(app: &TestApp) -> Self {
        Self {
            base: app.base.clone(),
            http: reqwest::Client::builder()
                .redirect(Policy::none())
                .build()
                .unwrap(),
            cookies: Arc::default(),
            set_cookies: Arc::default(),
        }
    }

    fn url(&self, path: &str) -> String {
        if path.starts_with("http") {
            path.to_owned()
        } else {
            format!("{}{path}", self.base)
        }
    }

    fn cookie_header(&self) -> String {
        let cookies = self.cookies.lock().unwrap();
        cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    async fn read(&self, response: Response) -> Page {
        for raw in response.headers().get_all(SET_COOKIE) {
            let raw = raw.to_str().unwrap().to_owned();
            let pair = raw.split(';').next().unwrap_or_default();
            if let Some((name, value)) = pair.split_once('=') {
                let mut cookies = self.cookies.lock().unwrap();
                if value.is_empty() {
                    cookies.remove(name);
                } else {
                    cookies.insert(name.to_owned(), value.to_owned());
                }
            }
            self.set_cookies.lock().unwrap().push(raw);
        }
        let status = response.status();
        let location = response
            .headers()
            .get(LOCATION)
            .map(|l| l.to_str().unwrap().to_owned());
        let body = response.text().await.unwrap();
        Page {
            status,
            location,
            body,
        }
    }

    pub async fn get(&self, path: &str) -> Page {
        let response = self
            .http
            .get(self.url(path))
            .header(COOKIE, self.cookie_header())
            .send()
            .await
            .unwrap();
        self.read(response).await
    }

    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> Page {
        let response = self
            .http
            .post(self.url(path))
            .header(COOKIE, self.cookie_header())
            .form(form)
            .send()
            .await
            .unwrap();
        self.read(response).await
    }

    /// Posts a multipart form.
    pub async fn post_multipart(&self, path: &str, form: reqwest::multipart::Form) -> Page {
        let response = self
            .http
            .post(self.url(path))
            .header(COOKIE, self.cookie_header())
            .multipart(form)
            .send()
            .await
            .unwrap();
        self.read(response).await
    }

    /// Posts a form with the CSRF token of the page at `form_page`.
    pub async fn submit(&self, form_page: &str, action: &str, fields: &[(&str, &str)]) -> Page {
        let page = self.get(form_page).await;
        let csrf = page.input("csrf").expect("the form page has a CSRF token");
        let mut all = vec![("csrf", csrf.as_str())];
        all.extend_from_slice(fields);
        self.post(action, &all).await
    }

    pub fn cookie(&self, name: &str) -> Option<String> {
        self.cookies.lock().unwrap().get(name).cloned()
    }

    pub fn set_cookie(&self, name: &str, value: &str) {
        self.cookies
            .lock()
            .unwrap()
            .insert(name.to_owned(), value.to_owned());
    }

    pub fn forget_cookies(&self) {
        self.cookies.lock().unwrap().clear();
    }

    /// Signs up a new agency and returns with its session.
    pub async fn sign_up(&self, agency: &str, email: &str, password: &str) -> Page {
        let page = self
            .submit(
                "/signup",
                "/signup",
                &[
                    ("agency_name", agency),
                    ("email", email),
                    ("password", password),
                    ("time_zone", "Europe/Paris"),
                ],
            )
            .await;
        assert_eq!(
            page.status,
            StatusCode::SEE_OTHER,
            "sign-up failed: {}",
            page.body
        );
        page
    }

    /// Creates a tenant and returns its id (`ten_…`).
    pub async fn create_tenant(&self, name: &str) -> String {
        let page = self.submit("/tenants", "/tenants", &[("name", name)]).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
        let location = page.location.unwrap();
        location.trim_start_matches("/tenants/").to_owned()
    }
}

/// Creates a sandbox user with a Page linked to an IG account and a Page without one.
pub async fn sandbox_user(app: &TestApp) {
    let response = reqwest::Client::new()
        .post(format!("{}/sandbox/_sandbox/users", app.base))
        .json(&serde_json::json!({
            "name": "Client Person",
            "pages": [{"name": "Bakery", "instagram": true}, {"name": "Bookshop", "instagram": false}]
        }))
        .send()
        .await
        .unwrap();
    assert!(
        response.status().is_success(),
        "{}",
        response.text().await.unwrap()
    );
}

/// The connect link shown on a tenant page right after creating one.
pub fn shown_link(page: &Page) -> Option<String> {
    let at = page.body.find("/connect/")?;
    let start = page.body[..at].rfind('"')? + 1;
    let end = at + page.body[at..].find('"')?;
    Some(page.body[start..end].to_owned())
}

/// Makes a connect link for `tenant` as `agency`.
pub async fn connect_link(agency: &Browser, tenant: &str) -> String {
    let page = agency
        .submit(
            &format!("/tenants/{tenant}"),
            &format!("/tenants/{tenant}/connect-links"),
            &[],
        )
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    shown_link(&page).expect("the link is shown once")
}

/// Runs the whole connect flow for `tenant` in a fresh client browser, ticking everything
/// in the sandbox dialog; returns the result page.
pub async fn connect_everything(app: &TestApp, agency: &Browser, tenant: &str) -> Page {
    sandbox_user(app).await;
    let link = connect_link(agency, tenant).await;
    let client = Browser::new(app);
    let page = client.get(&link).await;
    let (token, csrf) = (page.input("link").unwrap(), page.input("csrf").unwrap());
    let started = client
        .post(
            "/oauth/facebook/start",
            &[("csrf", &csrf), ("link", &token)],
        )
        .await;
    let dialog_url = started.location.expect("a redirect to the dialog");
    let dialog = client.get(&dialog_url).await;
    let action = dialog_url.split('?').next().unwrap().to_owned() + "/decide";
    let mut fields: Vec<(String, String)> = [
        "client_id",
        "redirect_uri",
        "state",
        "scope",
        "code_challenge",
        "code_challenge_method",
        "user_id",
    ]
    .iter()
    .filter_map(|n| dialog.input(n).map(|v| (n.to_string(), v)))
    .collect();
    for kind in ["page", "ig"] {
        let marker = format!("name=\"{kind}\" value=\"");
        let mut rest = dialog.body.as_str();
        while let Some(at) = rest.find(&marker) {
            rest = &rest[at + marker.len()..];
            fields.push((kind.to_owned(), rest[..rest.find('"').unwrap()].to_owned()));
        }
    }
    fields.push(("decision".into(), "continue".into()));
    let refs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let callback = client
        .post(&action, &refs)
        .await
        .location
        .expect("a redirect back");
    client.get(&callback).await
}
