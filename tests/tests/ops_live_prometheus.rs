//! A real Prometheus scrapes a running Herald, then every Grafana query and every alert
//! expression goes through Prometheus's HTTP API: each must parse, and each dashboard
//! query must return series. Runs only with `HERALD_TEST_PROMETHEUS=1` (it needs
//! `/usr/bin/prometheus` and takes about half a minute).
//!
//! The scraped server is the `herald` binary (`herald serve --demo` with its sandbox, a
//! data directory of its own, and HTTP traffic from this test) when one is found:
//! `HERALD_TEST_HERALD_BIN`, else `debug/herald` under `CARGO_TARGET_DIR` or the workspace's
//! `target/` (build it first with `cargo build -p herald-web`). `HERALD_TEST_HERALD_BIN=none`,
//! or no binary, selects an actix-web server in this test that serves `Metrics::render()`
//! while recording a sample of every family.

mod ops_support;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use actix_web::{web, App, HttpResponse, HttpServer};
use herald_platform::metrics::{Metrics, CONTENT_TYPE};
use ops_support::{alert_rules, dashboard_queries, ops_file, prometheus_required, repo_root};
use ops_support::{prometheus_tool, record_every_family};

/// What Grafana's `$__rate_interval` becomes: four 1 s scrapes and then some.
const RATE_INTERVAL: &str = "15s";
/// Seconds of scraped history wanted before querying, so every rate has samples.
const HISTORY_SAMPLES: u32 = 8;

/// A child process killed when the test ends, pass or fail.
struct Running {
    child: Child,
    name: &'static str,
    log: PathBuf,
}

impl Running {
    fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(30)..].join("\n")
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            eprintln!(
                "--- last lines of {}'s log ---\n{}",
                self.name,
                self.log_tail()
            );
        }
    }
}

fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a free loopback port");
    listener.local_addr().expect("its address").port()
}

fn spawn(name: &'static str, command: &mut Command, dir: &Path) -> Running {
    let log = dir.join(format!("{name}.log"));
    let file = std::fs::File::create(&log).expect("log file");
    let child = command
        .stdin(Stdio::null())
        .stdout(file.try_clone().expect("log file"))
        .stderr(file)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {name}: {e}"));
    Running { child, name, log }
}

/// Serves `/metrics` from a `Metrics` that keeps recording activity, on 127.0.0.1.
fn start_in_process_target() -> u16 {
    let metrics = Metrics::new("0.1.0-test", "0000000");
    let recorder = metrics.clone();
    actix_rt::spawn(async move {
        loop {
            record_every_family(&recorder);
            actix_rt::time::sleep(Duration::from_millis(100)).await;
        }
    });

    let server = HttpServer::new(move || {
        let metrics = metrics.clone();
        App::new().route(
            "/metrics",
            web::get().to(move || {
                let text = metrics.render();
                async move { HttpResponse::Ok().content_type(CONTENT_TYPE).body(text) }
            }),
        )
    })
    .workers(1)
    .disable_signals()
    .bind(("127.0.0.1", 0))
    .expect("bind 127.0.0.1:0");
    let port = server.addrs()[0].port();
    actix_rt::spawn(server.run());
    port
}

/// The `herald` binary to scrape, if any (see the module's doc).
fn herald_binary() -> Option<PathBuf> {
    if let Some(named) = std::env::var_os("HERALD_TEST_HERALD_BIN") {
        if named == "none" {
            return None;
        }
        let binary = PathBuf::from(named);
        assert!(
            binary.is_file(),
            "HERALD_TEST_HERALD_BIN={} is not a file",
            binary.display()
        );
        return Some(binary);
    }
    let target_dirs = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .into_iter()
        .chain([repo_root().join("target")]);
    target_dirs
        .map(|dir| dir.join("debug/herald"))
        .find(|p| p.is_file())
}

/// Starts `herald serve --demo` on a free loopback port, and waits until it is ready.
async fn start_herald_binary(binary: &Path, dir: &Path) -> (Running, u16) {
    let port = free_port();
    let data = dir.join("herald-data");
    std::fs::create_dir_all(&data).expect("data dir");
    let running = spawn(
        "herald",
        Command::new(binary)
            .args(["serve", "--demo", "--listen", &format!("127.0.0.1:{port}")])
            .env("HERALD_DATA_DIR", &data)
            .env("HERALD_SANDBOX", "on")
            .env_remove("HERALD_DATABASE_URL")
            .env_remove("HERALD_ENV")
            .env_remove("HERALD_KEYRING_FILE")
            .env_remove("HERALD_META_APP_ID")
            .env_remove("HERALD_META_APP_SECRET"),
        dir,
    );

    let client = reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("HTTP client");
    let readyz = format!("http://127.0.0.1:{port}/readyz");
    let start = Instant::now();
    loop {
        if client
            .get(&readyz)
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "herald never became ready"
        );
        actix_rt::time::sleep(Duration::from_millis(250)).await;
    }

    // Publishing traffic: a Facebook post due now, through the demo agency's API key.
    let base = format!("http://127.0.0.1:{port}");
    publish_now(&client, &base, &running.log).await;

    // Some HTTP traffic of every status class the dashboard splits on.
    actix_rt::spawn(async move {
        loop {
            for path in ["/livez", "/readyz", "/api/v1/tenants", "/no-such-page"] {
                let _ = client.get(format!("{base}{path}")).send().await;
            }
            actix_rt::time::sleep(Duration::from_millis(200)).await;
        }
    });
    (running, port)
}

/// Creates, through the REST API, a post due now on the demo tenant's Facebook Page.
async fn publish_now(client: &reqwest::Client, base: &str, log: &Path) {
    const KEY_LINE: &str = "Demo API key (shown once): ";
    let start = Instant::now();
    let key = loop {
        let text = std::fs::read_to_string(log).unwrap_or_default();
        if let Some(key) = text
            .lines()
            .find_map(|l| l.split_once(KEY_LINE).map(|(_, k)| k))
        {
            break key.trim().to_owned();
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "herald --demo printed no API key"
        );
        actix_rt::time::sleep(Duration::from_millis(250)).await;
    };
    let get = |path: String| {
        let request = client.get(format!("{base}{path}")).bearer_auth(&key);
        async move {
            let response = request.send().await.expect("the API answers");
            assert!(
                response.status().is_success(),
                "GET failed: {}",
                response.status()
            );
            response.json::<serde_json::Value>().await.expect("JSON")
        }
    };

    let tenants = get("/api/v1/tenants".to_owned()).await;
    let tenant = tenants["data"][0]["id"]
        .as_str()
        .expect("a demo tenant")
        .to_owned();
    let accounts = get(format!("/api/v1/tenants/{tenant}/accounts")).await;
    let page = accounts["data"]
        .as_array()
        .and_then(|all| all.iter().find(|a| a["network"] == "facebook"))
        .and_then(|a| a["id"].as_str())
        .expect("a demo Facebook Page")
        .to_owned();
    let post = serde_json::json!({
        "account_id": page, "kind": "fb_feed", "caption": "Live metrics test", "media": [],
    });
    let response = client
        .post(format!("{base}/api/v1/tenants/{tenant}/posts"))
        .bearer_auth(&key)
        .header("Idempotency-Key", "ops-live-prometheus")
        .json(&post)
        .send()
        .await
        .expect("the API answers");
    assert!(
        response.status().is_success(),
        "creating a post: {}",
        response.status()
    );
}

/// The post made by [`publish_now`] went out and its latency was scraped.
struct Published;
impl AsyncCheck for Published {
    async fn check(&mut self, api: &Api) -> bool {
        let expr = "sum(herald_posts_published_total) > 0";
        api.query(expr).await.is_ok_and(|r| !r.is_empty())
    }
}

fn prometheus_config(target_port: u16, rules: &Path) -> String {
    format!(
        "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n\
         rule_files:\n  - {}\n\
         scrape_configs:\n  - job_name: herald\n    static_configs:\n      - targets: [\"127.0.0.1:{target_port}\"]\n",
        rules.display()
    )
}

struct Api {
    client: reqwest::Client,
    base: String,
}

impl Api {
    async fn get_json(&self, path: &str, query: &[(&str, &str)]) -> Option<serde_json::Value> {
        let response = self
            .client
            .get(format!("{}{path}", self.base))
            .query(query)
            .send()
            .await
            .ok()?;
        response.json().await.ok()
    }

    /// Runs an instant query; `Err` holds Prometheus's error.
    async fn query(&self, expr: &str) -> Result<Vec<serde_json::Value>, String> {
        let body = self
            .get_json("/api/v1/query", &[("query", expr)])
            .await
            .ok_or_else(|| "no JSON answer".to_owned())?;
        if body["status"] != "success" {
            return Err(format!("{}: {}", body["errorType"], body["error"]));
        }
        Ok(body["data"]["result"]
            .as_array()
            .cloned()
            .unwrap_or_default())
    }

    async fn wait_until(&self, what: &str, deadline: Duration, mut ok: impl AsyncCheck) {
        let start = Instant::now();
        while start.elapsed() < deadline {
            if ok.check(self).await {
                return;
            }
            actix_rt::time::sleep(Duration::from_millis(500)).await;
        }
        panic!("timed out after {deadline:?} waiting for {what}");
    }
}

/// A condition polled against the API (a small stand-in for async closures).
trait AsyncCheck {
    async fn check(&mut self, api: &Api) -> bool;
}

struct Ready;
impl AsyncCheck for Ready {
    async fn check(&mut self, api: &Api) -> bool {
        let url = format!("{}/-/ready", api.base);
        api.client
            .get(url)
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
    }
}

struct EnoughHistory;
impl AsyncCheck for EnoughHistory {
    async fn check(&mut self, api: &Api) -> bool {
        let expr = format!("count_over_time(up{{job=\"herald\"}}[1m]) >= {HISTORY_SAMPLES}");
        let healthy = api
            .query("up{job=\"herald\"} == 1")
            .await
            .is_ok_and(|r| !r.is_empty());
        healthy && api.query(&expr).await.is_ok_and(|r| !r.is_empty())
    }
}

#[actix_rt::test]
async fn dashboard_queries_and_alert_expressions_run_on_a_real_prometheus() {
    if !prometheus_required() {
        println!("live Prometheus test skipped (set HERALD_TEST_PROMETHEUS=1 to run it)");
        return;
    }
    let prometheus_bin = prometheus_tool("prometheus").expect("required, so asserted above");
    let dir = tempfile::tempdir().expect("temp dir");

    // The scraped server: the real binary when there is one, else an in-process one.
    let binary = herald_binary();
    let mut herald = None;
    let target_port = match &binary {
        Some(binary) => {
            println!("scraping {}", binary.display());
            let (running, port) = start_herald_binary(binary, dir.path()).await;
            herald = Some(running);
            port
        }
        None => {
            println!("no herald binary: scraping an in-process Metrics server");
            start_in_process_target()
        }
    };

    // Prometheus with Herald's own alert rules and a 1 s scrape.
    let rules = dir.path().join("alerts.yml");
    std::fs::copy(ops_file("prometheus/alerts.yml"), &rules).expect("copy alerts.yml");
    let config = dir.path().join("prometheus.yml");
    std::fs::write(&config, prometheus_config(target_port, &rules)).expect("write config");
    let port = free_port();
    let _prometheus = spawn(
        "prometheus",
        Command::new(prometheus_bin)
            .arg(format!("--config.file={}", config.display()))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.path().join("tsdb").display()
            ))
            .arg(format!("--web.listen-address=127.0.0.1:{port}")),
        dir.path(),
    );
    let client = reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("HTTP client");
    let api = Api {
        client,
        base: format!("http://127.0.0.1:{port}"),
    };
    api.wait_until("Prometheus to be ready", Duration::from_secs(30), Ready)
        .await;
    api.wait_until("scraped history", Duration::from_secs(60), EnoughHistory)
        .await;
    if herald.is_some() {
        api.wait_until("a published post", Duration::from_secs(120), Published)
            .await;
        // A few more scrapes, so rates over the new histogram series have two samples.
        actix_rt::time::sleep(Duration::from_secs(4)).await;
    }

    // Every dashboard query parses and returns series.
    let mut problems = Vec::new();
    let queries = dashboard_queries();
    for (title, expr) in &queries {
        let expr = expr.replace("$__rate_interval", RATE_INTERVAL);
        match api.query(&expr).await {
            Ok(series) if series.is_empty() => problems.push(format!("{title}: no series: {expr}")),
            Ok(_) => {}
            Err(err) => problems.push(format!("{title}: {err}: {expr}")),
        }
    }

    // Every alert expression parses and evaluates.
    let alerts = alert_rules();
    assert!(alerts.len() >= 7, "only {} alerts read", alerts.len());
    for (alert, expr) in &alerts {
        if let Err(err) = api.query(expr).await {
            problems.push(format!("{alert}: {err}: {expr}"));
        }
    }

    // Prometheus loaded the same rules and evaluates them without error.
    api.wait_until(
        "a rule evaluation",
        Duration::from_secs(20),
        RulesEvaluated(alerts.len()),
    )
    .await;
    let total = queries.len() + alerts.len();
    assert!(
        problems.is_empty(),
        "{} of {total} queries failed:\n{}",
        problems.len(),
        problems.join("\n")
    );
    drop(herald);
}

/// Prometheus reports `n` alerting rules, all evaluated with health `ok`.
struct RulesEvaluated(usize);
impl AsyncCheck for RulesEvaluated {
    async fn check(&mut self, api: &Api) -> bool {
        let Some(body) = api.get_json("/api/v1/rules", &[("type", "alert")]).await else {
            return false;
        };
        let rules: Vec<&serde_json::Value> = body["data"]["groups"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|g| g["rules"].as_array().into_iter().flatten())
            .collect();
        rules.len() == self.0 && rules.iter().all(|r| r["health"] == "ok")
    }
}
