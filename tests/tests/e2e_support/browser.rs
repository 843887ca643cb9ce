//! Debian's Chromium, headless, through `chromium-driver` on a free loopback port, and the
//! few gestures a user makes: type, click, pick a radio button, wait for words.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};

use super::repo_file;

/// How long a page may take to show what a step waits for.
const PAGE_WAIT: Duration = Duration::from_secs(15);

/// The chromedriver this test started; killed whatever happens.
pub struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

/// Starts chromedriver and opens a headless Chromium session through it.
pub async fn start() -> (Driver, Client) {
    let port = free_port();
    let driver = Driver(
        Command::new("/usr/bin/chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts (apt-get install chromium chromium-driver)"),
    );
    let wd = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    for _ in 0..100 {
        if http.get(format!("{wd}/status")).send().await.is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let caps = serde_json::json!({"goog:chromeOptions": {"binary": "/usr/bin/chromium", "args": [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run",
        "--no-proxy-server", "--window-size=1280,1000"]}});
    let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps.as_object().cloned().unwrap_or_default())
        .connect(&wd)
        .await
        .expect("a webdriver session");
    (driver, client)
}

/// Saves a screenshot to `artifacts/screenshots/NAME.png`.
pub async fn screenshot(client: &Client, name: &str) {
    let dir = repo_file("artifacts/screenshots");
    let _ = std::fs::create_dir_all(&dir);
    if let Ok(png) = client.screenshot().await {
        let _ = std::fs::write(dir.join(format!("{name}.png")), png);
    }
}

/// Types `text` into the field `css` (after clearing it).
pub async fn fill(client: &Client, css: &str, text: &str) {
    let field = client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"));
    field.clear().await.ok();
    field
        .send_keys(text)
        .await
        .unwrap_or_else(|e| panic!("typing into {css}: {e}"));
}

/// Clicks the element `css`.
pub async fn click(client: &Client, css: &str) {
    client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .click()
        .await
        .unwrap_or_else(|e| panic!("clicking {css}: {e}"));
}

/// Clicks the link whose text is `words`.
pub async fn follow(client: &Client, words: &str) {
    client
        .find(Locator::LinkText(words))
        .await
        .unwrap_or_else(|e| panic!("link {words:?}: {e}"))
        .click()
        .await
        .unwrap_or_else(|e| panic!("clicking {words:?}: {e}"));
}

/// Clicks the radio button or checkbox whose label contains `label`.
pub async fn pick(client: &Client, label: &str) {
    let xpath = format!("//label[contains(., '{label}')]/input");
    client
        .find(Locator::XPath(&xpath))
        .await
        .unwrap_or_else(|e| panic!("the choice {label:?}: {e}"))
        .click()
        .await
        .unwrap_or_else(|e| panic!("choosing {label:?}: {e}"));
}

/// The page's visible text.
pub async fn text(client: &Client) -> String {
    for _ in 0..50 {
        if let Ok(body) = client.find(Locator::Css("body")).await {
            if let Ok(text) = body.text().await {
                return text;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the page has no readable body");
}

/// Waits until the page's text contains `needle` (pages load after a click), returning it.
pub async fn wait_for(client: &Client, needle: &str) -> String {
    let deadline = Instant::now() + PAGE_WAIT;
    let mut last;
    loop {
        last = text(client).await;
        if last.contains(needle) {
            return last;
        }
        if Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let url = client.current_url().await.map(|u| u.to_string());
    panic!("`{needle}` never appeared on {url:?}; the page says:\n{last}");
}

/// The `value` property of the field `css`.
pub async fn value(client: &Client, css: &str) -> String {
    client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .prop("value")
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .unwrap_or_default()
}
