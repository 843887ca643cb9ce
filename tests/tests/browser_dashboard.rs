//! The dashboard in a real browser (Debian's Chromium through chromedriver), gated by
//! `HERALD_TEST_BROWSER=1`: sign up → create a tenant → open its connect link → grant in
//! the sandbox dialog → compose a post with an uploaded file → see it in the timeline;
//! and the failure paths: a wrong password, a cancelled dialog, a validation error shown
//! inline, and a form posted without its CSRF token. Screenshots of the main pages go to
//! `artifacts/screenshots/`.

#[path = "../../web/tests/dashboard_support/mod.rs"]
mod dashboard_support;

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use dashboard_support::{sandbox_user, spawn};
use fantoccini::{Client, ClientBuilder, Locator};

const PASSWORD: &str = "correct horse battery";

/// Kills the chromedriver this test started, whatever happens.
struct Driver(Child);

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
        .unwrap_or(9515)
}

fn repo_file(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(path)
}

async fn browser() -> (Driver, Client) {
    let port = free_port();
    let driver = Driver(
        Command::new("/usr/bin/chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts"),
    );
    let wd = format!("http://127.0.0.1:{port}");
    for _ in 0..100 {
        if reqwest::get(format!("{wd}/status")).await.is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let caps = serde_json::json!({"goog:chromeOptions": {"binary": "/usr/bin/chromium", "args": [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run",
        "--window-size=1280,900"]}});
    let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps.as_object().cloned().unwrap_or_default())
        .connect(&wd)
        .await
        .expect("a webdriver session");
    (driver, client)
}

async fn screenshot(client: &Client, name: &str) {
    let dir = repo_file("artifacts/screenshots");
    let _ = std::fs::create_dir_all(&dir);
    if let Ok(png) = client.screenshot().await {
        let _ = std::fs::write(dir.join(format!("{name}.png")), png);
    }
}

async fn fill(client: &Client, css: &str, text: &str) {
    let field = client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"));
    field.clear().await.ok();
    field.send_keys(text).await.unwrap();
}

async fn click(client: &Client, css: &str) {
    client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .click()
        .await
        .unwrap();
}

async fn text(client: &Client) -> String {
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
async fn wait_for(client: &Client, needle: &str) -> String {
    let mut last = String::new();
    for _ in 0..100 {
        last = text(client).await;
        if last.contains(needle) {
            return last;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("`{needle}` never appeared; the page says: {last}");
}

fn skipped() -> bool {
    if std::env::var("HERALD_TEST_BROWSER").as_deref() != Ok("1") {
        println!("browser test skipped (set HERALD_TEST_BROWSER=1)");
        return true;
    }
    false
}

/// Clicks the radio button whose label contains `label`.
async fn pick(client: &Client, label: &str) {
    let xpath = format!("//label[contains(., '{label}')]/input");
    client
        .find(Locator::XPath(&xpath))
        .await
        .unwrap_or_else(|e| panic!("{label}: {e}"))
        .click()
        .await
        .unwrap();
}

#[actix_rt::test]
async fn an_agency_connects_a_client_and_schedules_a_post() {
    if skipped() {
        return;
    }
    let app = spawn().await;
    sandbox_user(&app).await;
    let (_driver, client) = browser().await;
    let base = app.base.clone();

    // Sign up.
    client.goto(&format!("{base}/signup")).await.unwrap();
    fill(&client, "#agency_name", "Acme Social").await;
    fill(&client, "#email", "owner@acme.example").await;
    fill(&client, "#password", PASSWORD).await;
    fill(&client, "#time_zone", "Europe/Paris").await;
    screenshot(&client, "signup").await;
    click(&client, "button[type=submit]").await;
    wait_for(&client, "New tenant").await;

    // A tenant and its connect link.
    fill(&client, "#name", "Bakery Client").await;
    click(&client, "form[action='/tenants'] button").await;
    wait_for(&client, "Create a connect link").await;
    click(&client, "form[action$='/connect-links'] button").await;
    wait_for(&client, "Connect link ready").await;
    let link = client
        .find(Locator::Id("connect-link"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap();
    let link = link.expect("the connect link is shown");
    screenshot(&client, "tenant").await;

    // The client grants everything in the sandbox dialog.
    client.goto(&link).await.unwrap();
    wait_for(&client, "Acme Social asks to publish for Bakery Client").await;
    screenshot(&client, "connect-link").await;
    click(&client, "#continue-facebook").await;
    wait_for(&client, "Log in with Facebook").await;
    screenshot(&client, "sandbox-dialog").await;
    click(&client, "#continue").await;
    wait_for(&client, "can now publish for Bakery Client").await;
    screenshot(&client, "connect-result").await;

    // Compose an Instagram image from an uploaded JPEG, with live caption counts.
    client.goto(&format!("{base}/tenants")).await.unwrap();
    screenshot(&client, "tenants").await;
    client
        .find(Locator::LinkText("Bakery Client"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for(&client, "Latest posts").await;
    client
        .find(Locator::LinkText("Compose a post"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for(&client, "Kind of post").await;
    pick(&client, "Instagram @bakery_").await;
    pick(&client, "Instagram: one image").await;
    let jpeg = repo_file("tests/fixtures/media/square_1080.jpg")
        .canonicalize()
        .unwrap();
    fill(&client, "#files", jpeg.to_str().unwrap()).await;
    fill(&client, "#caption", "Fresh bread #bakery @neighbour").await;
    let counts = client
        .find(Locator::Id("caption-counts"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        counts.contains("1 / 30 hashtags") && counts.contains("1 / 20 mentions"),
        "{counts}"
    );
    screenshot(&client, "compose").await;
    click(&client, "#schedule").await;
    wait_for(&client, "History").await;
    let post = text(&client).await;
    assert!(
        post.contains("Queued to publish") || post.contains("Published"),
        "{post}"
    );
    screenshot(&client, "post").await;

    // It is in the timeline.
    client.goto(&format!("{base}/timeline")).await.unwrap();
    let timeline = text(&client).await;
    assert!(timeline.contains("Fresh bread #bakery"), "{timeline}");
    assert!(timeline.contains("Bakery Client"));
    screenshot(&client, "timeline").await;
    client.close().await.ok();
}

#[actix_rt::test]
async fn failure_paths_are_clear_in_the_browser() {
    if skipped() {
        return;
    }
    let app = spawn().await;
    sandbox_user(&app).await;
    let (_driver, client) = browser().await;
    let base = app.base.clone();

    client.goto(&format!("{base}/signup")).await.unwrap();
    fill(&client, "#agency_name", "Acme Social").await;
    fill(&client, "#email", "fail@acme.example").await;
    fill(&client, "#password", PASSWORD).await;
    click(&client, "button[type=submit]").await;
    wait_for(&client, "New tenant").await;

    // A form whose CSRF token was removed is refused.
    client
        .execute(
            "document.querySelector(\"form[action='/tenants'] input[name=csrf]\").remove()",
            vec![],
        )
        .await
        .unwrap();
    fill(&client, "#name", "Sneaky").await;
    click(&client, "form[action='/tenants'] button").await;
    wait_for(&client, "Form expired").await;

    // An inline validation error: a reel from a one-second video with an overlong caption.
    client.goto(&format!("{base}/tenants")).await.unwrap();
    fill(&client, "#name", "Bakery Client").await;
    click(&client, "form[action='/tenants'] button").await;
    wait_for(&client, "Create a connect link").await;
    click(&client, "form[action$='/connect-links'] button").await;
    wait_for(&client, "Connect link ready").await;
    let link = client
        .find(Locator::Id("connect-link"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap()
        .unwrap();

    // Cancel in the dialog first, then grant.
    client.goto(&link).await.unwrap();
    click(&client, "#continue-facebook").await;
    wait_for(&client, "Log in with Facebook").await;
    click(&client, "#cancel").await;
    wait_for(&client, "You cancelled").await;
    screenshot(&client, "connect-cancelled").await;
    client.goto(&link).await.unwrap();
    click(&client, "#continue-facebook").await;
    wait_for(&client, "Log in with Facebook").await;
    click(&client, "#continue").await;
    wait_for(&client, "can now publish").await;

    client.goto(&format!("{base}/tenants")).await.unwrap();
    client
        .find(Locator::LinkText("Bakery Client"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for(&client, "Latest posts").await;
    client
        .find(Locator::LinkText("Compose a post"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for(&client, "Kind of post").await;
    pick(&client, "Instagram @bakery_").await;
    pick(&client, "Instagram: reel").await;
    let short = repo_file("tests/fixtures/media/too_short_1s.mp4")
        .canonicalize()
        .unwrap();
    fill(&client, "#files", short.to_str().unwrap()).await;
    click(&client, "#schedule").await;
    wait_for(&client, "Media:").await;
    let error = client
        .find(Locator::Id("media-error"))
        .await
        .expect("the error is beside the media field");
    assert!(!error.text().await.unwrap().is_empty());
    screenshot(&client, "compose-error").await;

    // A wrong password.
    client
        .find(Locator::Css("form[action='/logout'] button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for(&client, "Log in").await;
    fill(&client, "#email", "fail@acme.example").await;
    fill(&client, "#password", "not the password").await;
    click(&client, "button[type=submit]").await;
    wait_for(&client, "The e-mail address or the password is wrong.").await;
    screenshot(&client, "login-wrong-password").await;
    client.close().await.ok();
}
