//! Issue 9's proof: three `herald serve` nodes on one PostgreSQL database and one sandbox
//! split 50 tenants between them by leases. One node is SIGKILLed and another SIGSTOPped
//! for longer than the lease term, then resumed: every post is published exactly once
//! (the sandbox ledger shows 0 duplicates and 0 lost), the dead node's tenants move to the
//! live node within two lease terms, and the stalled node publishes nothing for the
//! tenants it lost (fencing) but picks up a share again.
//!
//! Needs `HERALD_TEST_POSTGRES_URL` (a server where the test may create and drop
//! databases); skipped with a message otherwise. `HERALD_TEST_SCALE_BENCH=1` also runs
//! the throughput benchmark for 1, 2 and 3 nodes.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use herald_tests::process::{herald_binary, HeraldProcess, SandboxProcess};
use serde_json::{json, Value};

const SQUARE_JPEG: &[u8] = include_bytes!("../fixtures/media/square_1080.jpg");
const TENANTS: usize = 50;
/// A short lease term, so that takeovers happen within the test's minutes.
const LEASE: Duration = Duration::from_secs(4);
const FINISH_DEADLINE: Duration = Duration::from_secs(300);
/// The node whose API takes the Instagram posts, and which stays up. In production every
/// node sits behind one `HERALD_PUBLIC_URL` and shares `media/`, so Meta can fetch media
/// from any of them; here each node has its own address, and a post's media URL names the
/// node that accepted it.
const FRONT: usize = 2;

/// A database of its own on the test server, dropped afterwards.
struct Database {
    admin_url: String,
    name: String,
    url: String,
}

impl Database {
    fn fresh(label: &str) -> Self {
        let base = std::env::var("HERALD_TEST_POSTGRES_URL").expect("HERALD_TEST_POSTGRES_URL");
        let (prefix, _) = base
            .rsplit_once('/')
            .expect("HERALD_TEST_POSTGRES_URL ends with /DATABASE");
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos();
        let name = format!("herald_scale_{label}_{}_{nanos}", std::process::id());
        let admin_url = format!("{prefix}/postgres");
        psql(&admin_url, &format!("CREATE DATABASE {name}"));
        Self {
            url: format!("{prefix}/{name}"),
            admin_url,
            name,
        }
    }

    fn query(&self, sql: &str) -> Vec<Vec<String>> {
        psql(&self.url, sql)
            .lines()
            .filter(|l| !l.is_empty())
            .map(|l| l.split('|').map(str::to_owned).collect())
            .collect()
    }

    /// Tenant → (holding node, lease expiry in ms), ids in their simple (undashed) form.
    fn leases(&self) -> HashMap<String, (String, i64)> {
        self.query("SELECT tenant_id, node_id, expires_at FROM tenant_leases")
            .into_iter()
            .map(|row| {
                let expires = row[2].parse().unwrap_or(0);
                (simple(&row[0]), (simple(&row[1]), expires))
            })
            .collect()
    }

    /// Tenant → node for the leases unexpired now.
    fn holders(&self) -> HashMap<String, String> {
        let now = Utc::now().timestamp_millis();
        self.leases()
            .into_iter()
            .filter(|(_, (_, expires))| *expires > now)
            .map(|(tenant, (node, _))| (tenant, node))
            .collect()
    }

    /// How many of the test's posts have not ended yet.
    fn open_posts(&self, prefix: &str) -> usize {
        let sql = format!(
            "SELECT count(*) FROM posts WHERE caption LIKE '{prefix}%' \
             AND state NOT IN ('published','failed','canceled','unconfirmed')"
        );
        self.query(&sql)[0][0].parse().unwrap_or(usize::MAX)
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        let _ = Command::new("psql")
            .args([&self.admin_url, "-q", "-c"])
            .arg(format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ))
            .status();
    }
}

fn psql(url: &str, sql: &str) -> String {
    let output = Command::new("psql")
        .args([
            url,
            "-q",
            "-At",
            "-F",
            "|",
            "-v",
            "ON_ERROR_STOP=1",
            "-c",
            sql,
        ])
        .output()
        .expect("psql runs");
    assert!(
        output.status.success(),
        "psql failed on `{sql}`: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// An id without its prefix and dashes: `node_ab12…`, `ab12-…` → `ab12…`.
fn simple(id: &str) -> String {
    let bare = id.split_once('_').map_or(id, |(_, rest)| rest);
    bare.replace('-', "")
}

fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

/// Nodes on one database, one sandbox and one keyring.
struct Cluster {
    db: Database,
    sandbox: SandboxProcess,
    keyring: PathBuf,
    dir: tempfile::TempDir,
    nodes: Vec<HeraldProcess>,
    /// Each node's id (simple form), by index.
    ids: Vec<String>,
    http: reqwest::blocking::Client,
    key: String,
}

impl Cluster {
    /// One node seeding `TENANTS` demo tenants; more come with [`Cluster::add_node`].
    fn start(db: Database) -> Self {
        let sandbox = SandboxProcess::start();
        let dir = tempfile::tempdir().unwrap();
        let keyring = dir.path().join("keyring.json");
        let status = Command::new(herald_binary())
            .args(["keys", "generate", "--out"])
            .arg(&keyring)
            .env("HERALD_LOG", "warn")
            .status()
            .expect("herald keys generate runs");
        assert!(status.success(), "herald keys generate failed");

        let mut cluster = Self {
            db,
            sandbox,
            keyring,
            dir,
            nodes: Vec::new(),
            ids: Vec::new(),
            http: reqwest::blocking::Client::new(),
            key: String::new(),
        };
        cluster.add_node(true);
        cluster.key = cluster.nodes[0].demo_api_key(Duration::from_secs(300));
        cluster.sandbox_settings();
        cluster
    }

    fn add_node(&mut self, demo: bool) {
        let index = self.nodes.len();
        let data = self.dir.path().join(format!("node{index}"));
        std::fs::create_dir_all(&data).unwrap();
        let tenants = TENANTS.to_string();
        let lease = LEASE.as_secs().to_string();
        let keyring = self.keyring.display().to_string();
        // Uploaded media live in the data directory, and the node that publishes serves
        // them to Meta: the nodes share one (in production, a shared volume).
        let media = self.dir.path().join("shared-data").display().to_string();
        let mut env = vec![
            ("HERALD_DATA_DIR", media.as_str()),
            ("HERALD_DATABASE_URL", self.db.url.as_str()),
            ("HERALD_SANDBOX_URL", self.sandbox.base_url.as_str()),
            ("HERALD_KEYRING_FILE", keyring.as_str()),
            ("HERALD_LEASE_SECONDS", lease.as_str()),
        ];
        if demo {
            env.push(("HERALD_DEMO", "true"));
            env.push(("HERALD_DEMO_TENANTS", tenants.as_str()));
        }
        let node = HeraldProcess::start(&data, &env);
        let ready: Value = self
            .http
            .get(format!("{}/readyz", node.base_url))
            .send()
            .unwrap()
            .json()
            .unwrap();
        let id = ready["node"]["id"]
            .as_str()
            .unwrap_or_else(|| panic!("/readyz names no node: {ready}"));
        self.ids.push(simple(id));
        self.nodes.push(node);
    }

    fn sandbox_settings(&self) {
        let response = self
            .http
            .put(format!("{}/_sandbox/settings", self.sandbox.base_url))
            .json(
                &json!({"container_processing_ms": 200, "video_processing_ms": 200,
                "ig_publish_quota": 100000, "ig_container_limit": 100000,
                "page_calls_per_day": 10000000, "ig_calls_per_day": 10000000,
                "app_calls_per_user_hour": 10000000}),
            )
            .send()
            .unwrap();
        assert!(response.status().is_success(), "sandbox settings");
    }

    fn get(&self, url: &str) -> Value {
        let response = self.http.get(url).bearer_auth(&self.key).send().unwrap();
        assert!(
            response.status().is_success(),
            "GET {url}: {}",
            response.status()
        );
        response.json().unwrap()
    }

    /// Each tenant's id with its Facebook Page, its IG account and a photo.
    fn targets(&self) -> Vec<Target> {
        let base = &self.nodes[0].base_url;
        let tenants = self.get(&format!("{base}/api/v1/tenants?limit=100"));
        let tenants = tenants["data"].as_array().unwrap();
        assert_eq!(tenants.len(), TENANTS, "demo tenants");
        tenants
            .iter()
            .map(|tenant| {
                let id = tenant["id"].as_str().unwrap().to_owned();
                let accounts = self.get(&format!("{base}/api/v1/tenants/{id}/accounts"));
                let account = |network: &str| {
                    accounts["data"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .find(|a| a["network"] == network)
                        .map(|a| a["id"].as_str().unwrap().to_owned())
                        .unwrap_or_else(|| panic!("tenant {id} has no {network} account"))
                };
                let (facebook, instagram) = (account("facebook"), account("instagram"));
                let photo = self.upload_photo(&id);
                Target {
                    tenant: id,
                    facebook,
                    instagram,
                    photo,
                }
            })
            .collect()
    }

    fn upload_photo(&self, tenant: &str) -> String {
        let form = reqwest::blocking::multipart::Form::new().part(
            "file",
            reqwest::blocking::multipart::Part::bytes(SQUARE_JPEG.to_vec())
                .file_name("p.jpg")
                .mime_str("image/jpeg")
                .unwrap(),
        );
        let media: Value = self
            .http
            .post(format!(
                "{}/api/v1/tenants/{tenant}/media",
                self.nodes[0].base_url
            ))
            .bearer_auth(&self.key)
            .multipart(form)
            .send()
            .unwrap()
            .json()
            .unwrap();
        media["id"]
            .as_str()
            .unwrap_or_else(|| panic!("{media:#}"))
            .to_owned()
    }

    /// Schedules one post through node `via`'s API.
    fn schedule(&self, via: usize, target: &Target, caption: &str, at: DateTime<Utc>, ig: bool) {
        let body = if ig {
            json!({"account_id": target.instagram, "kind": "ig_image", "caption": caption,
                   "media": [target.photo], "publish_at": at.to_rfc3339()})
        } else {
            json!({"account_id": target.facebook, "kind": "fb_feed", "caption": caption,
                   "media": [], "publish_at": at.to_rfc3339()})
        };
        let response = self
            .http
            .post(format!(
                "{}/api/v1/tenants/{}/posts",
                self.nodes[via].base_url, target.tenant
            ))
            .bearer_auth(&self.key)
            .header("Idempotency-Key", caption.replace(' ', "-"))
            .json(&body)
            .send()
            .unwrap();
        assert_eq!(
            response.status().as_u16(),
            201,
            "{}",
            response.text().unwrap_or_default()
        );
    }

    /// Caption → how many times the sandbox published it.
    fn ledger(&self) -> HashMap<String, usize> {
        let ledger: Value = self
            .http
            .get(format!("{}/_sandbox/ledger", self.sandbox.base_url))
            .send()
            .unwrap()
            .json()
            .unwrap();
        let mut counts = HashMap::new();
        for entry in ledger["data"].as_array().unwrap() {
            let caption = entry["caption"].as_str().unwrap_or_default().to_owned();
            *counts.entry(caption).or_default() += 1;
        }
        counts
    }

    /// One node's `herald_lease_changes_total{change}`.
    fn lease_changes(&self, node: usize, change: &str) -> f64 {
        let text = self
            .http
            .get(format!("{}/metrics", self.nodes[node].base_url))
            .send()
            .unwrap()
            .text()
            .unwrap();
        let series = format!("herald_lease_changes_total{{change=\"{change}\"}} ");
        text.lines()
            .find_map(|line| line.strip_prefix(&series))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or_else(|| panic!("no {series} in /metrics"))
    }

    fn output(&self) -> String {
        self.nodes
            .iter()
            .enumerate()
            .map(|(i, n)| format!("--- node {i}\n{}", tail(&n.output(), 30)))
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Waits until every post captioned `prefix…` has ended; returns when.
    fn wait_all_ended(&self, prefix: &str) -> Instant {
        let deadline = Instant::now() + FINISH_DEADLINE;
        loop {
            let open = self.db.open_posts(prefix);
            if open == 0 {
                return Instant::now();
            }
            assert!(
                Instant::now() < deadline,
                "{open} posts still open\n{}",
                self.output()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

struct Target {
    tenant: String,
    facebook: String,
    instagram: String,
    photo: String,
}

fn postgres_configured() -> bool {
    if std::env::var("HERALD_TEST_POSTGRES_URL").is_err() {
        println!("scale-out suite skipped (set HERALD_TEST_POSTGRES_URL)");
        return false;
    }
    true
}

/// The ledger must hold every caption exactly once, and nothing twice.
fn assert_exactly_once(cluster: &Cluster, captions: &[String]) {
    let ledger = cluster.ledger();
    let duplicates: Vec<_> = ledger.iter().filter(|(_, n)| **n > 1).collect();
    let lost: Vec<_> = captions
        .iter()
        .filter(|c| !ledger.contains_key(*c))
        .collect();
    println!(
        "ledger: {} posts, {} duplicates, {} lost",
        captions.len(),
        duplicates.len(),
        lost.len()
    );
    assert!(duplicates.is_empty(), "published twice: {duplicates:?}");
    assert!(lost.is_empty(), "never published: {lost:?}");
    let prefix = captions[0].split(' ').take(2).collect::<Vec<_>>().join(" ");
    let sql = format!(
        "SELECT count(*) FROM posts WHERE caption LIKE '{prefix} %' AND state <> 'published'"
    );
    assert_eq!(
        cluster.db.query(&sql)[0][0],
        "0",
        "posts ended otherwise than published"
    );
}

#[test]
fn three_nodes_share_tenants_and_survive_a_kill_and_a_stall() {
    if !postgres_configured() {
        return;
    }
    let mut cluster = Cluster::start(Database::fresh("proof"));
    cluster.add_node(false);
    cluster.add_node(false);
    let targets = cluster.targets();

    // Eight posts per tenant, one due every 4 s per tenant (a lease term), interleaved so
    // that at any moment most tenants have work coming; scheduled through all three APIs.
    const PER_TENANT: usize = 8;
    let window = chrono::Duration::seconds(32);
    let t0 = Utc::now() + chrono::Duration::seconds(25);
    let total = TENANTS * PER_TENANT;
    let mut captions = Vec::with_capacity(total);
    let mut due: Vec<(String, DateTime<Utc>)> = Vec::with_capacity(total);
    for i in 0..total {
        let (j, t) = (i / TENANTS, i % TENANTS);
        let at = t0 + window * i32::try_from(i).unwrap() / i32::try_from(total).unwrap();
        let caption = format!("scale post {i}");
        let ig = j % 3 == 2;
        cluster.schedule(
            if ig { FRONT } else { i % 3 },
            &targets[t],
            &caption,
            at,
            ig,
        );
        due.push((simple(&targets[t].tenant), at));
        captions.push(caption);
    }
    let scheduled_at = Utc::now();
    assert!(
        scheduled_at < t0,
        "scheduling took too long: {scheduled_at} ≥ {t0}"
    );
    std::thread::sleep((t0 - Utc::now()).to_std().unwrap_or_default());

    // Phase 1: all three nodes take a share of the tenants.
    let mut peak: HashMap<String, usize> = HashMap::new();
    let kill_at = Instant::now() + Duration::from_secs(10);
    let mut holders = HashMap::new();
    while Instant::now() < kill_at {
        holders = cluster.db.holders();
        for node in &cluster.ids {
            let held = holders.values().filter(|n| *n == node).count();
            let best = peak.entry(node.clone()).or_default();
            *best = (*best).max(held);
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    println!("most tenants held at once, by node: {peak:?}");
    for (i, node) in cluster.ids.iter().enumerate() {
        assert!(
            peak.get(node).copied().unwrap_or(0) > 0,
            "node {i} never held a tenant: {peak:?}"
        );
    }

    // Phase 2: SIGKILL one of the other two nodes (the one holding more tenants) and
    // SIGSTOP the other.
    let count = |i: usize| holders.values().filter(|n| **n == cluster.ids[i]).count();
    let (dead, stalled, live) = if count(0) >= count(1) {
        (0, 1, FRONT)
    } else {
        (1, 0, FRONT)
    };
    let dead_tenants: HashSet<String> = holders
        .iter()
        .filter(|(_, n)| **n == cluster.ids[dead])
        .map(|(t, _)| t.clone())
        .collect();
    assert!(
        !dead_tenants.is_empty(),
        "no node held a tenant at the kill"
    );
    let stalled_held = count(stalled);
    let stalled_until = cluster
        .db
        .leases()
        .values()
        .filter(|(n, _)| *n == cluster.ids[stalled])
        .map(|(_, expires)| *expires)
        .max()
        .unwrap_or(0);
    let killed_at = Utc::now();
    let killed = Instant::now();
    cluster.nodes[dead].kill();
    cluster.nodes[stalled].pause();
    println!(
        "killed node {dead} ({} tenants), stopped node {stalled} ({stalled_held} tenants)",
        dead_tenants.len()
    );

    // The dead node's tenants with work due within a term must reach the live node within
    // two terms (the stalled one is still stopped then).
    let must_move: HashSet<String> = due
        .iter()
        .filter(|(t, at)| {
            dead_tenants.contains(t)
                && *at >= killed_at
                && *at <= killed_at + chrono::Duration::from_std(LEASE).unwrap()
        })
        .map(|(t, _)| t.clone())
        .collect();
    let mut moved: HashMap<String, Duration> = HashMap::new();
    let resume_at = killed + LEASE * 5 / 2;
    while Instant::now() < resume_at {
        for (tenant, (node, expires)) in cluster.db.leases() {
            let current = expires > Utc::now().timestamp_millis();
            if current && dead_tenants.contains(&tenant) && node == cluster.ids[live] {
                moved.entry(tenant).or_insert_with(|| killed.elapsed());
            }
            let renewed = node == cluster.ids[stalled] && expires > stalled_until;
            assert!(!renewed, "the stopped node renewed a lease");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let slowest = must_move
        .iter()
        .map(|t| moved.get(t).copied().unwrap_or(Duration::MAX))
        .max()
        .unwrap_or_default();
    println!(
        "{} of the dead node's tenants had work due within a term; the slowest moved after {:?} (lease term {:?})",
        must_move.len(),
        slowest,
        LEASE
    );
    assert!(
        !must_move.is_empty(),
        "the schedule gave the dead node's tenants no work"
    );
    assert!(
        slowest <= LEASE * 2,
        "tenants moved too slowly: {slowest:?} > two terms\n{}",
        cluster.output()
    );

    // Phase 3: the stalled node comes back; it lost its leases and must publish nothing for
    // them (the ledger below), yet picks up a share again.
    cluster.nodes[stalled].resume();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let held = cluster
            .db
            .holders()
            .values()
            .filter(|n| **n == cluster.ids[stalled])
            .count();
        if held > 0 {
            println!("the resumed node holds {held} tenants again");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the resumed node never took a tenant again\n{}",
            cluster.output()
        );
        std::thread::sleep(Duration::from_millis(100));
    }

    cluster.wait_all_ended("scale post ");
    assert_exactly_once(&cluster, &captions);
    let taken_over = cluster.lease_changes(live, "taken_over");
    println!("live node: {taken_over} leases taken over");
    assert!(taken_over >= 1.0, "the live node took over no lease");
    if stalled_held > 0 {
        let lost = cluster.lease_changes(stalled, "lost");
        println!("resumed node: {lost} leases lost");
        assert!(lost >= 1.0, "the resumed node counted no lost lease");
    }
}

/// Publish throughput for 1, 2 and 3 nodes: `HERALD_TEST_SCALE_BENCH=1` (with
/// `HERALD_TEST_POSTGRES_URL`); `HERALD_SCALE_BENCH_POSTS` sets the posts per run.
#[test]
fn publish_throughput_for_one_two_and_three_nodes() {
    if std::env::var("HERALD_TEST_SCALE_BENCH").as_deref() != Ok("1") {
        println!("scale-out benchmark skipped (set HERALD_TEST_SCALE_BENCH=1)");
        return;
    }
    if !postgres_configured() {
        return;
    }
    let posts: usize = std::env::var("HERALD_SCALE_BENCH_POSTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(500);
    let mut results = Vec::new();
    for nodes in 1..=3 {
        let mut cluster = Cluster::start(Database::fresh(&format!("bench{nodes}")));
        for _ in 1..nodes {
            cluster.add_node(false);
        }
        let targets = cluster.targets();
        let prefix = format!("bench{nodes} post");
        // Scheduled for tomorrow, then made due together once all are stored.
        let far = Utc::now() + chrono::Duration::days(1);
        let captions: Vec<String> = (0..posts).map(|i| format!("{prefix} {i}")).collect();
        for (i, caption) in captions.iter().enumerate() {
            cluster.schedule(i % nodes, &targets[i % TENANTS], caption, far, false);
        }
        let due = chrono::Utc::now().timestamp_millis() + 2_000;
        cluster.db.query(&format!(
            "UPDATE posts SET publish_at = {due}, next_attempt_at = {due} \
             WHERE caption LIKE '{prefix} %' RETURNING 1"
        ));
        // The nodes' schedulers sleep at most a third of a term; wait for the due time.
        wait_until_ms(due);
        let started = Instant::now();
        let ended = cluster.wait_all_ended(&format!("{prefix} "));
        let took = ended.duration_since(started);
        assert_exactly_once(&cluster, &captions);
        let rate = posts as f64 / took.as_secs_f64();
        println!("scale-out bench: {nodes} node(s), {posts} fb_feed posts over {TENANTS} tenants in {took:.2?}: {rate:.1} posts/s");
        results.push((nodes, rate));
    }
    println!("scale-out bench summary (posts/s): {results:?}");
}

fn wait_until_ms(ms: i64) {
    let now = Utc::now().timestamp_millis();
    if ms > now {
        std::thread::sleep(Duration::from_millis(u64::try_from(ms - now).unwrap_or(0)));
    }
}
