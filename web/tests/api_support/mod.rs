//! Starts Herald's API in-process on 127.0.0.1:0 with a real SQLite store in a temp dir
//! (or PostgreSQL when `HERALD_TEST_POSTGRES_URL` is set and asked for), and gives tests
//! an HTTP client, API keys and fixtures.

#![allow(dead_code)]

use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;
use herald_platform::clock::{OffsetClock, SharedClock};
use herald_platform::domain::{MediaType, Network, PostKind, PostSpec};
use herald_platform::ids::{AccountId, AgencyId, TenantId};
use herald_platform::media::{MediaStorage, MediaUrlSigner};
use herald_platform::publish::{
    Checkpoint, Limits, PublishError, PublishTarget, Publisher, Reconciled, StepContext,
    StepOutcome, Verdict, Violation,
};
use herald_platform::secret::Secret;
use herald_platform::store::{accounts, connections, tenants_api, Store};
use herald_platform::vault::Keyring;
use herald_web::cli::{CommonArgs, ServeArgs};
use herald_web::config::Settings;
use herald_web::meta_webhooks::MetaInbound;
use herald_web::outbound::{AddressPolicy, OutboundClient};
use herald_web::server::AppState;
use herald_web::services::{api_keys, Services};

pub const META_APP_SECRET: &str = "test-app-secret";
pub const META_VERIFY_TOKEN: &str = "test-verify-token";

/// A running app.
pub struct TestApp {
    pub base: String,
    pub http: reqwest::Client,
    pub services: Arc<Services>,
    pub clock: OffsetClock,
    pub dir: tempfile::TempDir,
}

/// A checker standing in for the network adapters' `validate` (the adapters are built
/// elsewhere): enough rules for the API's error paths to be real.
pub struct RulePublisher(pub Network);

#[async_trait]
impl Publisher for RulePublisher {
    fn network(&self) -> Network {
        self.0
    }

    fn validate(&self, spec: &PostSpec, limits: &Limits) -> Result<(), Vec<Violation>> {
        let mut violations = Vec::new();
        if spec.caption.chars().count() > limits.caption_max_chars {
            violations.push(Violation::new("caption", "…", "at most 2,200 characters"));
        }
        let images = |n: usize| {
            spec.media.len() == n
                && spec
                    .media
                    .iter()
                    .all(|m| m.facts.media_type == MediaType::Image)
        };
        match spec.kind {
            PostKind::IgImage if !images(1) => violations.push(Violation::new(
                "media",
                spec.media.len().to_string(),
                "exactly one image",
            )),
            PostKind::FbFeed if spec.caption.is_empty() && spec.options.link.is_none() => {
                violations.push(Violation::new(
                    "caption",
                    "",
                    "a text post needs a caption or a link",
                ))
            }
            _ => {}
        }
        if violations.is_empty() {
            Ok(())
        } else {
            Err(violations)
        }
    }

    async fn step(
        &self,
        _: &dyn StepContext,
        _: &PublishTarget,
        _: &PostSpec,
        _: &mut Checkpoint,
    ) -> Result<StepOutcome, PublishError> {
        Err(PublishError::new(
            Verdict::RetryLater,
            "not used by the API tests",
        ))
    }

    async fn reconcile(
        &self,
        _: &dyn StepContext,
        _: &PublishTarget,
        _: &PostSpec,
        _: &Checkpoint,
    ) -> Result<Reconciled, PublishError> {
        Err(PublishError::new(
            Verdict::RetryLater,
            "not used by the API tests",
        ))
    }

    async fn permalink(
        &self,
        _: &dyn StepContext,
        _: &PublishTarget,
        _: &str,
    ) -> Result<Option<String>, PublishError> {
        Ok(None)
    }
}

/// The database URL for a test: SQLite in `dir`, or a fresh PostgreSQL database made
/// with `psql` under `HERALD_TEST_POSTGRES_URL` (`None` when that is not set).
pub fn database_url(dir: &std::path::Path, postgres: bool) -> Option<String> {
    if !postgres {
        return Some(format!("sqlite://{}", dir.join("herald.db").display()));
    }
    let base = std::env::var("HERALD_TEST_POSTGRES_URL").ok()?;
    let (prefix, _) = base.rsplit_once('/')?;
    let name = format!("herald_api_{}", uuid::Uuid::new_v4().simple());
    let status = std::process::Command::new("psql")
        .arg(format!("{prefix}/postgres"))
        .arg("-q")
        .arg("-c")
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

    let clock = OffsetClock::default();
    let shared: SharedClock = Arc::new(clock.clone());
    let common = CommonArgs {
        data_dir: Some(dir.path().to_path_buf()),
        ..CommonArgs::default()
    };
    let serve = ServeArgs {
        listen: Some("127.0.0.1:0".parse().unwrap()),
        ..ServeArgs::default()
    };
    let settings = Settings::load(&common, &serve).unwrap();

    let mut publishers: HashMap<Network, Arc<dyn Publisher>> = HashMap::new();
    publishers.insert(
        Network::Facebook,
        Arc::new(RulePublisher(Network::Facebook)),
    );
    publishers.insert(
        Network::Instagram,
        Arc::new(RulePublisher(Network::Instagram)),
    );

    let services = Arc::new(Services {
        store,
        keyring: Arc::new(Keyring::generate()),
        clock: shared,
        public_url: "http://127.0.0.1:9".into(),
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
        meta_inbound: Some(Arc::new(MetaInbound {
            app_secret: Secret::new(META_APP_SECRET),
            verify_token: Secret::new(META_VERIFY_TOKEN),
        })),
    };

    let data = actix_web::web::Data::new(state);
    let server = actix_web::HttpServer::new(move || {
        actix_web::App::new()
            .app_data(data.clone())
            .configure(herald_web::api::configure)
            .configure(herald_web::meta_webhooks::configure)
    })
    .workers(1)
    .bind("127.0.0.1:0")
    .unwrap();
    let addr = server.addrs()[0];
    actix_web::rt::spawn(server.run());

    Some(TestApp {
        base: format!("http://{addr}"),
        http: reqwest::Client::builder().no_proxy().build().unwrap(),
        services,
        clock,
        dir,
    })
}

/// An agency with an agency-wide key, one tenant, a tenant-limited key, and one Facebook
/// and one Instagram account.
pub struct Agency {
    pub id: AgencyId,
    pub key: String,
    pub tenant: TenantId,
    pub tenant_key: String,
    pub fb_account: AccountId,
    pub ig_account: AccountId,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn agency(&self, name: &str) -> Agency {
        let s = self.services.clone();
        let name = name.to_owned();
        actix_web::web::block(move || {
            let now = s.clock.now();
            let mut conn = s.store.conn().unwrap();
            let agency = tenants_api::insert_agency(&mut conn, &name, "UTC", now).unwrap();
            let tenant =
                tenants_api::insert_tenant(&mut conn, agency, &format!("{name} client"), now)
                    .unwrap();
            let connection = connections::upsert(
                &mut conn,
                &s.keyring,
                tenant.id,
                &connections::NewConnection {
                    login_kind: connections::LoginKind::Facebook,
                    meta_user_id: format!("user-{}", uuid::Uuid::new_v4().simple()),
                    user_token: Secret::new("EAAB-user"),
                    expires_at: None,
                    scopes: vec!["pages_manage_posts".into()],
                },
                now,
            )
            .unwrap();
            let mut account = |network: Network, external: String| {
                accounts::upsert(
                    &mut conn,
                    &s.keyring,
                    tenant.id,
                    &accounts::NewAccount {
                        connection_id: connection.id,
                        network,
                        external_id: external,
                        name: "Account".into(),
                        username: None,
                        linked_page_id: None,
                        page_token: Some(Secret::new("EAAB-page")),
                    },
                    now,
                )
                .unwrap()
                .id
            };
            let fb = account(Network::Facebook, format!("{}", rand_digits()));
            let ig = account(Network::Instagram, format!("{}", rand_digits()));
            drop(conn);
            let key = api_keys::create_api_key(&s, agency, None, "test").unwrap();
            let tenant_key =
                api_keys::create_api_key(&s, agency, Some(tenant.id), "tenant").unwrap();
            Agency {
                id: agency,
                key: key.key.expose().to_owned(),
                tenant: tenant.id,
                tenant_key: tenant_key.key.expose().to_owned(),
                fb_account: fb,
                ig_account: ig,
            }
        })
        .await
        .unwrap()
    }

    /// Sends a request with a key, an optional idempotency key and a JSON body.
    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        key: &str,
        idempotency: Option<&str>,
        body: Option<serde_json::Value>,
    ) -> (u16, serde_json::Value) {
        let mut req = self.http.request(method, self.url(path)).bearer_auth(key);
        if let Some(idem) = idempotency {
            req = req.header("Idempotency-Key", idem);
        }
        if let Some(body) = body {
            req = req.json(&body);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap();
        let value = serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text));
        (status, value)
    }
}

fn rand_digits() -> u64 {
    use rand::Rng;
    rand::thread_rng().gen_range(10_000_000_000..99_999_999_999)
}

pub fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/../tests/fixtures/media/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}
