//! The login dialog clicked through in headless Chromium (runs when HERALD_TEST_BROWSER=1).

mod common;

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use actix_web::{web, App, HttpResponse, HttpServer};
use common::*;
use fantoccini::{ClientBuilder, Locator};
use serde_json::{json, Value};

const APP: &str = "100000000000001";
const SECRET: &str = "sandbox-app-secret";

/// Kills the chromedriver this test started, whatever happens.
struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

async fn callback_app() -> String {
    let server = HttpServer::new(|| {
        App::new().route(
            "/cb",
            web::get().to(|| async { HttpResponse::Ok().body("connected") }),
        )
    })
    .workers(1)
    .bind(("127.0.0.1", 0))
    .expect("bind");
    let addr = server.addrs()[0];
    actix_web::rt::spawn(server.run());
    format!("http://{addr}/cb")
}

#[actix_web::test]
async fn dialog_grants_only_the_checked_pages_in_chromium() {
    if std::env::var("HERALD_TEST_BROWSER").as_deref() != Ok("1") {
        println!("browser test skipped (set HERALD_TEST_BROWSER=1)");
        return;
    }
    let env = start().await;
    let user = env.user().await;
    let redirect = callback_app().await;

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
        if env.http.get(format!("{wd}/status")).send().await.is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let caps = json!({"goog:chromeOptions": {"binary": "/usr/bin/chromium", "args": [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]}});
    let caps = caps.as_object().cloned().unwrap_or_default();
    let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&wd)
        .await
        .expect("webdriver session");

    let dialog = format!(
        "{}/www/{V}/dialog/oauth?client_id={APP}&redirect_uri={}&state=browser-state\
         &response_type=code&scope=pages_show_list,pages_manage_posts",
        env.base,
        url::form_urlencoded::byte_serialize(redirect.as_bytes()).collect::<String>()
    );
    let outcome = async {
        client.goto(&dialog).await?;
        let second = format!("input[name=page][value='{}']", page_id(&user, 1));
        client.find(Locator::Css(&second)).await?.click().await?;
        client.find(Locator::Id("continue")).await?.click().await?;
        for _ in 0..50 {
            let u = client.current_url().await?;
            if u.as_str().starts_with(&redirect) {
                return Ok::<_, fantoccini::error::CmdError>(u);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        client.current_url().await
    }
    .await;
    let _ = client.close().await;
    drop(driver);

    let back = outcome.expect("browser run");
    let q = |k: &str| {
        back.query_pairs()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.into_owned())
    };
    assert_eq!(q("state").as_deref(), Some("browser-state"), "{back}");
    let code = q("code").expect("code in redirect");
    let t: Value = env
        .http
        .get(env.graph("oauth/access_token"))
        .query(&[
            ("client_id", APP),
            ("client_secret", SECRET),
            ("redirect_uri", redirect.as_str()),
            ("code", code.as_str()),
        ])
        .send()
        .await
        .expect("exchange")
        .json()
        .await
        .expect("json");
    let (_, accts, _) = env
        .get(
            &env.graph("me/accounts"),
            t["access_token"].as_str().unwrap_or(""),
        )
        .await;
    let ids: Vec<&str> = accts["data"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|a| a["id"].as_str())
        .collect();
    assert_eq!(
        ids,
        vec![page_id(&user, 0).as_str()],
        "only the Page left checked is granted"
    );
}
