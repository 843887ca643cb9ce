//! Shared by the engine tests: a real SQLite (or PostgreSQL) store with an agency, tenants
//! and accounts, and `FakeMeta`, a `Publisher` test double that keeps a ledger of what it
//! "published", records every call, and fails or hangs on demand.

#![allow(dead_code)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use herald_platform::clock::{SharedClock, SystemClock};
use herald_platform::domain::{Network, PostKind, PostOptions, PostSpec, PostState};
use herald_platform::engine::{Engine, EngineDeps, EngineHandle, EngineLimits, StoredSpec};
use herald_platform::ids::{AccountId, AgencyId, NodeId, PostId, TenantId};
use herald_platform::metrics::Metrics;
use herald_platform::publish::{
    Checkpoint, Limits, Phase, PublishError, PublishTarget, Publisher, Reconciled, StepContext,
    StepOutcome, Verdict, Violation,
};
use herald_platform::secret::Secret;
use herald_platform::store::accounts::{self, NewAccount};
use herald_platform::store::connections::{self, LoginKind, NewConnection};
use herald_platform::store::posts::{self, NewPost, Post};
use herald_platform::store::{agencies, tenants, Store, StoreOptions};
use herald_platform::vault::Keyring;
use serde::{Deserialize, Serialize};

/// A migrated store for one test: SQLite in a temp folder, or a fresh PostgreSQL database
/// (dropped at the end) under `HERALD_TEST_POSTGRES_URL`.
pub struct TestDb {
    pub store: Store,
    _dir: Option<tempfile::TempDir>,
    pg: Option<(String, String)>,
}

impl TestDb {
    pub fn sqlite() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}", dir.path().join("herald.db").display());
        let store = Self::open(&url);
        Self {
            store,
            _dir: Some(dir),
            pg: None,
        }
    }

    /// `None` when `HERALD_TEST_POSTGRES_URL` is not set.
    pub fn postgres() -> Option<Self> {
        let base = postgres_url()?;
        let (prefix, _) = base.rsplit_once('/')?;
        let name = format!("herald_engine_{}", PostId::new().uuid().simple());
        psql(&base, &format!("CREATE DATABASE {name}"));
        let store = Self::open(&format!("{prefix}/{name}"));
        Some(Self {
            store,
            _dir: None,
            pg: Some((base, name)),
        })
    }

    fn open(url: &str) -> Store {
        let options = StoreOptions {
            max_connections: 8,
            ..StoreOptions::default()
        };
        let store = Store::open_with(url, options).expect("open store");
        store.migrate().expect("migrate");
        store
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((base, name)) = &self.pg {
            psql(
                base,
                &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
            );
        }
    }
}

fn psql(url: &str, command: &str) {
    let status = std::process::Command::new("psql")
        .args([url, "-q", "-c", command])
        .status()
        .expect("psql runs");
    assert!(status.success(), "psql failed: {command}");
}

/// Runs an `async fn(Store)` scenario as two tests: on SQLite, and on PostgreSQL when
/// `HERALD_TEST_POSTGRES_URL` is set (otherwise it says it was skipped, and passes).
macro_rules! on_every_backend {
    ($scenario:ident) => {
        mod $scenario {
            #[actix_rt::test]
            async fn sqlite() {
                let db = crate::engine_support::TestDb::sqlite();
                super::$scenario(db.store.clone()).await;
            }

            #[actix_rt::test]
            async fn postgres() {
                match crate::engine_support::TestDb::postgres() {
                    Some(db) => super::$scenario(db.store.clone()).await,
                    None => {
                        println!("PostgreSQL suite skipped (HERALD_TEST_POSTGRES_URL is not set)")
                    }
                }
            }
        }
    };
}

pub struct World {
    pub store: Store,
    pub keyring: Keyring,
    pub agency: AgencyId,
}

impl World {
    pub fn new(store: Store) -> Self {
        let keyring = Keyring::generate();
        let mut conn = store.conn().expect("conn");
        let agency = agencies::create(&mut conn, "Agency", "UTC", Utc::now())
            .expect("agency")
            .id;
        Self {
            store,
            keyring,
            agency,
        }
    }

    /// A tenant with one connected Facebook Page.
    pub fn tenant_with_page(&self, name: &str) -> (TenantId, AccountId) {
        let mut conn = self.store.conn().expect("conn");
        let now = Utc::now();
        let tenant = tenants::create(&mut conn, self.agency, name, now)
            .expect("tenant")
            .id;
        let new_connection = NewConnection {
            login_kind: LoginKind::Facebook,
            meta_user_id: format!("user-{name}"),
            user_token: Secret::new("EAAB-user-token"),
            expires_at: None,
            scopes: vec!["pages_manage_posts".into()],
        };
        let connection =
            connections::upsert(&mut conn, &self.keyring, tenant, &new_connection, now)
                .expect("connection");
        let new_account = NewAccount {
            connection_id: connection.id,
            network: Network::Facebook,
            external_id: format!("page-{name}"),
            name: format!("{name} Page"),
            username: None,
            linked_page_id: None,
            page_token: Some(Secret::new("EAAB-page-token")),
        };
        let account = accounts::upsert(&mut conn, &self.keyring, tenant, &new_account, now)
            .expect("account")
            .id;
        (tenant, account)
    }

    pub fn feed_post(
        &self,
        tenant: TenantId,
        account: AccountId,
        caption: &str,
        at: DateTime<Utc>,
    ) -> PostId {
        let mut conn = self.store.conn().expect("conn");
        posts::create(
            &mut conn,
            tenant,
            &new_feed_post(account, caption, at),
            "Scheduled for publishing by the test.",
            None,
            Utc::now(),
        )
        .expect("post")
        .id
    }

    pub fn post(&self, tenant: TenantId, post: PostId) -> Post {
        let mut conn = self.store.conn().expect("conn");
        posts::get(&mut conn, tenant, post).expect("post")
    }

    pub fn deps(&self, publisher: Arc<dyn Publisher>, limits: EngineLimits) -> EngineDeps {
        let clock: SharedClock = Arc::new(SystemClock);
        EngineDeps {
            store: self.store.clone(),
            keyring: self.keyring.clone(),
            publishers: HashMap::from([(Network::Facebook, publisher)]),
            clock,
            node_id: NodeId::new(),
            metrics: Metrics::new("test", "test"),
            limits,
            spec_builder: Arc::new(StoredSpec),
            token_checker: None,
        }
    }

    pub async fn start(&self, publisher: Arc<dyn Publisher>) -> EngineHandle {
        Engine::start(self.deps(publisher, EngineLimits::default()))
            .await
            .expect("engine starts")
    }

    /// Waits until `post` is in `state`, running due work now while waiting.
    pub async fn wait_for(
        &self,
        engine: &EngineHandle,
        tenant: TenantId,
        post: PostId,
        state: PostState,
    ) -> Post {
        self.wait_until(engine, tenant, post, |p| p.state == state)
            .await
    }

    /// Waits until `post` meets `done`, running due work now while waiting.
    pub async fn wait_until(
        &self,
        engine: &EngineHandle,
        tenant: TenantId,
        post: PostId,
        done: impl Fn(&Post) -> bool,
    ) -> Post {
        let started = Instant::now();
        loop {
            let current = self.post(tenant, post);
            if done(&current) {
                return current;
            }
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "post stuck in {}: {current:?}",
                current.state
            );
            engine.run_due_now().await;
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

pub fn new_feed_post(account: AccountId, caption: &str, at: DateTime<Utc>) -> NewPost {
    let spec = PostSpec {
        kind: PostKind::FbFeed,
        caption: caption.to_owned(),
        media: vec![],
        options: PostOptions::default(),
        cover: None,
    };
    NewPost {
        account_id: account,
        kind: PostKind::FbFeed,
        caption: caption.to_owned(),
        spec: serde_json::to_value(spec).expect("spec"),
        publish_at: at,
        state: PostState::Scheduled,
        idempotency_key: None,
    }
}

/// What FakeMeta's checkpoint holds.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
struct FakeCheckpoint {
    container: Option<String>,
    publish_sent_at: Option<DateTime<Utc>>,
}

/// Meta's side, shared by every FakeMeta of a test (it survives an engine "crash").
#[derive(Debug, Default)]
pub struct Ledger {
    /// caption → external id, one entry per publish Meta applied.
    pub published: Mutex<Vec<(String, String)>>,
}

impl Ledger {
    pub fn count(&self, caption: &str) -> usize {
        self.published
            .lock()
            .expect("ledger")
            .iter()
            .filter(|(c, _)| c == caption)
            .count()
    }

    pub fn total(&self) -> usize {
        self.published.lock().expect("ledger").len()
    }

    fn find(&self, caption: &str) -> Option<String> {
        self.published
            .lock()
            .expect("ledger")
            .iter()
            .find(|(c, _)| c == caption)
            .map(|(_, id)| id.clone())
    }
}

/// A `Publisher` test double: a container step, then a publish step that saves
/// `publish_sent_at` before "sending".
pub struct FakeMeta {
    pub ledger: Arc<Ledger>,
    pub calls: Mutex<Vec<String>>,
    /// Returned (once) by the next `step`.
    pub fail_next: Mutex<Option<PublishError>>,
    /// After applying a publish, never answer (a crash or a lost response).
    pub hang_after_send: bool,
    /// The next `step` panics (once).
    pub panic_next: std::sync::atomic::AtomicBool,
}

impl FakeMeta {
    pub fn new(ledger: Arc<Ledger>) -> Self {
        Self {
            ledger,
            calls: Mutex::new(Vec::new()),
            fail_next: Mutex::new(None),
            hang_after_send: false,
            panic_next: std::sync::atomic::AtomicBool::new(false),
        }
    }

    pub fn calls(&self) -> Vec<String> {
        self.calls.lock().expect("calls").clone()
    }

    fn record(&self, call: String) {
        self.calls.lock().expect("calls").push(call);
    }
}

#[async_trait]
impl Publisher for FakeMeta {
    fn network(&self) -> Network {
        Network::Facebook
    }

    fn validate(&self, _spec: &PostSpec, _limits: &Limits) -> Result<(), Vec<Violation>> {
        Ok(())
    }

    async fn step(
        &self,
        ctx: &dyn StepContext,
        target: &PublishTarget,
        spec: &PostSpec,
        checkpoint: &mut Checkpoint,
    ) -> Result<StepOutcome, PublishError> {
        self.record(format!("step:{}", spec.caption));
        if self
            .panic_next
            .swap(false, std::sync::atomic::Ordering::SeqCst)
        {
            panic!("FakeMeta was told to panic");
        }
        if let Some(err) = self.fail_next.lock().expect("fail").take() {
            return Err(err);
        }
        ctx.before_call(&target.external_id, "feed").await?;
        let mut state: FakeCheckpoint = checkpoint.read().unwrap_or_default();
        if state.container.is_none() {
            state.container = Some(format!("container-{}", spec.caption));
            *checkpoint = Checkpoint::write(&state);
            ctx.save(checkpoint).await?;
            return Ok(StepOutcome::Continue {
                phase: Phase::Publishing,
                detail: "Prepared the post at Meta.".into(),
            });
        }

        state.publish_sent_at = Some(ctx.now());
        *checkpoint = Checkpoint::write(&state);
        ctx.save(checkpoint).await?;
        let external_id = format!("{}_{}", target.external_id, self.ledger.total() + 1);
        self.ledger
            .published
            .lock()
            .expect("ledger")
            .push((spec.caption.clone(), external_id.clone()));
        if self.hang_after_send {
            std::future::pending::<()>().await;
        }
        Ok(StepOutcome::Published {
            external_id,
            permalink: None,
        })
    }

    async fn reconcile(
        &self,
        _ctx: &dyn StepContext,
        _target: &PublishTarget,
        spec: &PostSpec,
        checkpoint: &Checkpoint,
    ) -> Result<Reconciled, PublishError> {
        self.record(format!("reconcile:{}", spec.caption));
        match self.ledger.find(&spec.caption) {
            Some(external_id) => Ok(Reconciled::Published {
                external_id,
                permalink: None,
            }),
            None => {
                let mut state: FakeCheckpoint = checkpoint.read().unwrap_or_default();
                state.publish_sent_at = None;
                Ok(Reconciled::NotPublished {
                    checkpoint: Checkpoint::write(&state),
                })
            }
        }
    }

    async fn permalink(
        &self,
        _ctx: &dyn StepContext,
        _target: &PublishTarget,
        external_id: &str,
    ) -> Result<Option<String>, PublishError> {
        Ok(Some(format!("https://facebook.test/{external_id}")))
    }
}

pub fn reauth_error() -> PublishError {
    PublishError::new(Verdict::NeedsReauth, "The Page token is no longer valid")
}

/// The PostgreSQL base URL, when the suite should also run there.
pub fn postgres_url() -> Option<String> {
    std::env::var("HERALD_TEST_POSTGRES_URL")
        .ok()
        .filter(|v| !v.is_empty())
}
