//! The client's webhook receiver: `tests/receivers/standard_webhooks_receiver.py` on
//! 127.0.0.1, which verifies each delivery with the `standardwebhooks` package from PyPI
//! (not Herald's code) and answers 400 to any it cannot verify.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use serde_json::Value;

/// A delivery as the receiver logged it.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub id: String,
    pub event_type: Option<String>,
    pub data: Value,
    /// Indexes of the secrets that verified its signature; empty when none did.
    pub verified_with: Vec<u64>,
}

/// The running receiver; killed when dropped.
pub struct Receiver {
    child: Child,
    pub base: String,
    http: reqwest::Client,
}

impl Drop for Receiver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Receiver {
    /// Starts the receiver with no secret yet: it refuses everything until told one.
    pub fn start() -> Self {
        let script = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/receivers/standard_webhooks_receiver.py"
        );
        let mut child = Command::new("python3")
            .arg(script)
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 runs the receiver");
        let stdout = child.stdout.take().expect("the receiver's stdout");
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).ok();
        let port = line.trim().strip_prefix("PORT ").unwrap_or_else(|| {
            panic!(
                "the webhook receiver did not start \
                 (pip install standardwebhooks): {line:?}"
            )
        });
        let base = format!("http://127.0.0.1:{port}");
        Self {
            child,
            base,
            http: reqwest::Client::builder().no_proxy().build().unwrap(),
        }
    }

    /// Tells the receiver the endpoint's signing secret (`whsec_…`).
    pub async fn trust(&self, secret: &str) {
        let response = self
            .http
            .post(format!("{}/_secrets", self.base))
            .body(secret.to_owned())
            .send()
            .await
            .expect("the receiver answers");
        assert_eq!(response.status(), 204, "the receiver took the secret");
    }

    /// Every delivery received so far, oldest first.
    pub async fn deliveries(&self) -> Vec<Delivery> {
        let log: Vec<Value> = self
            .http
            .get(format!("{}/_log", self.base))
            .send()
            .await
            .expect("the receiver answers")
            .json()
            .await
            .expect("the receiver's log is JSON");
        log.into_iter()
            .map(|entry| Delivery {
                id: entry["id"].as_str().unwrap_or_default().to_owned(),
                event_type: entry["type"].as_str().map(str::to_owned),
                data: entry["data"].clone(),
                verified_with: entry["verified_with"]
                    .as_array()
                    .map(|all| all.iter().filter_map(Value::as_u64).collect())
                    .unwrap_or_default(),
            })
            .collect()
    }
}
