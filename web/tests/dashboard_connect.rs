//! The connect flow end to end against the sandbox's Facebook Login dialog: the client's
//! page names the agency, the grant is stored through the vault and said in plain words
//! (including a Page granted without its Instagram account), and cancel, replayed
//! callbacks and expired links get their own clear pages.

mod dashboard_support;

use chrono::Duration;
use dashboard_support::{input_value, spawn, Browser, Page, TestApp};
use reqwest::StatusCode;

const PASSWORD: &str = "correct horse battery";

/// Creates a sandbox user with a Page linked to an IG account and a Page without one.
async fn sandbox_user(app: &TestApp) {
    let response = reqwest::Client::new()
        .post(format!("{}/sandbox/_sandbox/users", app.base))
        .json(&serde_json::json!({
            "name": "Client Person",
            "pages": [{"name": "Bakery", "instagram": true}, {"name": "Bookshop", "instagram": false}]
        }))
        .send()
        .await
        .unwrap();
    assert!(
        response.status().is_success(),
        "{}",
        response.text().await.unwrap()
    );
}

/// An agency with a tenant and a fresh connect link; returns (agency browser, link URL).
async fn agency_with_link(app: &TestApp) -> (Browser, String, String) {
    let agency = Browser::new(app);
    agency
        .sign_up("Acme Social", "connect@acme.example", PASSWORD)
        .await;
    let tenant = agency.create_tenant("Bakery Client").await;
    let page = agency
        .submit(
            &format!("/tenants/{tenant}"),
            &format!("/tenants/{tenant}/connect-links"),
            &[],
        )
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let url = page
        .input("connect-link")
        .or_else(|| input_value(&page.body, "connect-link"));
    let url = url.or_else(|| {
        let at = page.body.find("/connect/")?;
        let start = page.body[..at].rfind('"')? + 1;
        let end = at + page.body[at..].find('"')?;
        Some(page.body[start..end].to_owned())
    });
    (agency, tenant, url.expect("the link is shown once"))
}

/// Opens the link, starts Facebook Login and returns the dialog page.
async fn open_dialog(client: &Browser, link: &str) -> (Page, String) {
    let page = client.get(link).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(
        page.body
            .contains("Acme Social asks to publish for Bakery Client"),
        "{}",
        page.body
    );
    let token = page.input("link").unwrap();
    let csrf = page.input("csrf").unwrap();
    let started = client
        .post(
            "/oauth/facebook/start",
            &[("csrf", &csrf), ("link", &token)],
        )
        .await;
    assert_eq!(started.status, StatusCode::SEE_OTHER, "{}", started.body);
    let dialog_url = started.location.unwrap();
    assert!(
        dialog_url.contains("code_challenge_method=S256"),
        "{dialog_url}"
    );
    assert!(dialog_url.contains("state="), "{dialog_url}");
    let dialog = client.get(&dialog_url).await;
    assert_eq!(dialog.status, StatusCode::OK, "{}", dialog.body);
    (dialog, dialog_url)
}

/// Answers the dialog: `decision` is `continue` or `cancel`; `pages` and `igs` are the
/// checkbox values to keep ticked (`None`: all of them).
async fn decide(
    client: &Browser,
    dialog: &Page,
    dialog_url: &str,
    decision: &str,
    keep_igs: bool,
) -> Page {
    let action = dialog_url.split('?').next().unwrap().to_owned() + "/decide";
    let mut fields: Vec<(String, String)> = Vec::new();
    for name in [
        "client_id",
        "redirect_uri",
        "state",
        "scope",
        "code_challenge",
        "code_challenge_method",
        "user_id",
    ] {
        if let Some(value) = dialog.input(name) {
            fields.push((name.to_owned(), value));
        }
    }
    let mut rest = dialog.body.as_str();
    while let Some(at) = rest.find("type=\"checkbox\" name=\"") {
        rest = &rest[at + "type=\"checkbox\" name=\"".len()..];
        let name = &rest[..rest.find('"').unwrap()];
        let value = input_value(
            &format!(
                "<input name=\"{name}\"{}",
                &rest[rest.find('"').unwrap() + 1..]
            ),
            name,
        )
        .unwrap();
        if name == "page" || keep_igs {
            fields.push((name.to_owned(), value));
        }
    }
    fields.push(("decision".into(), decision.into()));
    let refs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let answer = client.post(&action, &refs).await;
    assert_eq!(answer.status, StatusCode::FOUND, "{}", answer.body);
    let callback = answer.location.unwrap();
    assert!(callback.contains("/oauth/facebook/callback"), "{callback}");
    client.get(&callback).await
}

#[actix_rt::test]
async fn a_client_grants_pages_and_the_agency_sees_the_accounts() {
    let app = spawn().await;
    sandbox_user(&app).await;
    let (agency, tenant, link) = agency_with_link(&app).await;

    let client = Browser::new(&app);
    let (dialog, dialog_url) = open_dialog(&client, &link).await;
    let result = decide(&client, &dialog, &dialog_url, "continue", true).await;
    assert_eq!(result.status, StatusCode::OK, "{}", result.body);
    assert!(
        result.body.contains("can now publish for Bakery Client"),
        "{}",
        result.body
    );
    assert!(result.body.contains("Bakery"));
    assert!(result.body.contains("@bakery_"), "{}", result.body);
    assert!(
        result
            .body
            .contains("The Page Bookshop came without an Instagram account"),
        "{}",
        result.body
    );

    let page = agency.get(&format!("/tenants/{tenant}")).await;
    assert!(page.body.contains("Bookshop"), "{}", page.body);
    assert!(page.body.contains("Instagram"));
    assert!(page.body.contains("Active"));
}

#[actix_rt::test]
async fn a_page_granted_without_its_instagram_account_is_explained() {
    let app = spawn().await;
    sandbox_user(&app).await;
    let (_, _, link) = agency_with_link(&app).await;

    let client = Browser::new(&app);
    let (dialog, dialog_url) = open_dialog(&client, &link).await;
    let result = decide(&client, &dialog, &dialog_url, "continue", false).await;
    assert_eq!(result.status, StatusCode::OK, "{}", result.body);
    // The sandbox, like Meta, hides an IG account the token was not granted for: the
    // page says both possible reasons.
    assert!(
        result
            .body
            .contains("The Page Bakery came without an Instagram account"),
        "{}",
        result.body
    );
    assert!(
        !result.body.contains("connected-instagram"),
        "no IG account is listed as connected"
    );
}

#[actix_rt::test]
async fn cancel_and_a_replayed_callback_get_clear_pages() {
    let app = spawn().await;
    sandbox_user(&app).await;
    let (_, _, link) = agency_with_link(&app).await;

    let client = Browser::new(&app);
    let (dialog, dialog_url) = open_dialog(&client, &link).await;
    let cancelled = decide(&client, &dialog, &dialog_url, "cancel", true).await;
    assert!(
        cancelled.body.contains("You cancelled"),
        "{}",
        cancelled.body
    );

    let (dialog, dialog_url) = open_dialog(&client, &link).await;
    let action = dialog_url.split('?').next().unwrap().to_owned() + "/decide";
    let fields: Vec<(String, String)> = [
        "client_id",
        "redirect_uri",
        "state",
        "scope",
        "code_challenge",
        "code_challenge_method",
        "user_id",
    ]
    .iter()
    .filter_map(|n| dialog.input(n).map(|v| (n.to_string(), v)))
    .chain([("decision".to_owned(), "continue".to_owned())])
    .collect();
    let refs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let callback = client.post(&action, &refs).await.location.unwrap();
    let first = client.get(&callback).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    let replay = client.get(&callback).await;
    assert_eq!(replay.status, StatusCode::CONFLICT);
    assert!(replay.body.contains("already used"), "{}", replay.body);

    let forged = client
        .get("/oauth/facebook/callback?code=x&state=made-up")
        .await;
    assert_eq!(forged.status, StatusCode::BAD_REQUEST);
    assert!(forged.body.contains("not valid"));
}

#[actix_rt::test]
async fn a_state_from_another_browser_is_refused() {
    let app = spawn().await;
    sandbox_user(&app).await;
    let (_, _, link) = agency_with_link(&app).await;

    let client = Browser::new(&app);
    let (dialog, dialog_url) = open_dialog(&client, &link).await;
    let victim = Browser::new(&app);
    let action = dialog_url.split('?').next().unwrap().to_owned() + "/decide";
    let fields: Vec<(String, String)> = [
        "client_id",
        "redirect_uri",
        "state",
        "scope",
        "code_challenge",
        "code_challenge_method",
        "user_id",
    ]
    .iter()
    .filter_map(|n| dialog.input(n).map(|v| (n.to_string(), v)))
    .chain([("decision".to_owned(), "continue".to_owned())])
    .collect();
    let refs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let callback = client.post(&action, &refs).await.location.unwrap();
    let page = victim.get(&callback).await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST, "{}", page.body);
}

#[actix_rt::test]
async fn unknown_and_expired_links_say_so() {
    let app = spawn().await;
    let (_, _, link) = agency_with_link(&app).await;
    let client = Browser::new(&app);

    let unknown = client.get(&format!("/connect/{}", "ab".repeat(32))).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert!(unknown.body.contains("This link does not work"));

    app.clock.advance(Duration::days(8));
    let expired = client.get(&link).await;
    assert_eq!(expired.status, StatusCode::GONE);
    assert!(
        expired
            .body
            .contains("Ask Acme Social to send you a new one"),
        "{}",
        expired.body
    );
}

#[actix_rt::test]
async fn an_instagram_account_connects_with_instagram_login_alone() {
    let app = spawn().await;
    let response = reqwest::Client::new()
        .post(format!("{}/sandbox/_sandbox/users", app.base))
        .json(&serde_json::json!({"name": "Solo Creator", "instagram_login": true}))
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success());
    let (agency, tenant, link) = agency_with_link(&app).await;

    let client = Browser::new(&app);
    let page = client.get(&link).await;
    let (token, csrf) = (page.input("link").unwrap(), page.input("csrf").unwrap());
    let started = client
        .post(
            "/oauth/instagram/start",
            &[("csrf", &csrf), ("link", &token)],
        )
        .await;
    assert_eq!(started.status, StatusCode::SEE_OTHER, "{}", started.body);
    let dialog_url = started.location.unwrap();
    assert!(
        dialog_url.contains("/ig-www/oauth/authorize"),
        "{dialog_url}"
    );
    let dialog = client.get(&dialog_url).await;
    assert_eq!(dialog.status, StatusCode::OK, "{}", dialog.body);

    let action = dialog_url.split('?').next().unwrap().to_owned() + "/decide";
    let mut fields: Vec<(String, String)> =
        ["client_id", "redirect_uri", "state", "scope", "user_id"]
            .iter()
            .filter_map(|n| dialog.input(n).map(|v| (n.to_string(), v)))
            .collect();
    fields.push((
        "ig".into(),
        dialog.input("ig").expect("the IG account to tick"),
    ));
    fields.push(("decision".into(), "continue".into()));
    let refs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let answer = client.post(&action, &refs).await;
    let callback = answer.location.expect("a redirect back");
    assert!(callback.contains("/oauth/instagram/callback"), "{callback}");
    let result = client.get(&callback).await;
    assert_eq!(result.status, StatusCode::OK, "{}", result.body);
    assert!(
        result.body.contains("can now publish for Bakery Client"),
        "{}",
        result.body
    );
    assert!(result.body.contains("connected-instagram"));

    let accounts = agency.get(&format!("/tenants/{tenant}/accounts")).await;
    assert!(
        accounts.body.contains("Instagram Login"),
        "{}",
        accounts.body
    );
    assert!(accounts.body.contains("Active"));
    let replay = client.get(&callback).await;
    assert_eq!(replay.status, StatusCode::CONFLICT);
}
