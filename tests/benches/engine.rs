//! Issue 5's engine benchmarks: the real engine with the real Facebook and Instagram
//! publishers against the real sandbox (on 127.0.0.1), each part in a fresh process so one
//! part's memory and threads do not colour the next.
//!
//! 1. `cpu`: Herald's CPU time per published post with a zero-delay sandbox. The sandbox
//!    and the media server run in a child process of their own (this binary again, with
//!    `HERALD_BENCH_PART=serve`), so the figure is Herald's alone; their CPU is printed
//!    beside it.
//! 2. `lateness`: schedule lateness (p50, p99, max) of 10,000 posts due within one minute
//!    across 1,000 tenants.
//! 3. `memory`: resident memory per idle tenant with 100,000 tenants registered.
//!
//! `cargo bench -p herald-tests --bench engine`
//!
//! - `HERALD_BENCH_SCALE=0.1` scales every count down (default 1: the numbers).
//! - `HERALD_BENCH_ONLY=cpu|lateness|memory` runs one part.
//! - `HERALD_BENCH_POSTGRES_URL=postgres://…/postgres` runs on a fresh PostgreSQL database
//!   (created and dropped with `psql`) instead of SQLite in a temp folder.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use herald_facebook::{FacebookConfig, FacebookPublisher};
use herald_instagram::{InstagramConfig, InstagramPublisher};
use herald_platform::clock::{SharedClock, SystemClock};
use herald_platform::domain::{Network, PostKind, PostOptions, PostSpec, PostState, SpecMedia};
use herald_platform::engine::{Engine, EngineDeps, EngineHandle, EngineLimits, StoredSpec};
use herald_platform::ids::{AccountId, AgencyId, MediaId, NodeId, PostId, TenantId};
use herald_platform::metrics::Metrics;
use herald_platform::publish::Publisher;
use herald_platform::secret::Secret;
use herald_platform::store::accounts::{self, NewAccount};
use herald_platform::store::connections::{self, LoginKind, NewConnection};
use herald_platform::store::posts::{self, NewPost};
use herald_platform::store::{
    agencies, gauges, tenants, write_transaction, Store, StoreError, StoreOptions,
};
use herald_platform::vault::Keyring;
use herald_tests::adapter_harness::{Fixture, MediaServer, SandboxHandle, SandboxUser};
use herald_web::wiring::token_checker::GraphTokenChecker;
use serde_json::{json, Value};

const PARTS: [&str; 3] = ["cpu", "lateness", "memory"];
/// The child mode that serves the sandbox and the media fixtures for part 1.
const SERVE: &str = "serve";
/// The first word of the line the `serve` child prints: `serving <sandbox> <image URL>`.
const SERVING: &str = "serving";
/// Rows written per transaction when seeding.
const SEED_BATCH: usize = 2_000;
/// How often the bench looks whether every post has ended.
const POLL_EVERY: Duration = Duration::from_millis(200);

const CPU_AIM_MS: f64 = 0.5;
const LATENESS_AIM_P99_MS: i64 = 1_000;
const MEMORY_AIM_BYTES: f64 = 8.0 * 1024.0;

fn main() -> ExitCode {
    match std::env::var("HERALD_BENCH_PART") {
        Ok(part) => run_part(&part),
        Err(_) => run_all(),
    }
}

/// Runs each part in a child process of this same binary.
fn run_all() -> ExitCode {
    let only = std::env::var("HERALD_BENCH_ONLY").unwrap_or_default();
    let parts: Vec<&str> = PARTS
        .iter()
        .copied()
        .filter(|p| only.is_empty() || only == *p)
        .collect();
    if parts.is_empty() {
        eprintln!("HERALD_BENCH_ONLY must be one of {PARTS:?}, not {only:?}");
        return ExitCode::FAILURE;
    }
    println!(
        "Herald engine benchmarks: scale {}, database {}, {} CPUs",
        scale(),
        if postgres_url().is_some() {
            "PostgreSQL"
        } else {
            "SQLite (temp folder)"
        },
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    let exe = std::env::current_exe().expect("the bench knows its own path");
    let mut ok = true;
    for part in parts {
        let status = Command::new(&exe)
            .env("HERALD_BENCH_PART", part)
            .status()
            .expect("the bench can run itself");
        if !status.success() {
            eprintln!("part {part} did not finish: {status}");
            ok = false;
        }
    }
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn run_part(part: &str) -> ExitCode {
    if part == SERVE {
        return serve();
    }
    let system = actix_rt::System::new();
    system.block_on(async {
        match part {
            "cpu" => cpu_per_post().await,
            "lateness" => schedule_lateness().await,
            "memory" => memory_per_idle_tenant().await,
            other => panic!("unknown part {other:?}"),
        }
    });
    ExitCode::SUCCESS
}

fn scale() -> f64 {
    std::env::var("HERALD_BENCH_SCALE")
        .ok()
        .and_then(|v| v.parse::<f64>().ok())
        .filter(|v| *v > 0.0)
        .unwrap_or(1.0)
}

/// `n` scaled, never below `min`.
fn scaled(n: usize, min: usize) -> usize {
    ((n as f64 * scale()).round() as usize).max(min)
}

fn postgres_url() -> Option<String> {
    std::env::var("HERALD_BENCH_POSTGRES_URL")
        .ok()
        .filter(|v| !v.is_empty())
}

fn verdict(met: bool) -> &'static str {
    if met {
        "MET"
    } else {
        "MISSED"
    }
}

// ---------------------------------------------------------------------------------------
// Part 1: CPU time per published post.

async fn cpu_per_post() {
    let total = scaled(2_000, 20);
    let tenants_n = 10;
    let server = ServerProcess::spawn();
    let sandbox = SandboxHandle::external(&server.sandbox_base).expect("sandbox base URL");
    let bench = Bench::new(sandbox).await;
    let image = SpecMedia {
        id: MediaId::new(),
        url: server.image_url.clone(),
        facts: Fixture::Square1080.facts(),
    };
    let tenants = bench.tenants(tenants_n, true).await;

    // Nothing in Herald waits either: its own call budgets are raised out of the way.
    let mut limits = EngineLimits::default();
    limits.limiter.calls_per_minute = 10_000_000;
    limits.limiter.burst = 10_000_000;
    limits.limiter.ig_quota_default = 10_000_000;
    let engine = bench.start(limits).await;

    // Warm-up: every tenant's actors started, every connection open.
    let warm: Vec<_> = tenants
        .iter()
        .flat_map(|t| {
            [
                (t.id, feed_post(t.page, "warm-up fb", Utc::now())),
                (t.id, image_post(t.ig, "warm-up ig", &image, Utc::now())),
            ]
        })
        .collect();
    bench
        .run_to_end(&engine, warm, Duration::from_secs(120))
        .await;

    println!(
        "\n[1] CPU time per published post (zero-delay sandbox: processing 0 ms, limits raised)"
    );
    let fb = bench
        .cpu_phase(&engine, &server, &tenants, total / 2, |t, i| {
            feed_post(t.page, &format!("fb {i}"), Utc::now())
        })
        .await;
    fb.print("fb_feed  (POST /{page}/feed, permalink read)");
    let ig = bench
        .cpu_phase(&engine, &server, &tenants, total - total / 2, |t, i| {
            image_post(t.ig, &format!("ig {i}"), &image, Utc::now())
        })
        .await;
    ig.print("ig_image (container, status, publish, permalink)");

    let all = CpuRun {
        posts: fb.posts + ig.posts,
        published: fb.published + ig.published,
        cpu: fb.cpu + ig.cpu,
        server_cpu: fb.server_cpu + ig.server_cpu,
        wall: fb.wall + ig.wall,
    };
    all.print("all");
    let per_post = all.ms_per_post();
    println!(
        "    figure: {per_post:.3} ms CPU per published post; aim <= {CPU_AIM_MS} ms: {}",
        verdict(per_post <= CPU_AIM_MS)
    );
    println!(
        "    Herald's process only: engine actors, SQLite, the Graph client ({tenants_n} \
         tenants, each with a Page and an IG account); the sandbox and the media server \
         ran in child process {} and used {:.3} ms CPU per post more",
        server.pid(),
        all.server_ms_per_post()
    );
    engine.shutdown(Duration::from_secs(5)).await;
}

struct CpuRun {
    posts: usize,
    published: usize,
    /// Herald's process.
    cpu: Duration,
    /// The sandbox and media server's process.
    server_cpu: Duration,
    wall: Duration,
}

impl CpuRun {
    fn per_post(&self, cpu: Duration) -> f64 {
        cpu.as_secs_f64() * 1_000.0 / self.published.max(1) as f64
    }

    fn ms_per_post(&self) -> f64 {
        self.per_post(self.cpu)
    }

    fn server_ms_per_post(&self) -> f64 {
        self.per_post(self.server_cpu)
    }

    fn print(&self, label: &str) {
        println!(
            "    {label:<50} {} of {} published in {:.2} s wall, {:.2} s CPU: {:.3} ms CPU/post (sandbox {:.3}), {:.0} posts/s",
            self.published,
            self.posts,
            self.wall.as_secs_f64(),
            self.cpu.as_secs_f64(),
            self.ms_per_post(),
            self.server_ms_per_post(),
            self.published as f64 / self.wall.as_secs_f64().max(1e-9)
        );
    }
}

// ---------------------------------------------------------------------------------------
// The sandbox and the media server in a child process, for part 1.

/// The `serve` child: the sandbox and the media server on 127.0.0.1:0. It prints one
/// `serving <sandbox base URL> <image URL>` line and serves until its stdin closes, which
/// happens when the bench ends, however it ends.
fn serve() -> ExitCode {
    let system = actix_rt::System::new();
    system.block_on(async {
        let sandbox = SandboxHandle::start().await.expect("sandbox starts");
        let media = MediaServer::start().await.expect("media server starts");
        println!(
            "{SERVING} {} {}",
            sandbox.base,
            media.url(Fixture::Square1080)
        );
        std::io::stdout().flush().expect("stdout");
        tokio::task::spawn_blocking(|| {
            let mut sink = Vec::new();
            // EOF or an error alike mean the bench is gone.
            let _ = std::io::stdin().read_to_end(&mut sink);
        })
        .await
        .expect("stdin thread");
    });
    ExitCode::SUCCESS
}

/// The running `serve` child.
struct ServerProcess {
    child: Child,
    sandbox_base: String,
    image_url: String,
}

impl ServerProcess {
    fn spawn() -> Self {
        let exe = std::env::current_exe().expect("the bench knows its own path");
        let mut child = Command::new(exe)
            .env("HERALD_BENCH_PART", SERVE)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("the bench can run its server child");
        let stdout = child.stdout.take().expect("child stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("the server child prints its addresses");
        let mut words = line.split_whitespace();
        let (Some(SERVING), Some(sandbox_base), Some(image_url)) =
            (words.next(), words.next(), words.next())
        else {
            panic!("the server child printed {line:?}, not \"{SERVING} <sandbox> <image>\"");
        };
        Self {
            sandbox_base: sandbox_base.to_owned(),
            image_url: image_url.to_owned(),
            child,
        }
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    fn cpu_time(&self) -> Duration {
        cpu_time_of(&format!("/proc/{}/stat", self.pid()))
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        // Closing stdin ends the child; wait for it so no process outlives the bench.
        drop(self.child.stdin.take());
        let _ = self.child.wait();
    }
}

// ---------------------------------------------------------------------------------------
// Part 2: schedule lateness.

async fn schedule_lateness() {
    let total = scaled(10_000, 100);
    let tenants_n = scaled(1_000, 10);
    let window = Duration::from_secs(60);
    let bench = Bench::new(SandboxHandle::start().await.expect("sandbox starts")).await;
    let tenants = bench.tenants(tenants_n, false).await;
    let engine = bench.start(EngineLimits::default()).await;

    // The minute starts after seeding is surely done, so seeding never makes a post late.
    let lead = Duration::from_secs(10) + Duration::from_millis(total as u64 * 2);
    let start = Utc::now() + chrono::Duration::from_std(lead).expect("lead");
    let step = window.as_secs_f64() / total as f64;
    let mut due = HashMap::new();
    let posts: Vec<_> = (0..total)
        .map(|i| {
            // Spread evenly over the minute; consecutive posts go to different tenants.
            let at = start + chrono::Duration::microseconds((i as f64 * step * 1e6) as i64);
            let tenant = &tenants[i % tenants.len()];
            let caption = format!("late {i}");
            due.insert(caption.clone(), at);
            (tenant.id, feed_post(tenant.page, &caption, at))
        })
        .collect();
    bench.seed(posts).await;
    let seeded_at = Utc::now();
    engine.wake();
    assert!(
        seeded_at < start,
        "seeding ran past the minute's start; raise the lead"
    );

    let ended = bench
        .wait_for_end(Duration::from_secs(60 + 600) + lead)
        .await;
    let ledger = bench.sandbox_ledger().await;
    let mut lateness_ms: Vec<i64> = ledger
        .iter()
        .filter_map(|entry| {
            let caption = entry["caption"].as_str()?;
            let at: DateTime<Utc> = entry["time"].as_str()?.parse().ok()?;
            Some((at - *due.get(caption)?).num_milliseconds())
        })
        .collect();
    lateness_ms.sort_unstable();
    let published = lateness_ms.len();
    let pct = |p: f64| {
        let rank = ((p / 100.0) * published as f64).ceil() as usize;
        lateness_ms[rank.clamp(1, published) - 1]
    };

    println!(
        "\n[2] Schedule lateness: {total} fb_feed posts due evenly within one minute across \
         {tenants_n} tenants (default engine limits)"
    );
    println!(
        "    {published} of {total} published ({} ended); lateness = when the sandbox \
         applied the publish - publish_at",
        ended.ended
    );
    assert!(published > 0, "nothing was published");
    let (p50, p99, max) = (pct(50.0), pct(99.0), lateness_ms[published - 1]);
    println!(
        "    p50 {p50} ms, p99 {p99} ms, max {max} ms, min {} ms",
        lateness_ms[0]
    );
    let met = p99 <= LATENESS_AIM_P99_MS && published == total;
    println!(
        "    figure: p99 {p99} ms; aim p99 <= {LATENESS_AIM_P99_MS} ms: {}",
        verdict(met)
    );
    if published < total {
        println!("    note: {} posts were not published", total - published);
    }
    engine.shutdown(Duration::from_secs(5)).await;
}

// ---------------------------------------------------------------------------------------
// Part 3: resident memory per idle tenant.

async fn memory_per_idle_tenant() {
    let total = scaled(100_000, 1_000);
    let bench = Bench::new(SandboxHandle::start().await.expect("sandbox starts")).await;
    let user = bench.sandbox.user(false, false).await;
    let engine = bench.start(EngineLimits::default()).await;
    engine.run_due_now().await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let before = Rss::read();

    // Bulk registration: each tenant with a Meta connection and a connected Page.
    let started = Instant::now();
    for batch in (0..total).collect::<Vec<_>>().chunks(SEED_BATCH * 5) {
        let (store, keyring, agency, user) = (
            bench.store().clone(),
            bench.keyring.clone(),
            bench.agency,
            user.clone(),
        );
        let batch = batch.to_vec();
        tokio::task::spawn_blocking(move || {
            let mut conn = store.conn().expect("conn");
            write_transaction(&mut conn, |conn| {
                for i in batch {
                    register(conn, &keyring, agency, &user, &format!("idle {i}"))?;
                }
                Ok::<_, StoreError>(())
            })
        })
        .await
        .expect("seeding thread")
        .expect("tenants registered");
    }
    let registered_in = started.elapsed();

    // The engine looks at the store again, as it does on every round.
    engine.wake();
    engine.run_due_now().await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    engine.run_due_now().await;
    let after = Rss::read();
    let live = engine.live_tenants().await;

    let per_tenant = (after.total - before.total) as f64 / total as f64;
    let per_tenant_anon = (after.anon - before.anon) as f64 / total as f64;
    println!("\n[3] Resident memory per idle tenant: {total} tenants registered (each with a connection and a Page), engine running");
    println!(
        "    registered in {:.1} s; RSS {:.1} MiB before, {:.1} MiB after ({:.1} MiB anonymous before, {:.1} MiB after); {live} tenant supervisors alive",
        registered_in.as_secs_f64(),
        mib(before.total),
        mib(after.total),
        mib(before.anon),
        mib(after.anon),
    );
    println!(
        "    figure: {per_tenant:.1} bytes per idle tenant ({per_tenant_anon:.1} anonymous); aim <= {MEMORY_AIM_BYTES} bytes: {}",
        verdict(per_tenant <= MEMORY_AIM_BYTES)
    );
    println!("    includes whatever the registration itself left resident (SQLite page cache, allocator)");
    engine.shutdown(Duration::from_secs(5)).await;
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

// ---------------------------------------------------------------------------------------
// The world: store, sandbox, tenants, engine.

struct Bench {
    db: Db,
    keyring: Keyring,
    agency: AgencyId,
    sandbox: SandboxHandle,
    http: reqwest::Client,
}

struct BenchTenant {
    id: TenantId,
    page: AccountId,
    ig: AccountId,
}

struct Ended {
    ended: usize,
}

impl Bench {
    async fn new(sandbox: SandboxHandle) -> Self {
        let db = Db::open();
        let keyring = Keyring::generate();
        let mut conn = db.store.conn().expect("conn");
        let agency = agencies::create(&mut conn, "Bench agency", "UTC", Utc::now())
            .expect("agency")
            .id;
        drop(conn);

        let big = 1_000_000_000;
        sandbox
            .settings(json!({
                "container_processing_ms": 0,
                "video_processing_ms": 0,
                "permalink_delay_ms": 0,
                "ig_publish_quota": big,
                "ig_container_limit": big,
                "fb_reels_per_day": big,
                "app_calls_per_user_hour": big,
                "page_calls_per_day": big,
                "ig_calls_per_day": big,
            }))
            .await;
        Self {
            db,
            keyring,
            agency,
            sandbox,
            http: reqwest::Client::new(),
        }
    }

    fn store(&self) -> &Store {
        &self.db.store
    }

    /// `n` tenants, each with its own sandbox user and Page (and the Page's IG account).
    async fn tenants(&self, n: usize, instagram: bool) -> Vec<BenchTenant> {
        let mut users = Vec::with_capacity(n);
        for _ in 0..n {
            users.push(self.sandbox.user(instagram, false).await);
        }
        let (store, keyring, agency) = (self.store().clone(), self.keyring.clone(), self.agency);
        tokio::task::spawn_blocking(move || {
            let mut conn = store.conn().expect("conn");
            write_transaction(&mut conn, |conn| {
                users
                    .iter()
                    .enumerate()
                    .map(|(i, user)| {
                        let (id, page, ig) =
                            register(conn, &keyring, agency, user, &format!("tenant {i}"))?;
                        Ok(BenchTenant {
                            id,
                            page,
                            ig: ig.unwrap_or(page),
                        })
                    })
                    .collect::<Result<Vec<_>, StoreError>>()
            })
        })
        .await
        .expect("seeding thread")
        .expect("tenants registered")
    }

    async fn start(&self, limits: EngineLimits) -> EngineHandle {
        let clock: SharedClock = Arc::new(SystemClock);
        let metrics = Metrics::new("bench", "bench");
        let graph = self.sandbox.graph_client().with_metrics(metrics.clone());
        let mut publishers: HashMap<Network, Arc<dyn Publisher>> = HashMap::new();
        publishers.insert(
            Network::Facebook,
            Arc::new(FacebookPublisher::new(
                graph.clone(),
                FacebookConfig::default(),
            )),
        );
        publishers.insert(
            Network::Instagram,
            Arc::new(InstagramPublisher::new(
                graph.clone(),
                InstagramConfig::default(),
            )),
        );
        Engine::start(EngineDeps {
            store: self.store().clone(),
            keyring: self.keyring.clone(),
            publishers,
            clock: clock.clone(),
            node_id: NodeId::new(),
            metrics,
            limits,
            spec_builder: Arc::new(StoredSpec),
            token_checker: Some(Arc::new(GraphTokenChecker {
                client: graph,
                clock,
            })),
        })
        .await
        .expect("engine starts")
    }

    /// Writes the posts, [`SEED_BATCH`] to a transaction.
    async fn seed(&self, posts: Vec<(TenantId, NewPost)>) {
        let store = self.store().clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = store.conn().expect("conn");
            for batch in posts.chunks(SEED_BATCH) {
                write_transaction(&mut conn, |conn| {
                    for (tenant, post) in batch {
                        posts::create(
                            conn,
                            *tenant,
                            post,
                            "Scheduled by the bench.",
                            None,
                            Utc::now(),
                        )?;
                    }
                    Ok::<_, StoreError>(())
                })
                .expect("posts seeded");
            }
        })
        .await
        .expect("seeding thread");
    }

    /// Seeds `posts`, wakes the engine, and waits until every post has ended.
    async fn run_to_end(
        &self,
        engine: &EngineHandle,
        posts: Vec<(TenantId, NewPost)>,
        limit: Duration,
    ) -> Ended {
        self.seed(posts).await;
        engine.wake();
        self.wait_for_end(limit).await
    }

    /// One measured batch: `n` posts round-robin across tenants, CPU time from the wake
    /// to the moment every post has ended.
    async fn cpu_phase(
        &self,
        engine: &EngineHandle,
        server: &ServerProcess,
        tenants: &[BenchTenant],
        n: usize,
        post: impl Fn(&BenchTenant, usize) -> NewPost,
    ) -> CpuRun {
        let before_published = self.count(PostState::Published).await;
        let batch: Vec<_> = (0..n)
            .map(|i| {
                let tenant = &tenants[i % tenants.len()];
                (tenant.id, post(tenant, i))
            })
            .collect();
        self.seed(batch).await;

        let (cpu0, server0, wall0) = (cpu_time(), server.cpu_time(), Instant::now());
        engine.wake();
        self.wait_for_end(Duration::from_secs(600)).await;
        let (cpu, server_cpu, wall) = (
            cpu_time() - cpu0,
            server.cpu_time() - server0,
            wall0.elapsed(),
        );
        let published = self.count(PostState::Published).await - before_published;
        CpuRun {
            posts: n,
            published,
            cpu,
            server_cpu,
            wall,
        }
    }

    async fn counts(&self) -> HashMap<PostState, u64> {
        let store = self.store().clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = store.conn().expect("conn");
            gauges::read(&mut conn, Utc::now()).expect("gauges")
        })
        .await
        .expect("gauges thread")
        .posts_by_state
        .into_iter()
        .collect()
    }

    async fn count(&self, state: PostState) -> usize {
        self.counts().await.get(&state).copied().unwrap_or(0) as usize
    }

    /// Waits until no post is left in a non-final state.
    async fn wait_for_end(&self, limit: Duration) -> Ended {
        let started = Instant::now();
        loop {
            let counts = self.counts().await;
            let open: u64 = counts
                .iter()
                .filter(|(s, _)| !s.is_terminal())
                .map(|(_, n)| n)
                .sum();
            if open == 0 {
                let ended = counts.values().sum::<u64>() as usize;
                return Ended { ended };
            }
            assert!(
                started.elapsed() < limit,
                "posts still open after {limit:?}: {counts:?}"
            );
            tokio::time::sleep(POLL_EVERY).await;
        }
    }

    /// Everything the sandbox published.
    async fn sandbox_ledger(&self) -> Vec<Value> {
        let url = format!("{}/_sandbox/ledger", self.sandbox.base);
        let body: Value = self
            .http
            .get(&url)
            .send()
            .await
            .expect("ledger answers")
            .json()
            .await
            .expect("ledger is JSON");
        body["data"].as_array().cloned().unwrap_or_default()
    }
}

/// A tenant with a Facebook Login connection for `user`, its Page and, when the Page has
/// one, its IG account. Answers (tenant, Page account, IG account).
fn register(
    conn: &mut herald_platform::store::DbConnection,
    keyring: &Keyring,
    agency: AgencyId,
    user: &SandboxUser,
    name: &str,
) -> Result<(TenantId, AccountId, Option<AccountId>), StoreError> {
    let now = Utc::now();
    let tenant = tenants::create(conn, agency, name, now)?.id;
    let connection = NewConnection {
        login_kind: LoginKind::Facebook,
        meta_user_id: user.id.clone(),
        user_token: Secret::new(user.token.clone()),
        expires_at: None,
        scopes: vec![
            "pages_manage_posts".into(),
            "instagram_content_publish".into(),
        ],
    };
    let connection = connections::upsert(conn, keyring, tenant, &connection, now)?;
    let page = &user.pages[0];
    let page_account = NewAccount {
        connection_id: connection.id,
        network: Network::Facebook,
        external_id: page.id.clone(),
        name: format!("{name} Page"),
        username: None,
        linked_page_id: None,
        page_token: Some(Secret::new(page.token.clone())),
    };
    let page_id = accounts::upsert(conn, keyring, tenant, &page_account, now)?.id;
    let ig_id = match &page.instagram {
        Some((ig, username)) => {
            let ig_account = NewAccount {
                connection_id: connection.id,
                network: Network::Instagram,
                external_id: ig.clone(),
                name: username.clone(),
                username: Some(username.clone()),
                linked_page_id: Some(page.id.clone()),
                page_token: Some(Secret::new(page.token.clone())),
            };
            Some(accounts::upsert(conn, keyring, tenant, &ig_account, now)?.id)
        }
        None => None,
    };
    Ok((tenant, page_id, ig_id))
}

fn new_post(account: AccountId, spec: PostSpec, at: DateTime<Utc>) -> NewPost {
    let state = if at <= Utc::now() {
        PostState::Queued
    } else {
        PostState::Scheduled
    };
    NewPost {
        account_id: account,
        kind: spec.kind,
        caption: spec.caption.clone(),
        spec: serde_json::to_value(&spec).expect("spec"),
        publish_at: at,
        state,
        idempotency_key: None,
    }
}

fn feed_post(page: AccountId, caption: &str, at: DateTime<Utc>) -> NewPost {
    let spec = PostSpec {
        kind: PostKind::FbFeed,
        caption: caption.to_owned(),
        media: vec![],
        options: PostOptions::default(),
        cover: None,
    };
    new_post(page, spec, at)
}

fn image_post(ig: AccountId, caption: &str, image: &SpecMedia, at: DateTime<Utc>) -> NewPost {
    let spec = PostSpec {
        kind: PostKind::IgImage,
        caption: caption.to_owned(),
        media: vec![image.clone()],
        options: PostOptions::default(),
        cover: None,
    };
    new_post(ig, spec, at)
}

// ---------------------------------------------------------------------------------------
// The database: SQLite in a temp folder, or a fresh PostgreSQL database.

struct Db {
    store: Store,
    _dir: Option<tempfile::TempDir>,
    pg: Option<(String, String)>,
}

impl Db {
    fn open() -> Self {
        let (url, dir, pg) = match postgres_url() {
            Some(base) => {
                let (prefix, _) = base
                    .rsplit_once('/')
                    .expect("HERALD_BENCH_POSTGRES_URL names a database");
                let name = format!("herald_bench_{}", PostId::new().uuid().simple());
                psql(&base, &format!("CREATE DATABASE {name}"));
                (format!("{prefix}/{name}"), None, Some((base, name)))
            }
            None => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = format!("sqlite://{}", dir.path().join("herald.db").display());
                (url, Some(dir), None)
            }
        };
        let store = Store::open_with(&url, StoreOptions::default()).expect("open store");
        store.migrate().expect("migrate");
        Self {
            store,
            _dir: dir,
            pg,
        }
    }
}

impl Drop for Db {
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
    let status = Command::new("psql")
        .args([url, "-q", "-c", command])
        .status()
        .expect("psql runs");
    assert!(status.success(), "psql failed: {command}");
}

// ---------------------------------------------------------------------------------------
// Process figures from /proc.

/// User plus system CPU time of this whole process (every thread) so far.
fn cpu_time() -> Duration {
    cpu_time_of("/proc/self/stat")
}

/// User plus system CPU time of the process whose `/proc/<pid>/stat` is `path`.
fn cpu_time_of(path: &str) -> Duration {
    let stat = std::fs::read_to_string(path).unwrap_or_else(|err| panic!("{path}: {err}"));
    // Fields after the command name, which is in parentheses and may hold spaces.
    let rest = &stat[stat.rfind(')').expect("stat format") + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the whole line; 12 and 13 here.
    let ticks: u64 =
        fields[11].parse::<u64>().expect("utime") + fields[12].parse::<u64>().expect("stime");
    Duration::from_secs_f64(ticks as f64 / clock_ticks() as f64)
}

fn clock_ticks() -> u64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(100)
}

/// Resident memory of this process, in bytes.
struct Rss {
    total: u64,
    anon: u64,
}

impl Rss {
    fn read() -> Self {
        let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
        let field = |name: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
                .map_or(0, |kib| kib * 1024)
        };
        Self {
            total: field("VmRSS:"),
            anon: field("RssAnon:"),
        }
    }
}
