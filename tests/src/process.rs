//! The `herald` binary as a child process on a free loopback port, with its own data
//! directory: the way a user runs it. Built once per test run.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// How long a started server may take to answer `/readyz`.
const READY_TIMEOUT: Duration = Duration::from_secs(60);

/// The workspace's root folder.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// The path of a freshly built `herald` binary. Builds it (debug) on first use; cargo
/// releases its build lock before running tests, so this does not deadlock.
pub fn herald_binary() -> PathBuf {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY
        .get_or_init(|| {
            let root = workspace_root();
            let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
                .args(["build", "--quiet", "-p", "herald-web", "--bin", "herald"])
                .current_dir(&root)
                .status()
                .expect("cargo must be runnable to build the herald binary");
            assert!(status.success(), "building the herald binary failed");
            let target = std::env::var_os("CARGO_TARGET_DIR")
                .map(PathBuf::from)
                .unwrap_or_else(|| root.join("target"));
            target.join("debug").join("herald")
        })
        .clone()
}

/// A free TCP port on 127.0.0.1.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .expect("a free loopback port")
}

/// A running `herald serve`.
pub struct HeraldProcess {
    pub base_url: String,
    pub port: u16,
    pub data_dir: PathBuf,
    env: Vec<(String, String)>,
    child: Option<Child>,
}

impl HeraldProcess {
    /// Starts `herald serve` on a free port with `data_dir`, extra environment variables
    /// and extra arguments, and waits until `/readyz` answers 200.
    pub fn start(data_dir: &Path, env: &[(&str, &str)]) -> Self {
        let port = free_port();
        let mut process = Self {
            base_url: format!("http://127.0.0.1:{port}"),
            port,
            data_dir: data_dir.to_owned(),
            env: env
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            child: None,
        };
        process.spawn();
        process
    }

    fn spawn_child(&mut self) {
        let mut command = Command::new(herald_binary());
        command
            .arg("serve")
            .env("HERALD_LISTEN", format!("127.0.0.1:{}", self.port))
            .env("HERALD_DATA_DIR", &self.data_dir)
            .env(
                "HERALD_LOG",
                std::env::var("HERALD_TEST_LOG").unwrap_or_else(|_| "warn".into()),
            )
            .stdin(Stdio::null())
            .stdout(self.log_file())
            .stderr(self.log_file());
        for (key, value) in &self.env {
            command.env(key, value);
        }
        let child = command.spawn().expect("the herald binary starts");
        self.child = Some(child);
    }

    fn spawn(&mut self) {
        self.spawn_child();
        self.wait_ready();
    }

    /// Whether the process has ended on its own (a crash, an abort at a fail-point).
    pub fn has_exited(&mut self) -> bool {
        match self.child.as_mut() {
            Some(child) => !matches!(child.try_wait(), Ok(None)),
            None => true,
        }
    }

    /// Starts the process again without waiting until it is ready: for crash loops, in
    /// which it may die again before it answers.
    pub fn respawn(&mut self) {
        self.kill();
        self.spawn_child();
    }

    fn log_file(&self) -> Stdio {
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.data_dir.join("herald.out"))
            .map(Stdio::from)
            .unwrap_or_else(|_| Stdio::null())
    }

    /// The API key `--demo` prints once at its first start, waiting up to `patience`
    /// for it (seeding many demo tenants takes a while).
    pub fn demo_api_key(&self, patience: Duration) -> String {
        let deadline = Instant::now() + patience;
        loop {
            let output = self.output();
            let key = output
                .lines()
                .find_map(|l| l.strip_prefix("Demo API key (shown once): "))
                .map(|key| key.trim().to_owned());
            if let Some(key) = key {
                return key;
            }
            assert!(
                Instant::now() < deadline,
                "the demo API key was never printed:\n{output}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Everything the process printed so far (stdout and stderr, every run).
    pub fn output(&self) -> String {
        std::fs::read_to_string(self.data_dir.join("herald.out")).unwrap_or_default()
    }

    /// Blocks until `/readyz` answers 200, or panics with what the server said.
    pub fn wait_ready(&mut self) {
        let deadline = Instant::now() + READY_TIMEOUT;
        let url = format!("{}/readyz", self.base_url);
        let mut last = String::from("no answer");
        while Instant::now() < deadline {
            if let Some(child) = self.child.as_mut() {
                if let Ok(Some(status)) = child.try_wait() {
                    panic!("herald exited before it was ready: {status}");
                }
            }
            match ureq_get(&url) {
                Ok((200, _)) => return,
                Ok((status, body)) => last = format!("HTTP {status}: {body}"),
                Err(err) => last = err,
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("herald was not ready within {READY_TIMEOUT:?}: {last}");
    }

    /// Kills the process at once (SIGKILL), as a crash would.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts the process again on the same port and data directory.
    pub fn restart(&mut self) {
        self.kill();
        self.spawn();
    }

    /// Freezes the process (SIGSTOP), as a long GC pause or a stalled VM would.
    pub fn pause(&self) {
        self.signal("-STOP");
    }

    /// Lets a paused process run on (SIGCONT).
    pub fn resume(&self) {
        self.signal("-CONT");
    }

    fn signal(&self, signal: &str) {
        let pid = self.pid().expect("the process runs").to_string();
        let status = Command::new("kill")
            .args([signal, &pid])
            .status()
            .expect("`kill` runs");
        assert!(status.success(), "kill {signal} {pid} failed");
    }

    /// The child's process id, while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }
}

impl Drop for HeraldProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A tiny blocking GET over a raw socket, so the harness needs no async runtime.
fn ureq_get(url: &str) -> Result<(u16, String), String> {
    use std::io::{Read, Write};
    let rest = url.strip_prefix("http://").ok_or("only http:// URLs")?;
    let (host, path) = rest
        .split_once('/')
        .map(|(h, p)| (h, format!("/{p}")))
        .unwrap_or((rest, "/".into()));
    let addr = host
        .parse::<std::net::SocketAddr>()
        .map_err(|e| e.to_string())?;
    let mut stream = std::net::TcpStream::connect_timeout(&addr, Duration::from_secs(2))
        .map_err(|e| e.to_string())?;
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .map_err(|e| e.to_string())?;
    write!(stream, "GET {path} HTTP/1.0\r\nHost: {host}\r\n\r\n").map_err(|e| e.to_string())?;
    let mut response = String::new();
    stream
        .read_to_string(&mut response)
        .map_err(|e| e.to_string())?;
    let status = response
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or("not HTTP")?;
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    Ok((status, body))
}

/// `herald sandbox` on its own port: a Meta that outlives the Herald processes a test kills.
pub struct SandboxProcess {
    pub base_url: String,
    child: Child,
}

impl SandboxProcess {
    pub fn start() -> Self {
        let port = free_port();
        let child = Command::new(herald_binary())
            .args(["sandbox", "--listen", &format!("127.0.0.1:{port}")])
            .env("HERALD_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .spawn()
            .expect("the sandbox starts");
        let base_url = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + READY_TIMEOUT;
        while ureq_get(&format!("{base_url}/_sandbox/clock")).map(|(s, _)| s) != Ok(200) {
            assert!(Instant::now() < deadline, "the sandbox did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        Self { base_url, child }
    }
}

impl Drop for SandboxProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
