//! The Graph client's login and token helpers against the sandbox: the Facebook Login
//! dialog with `state` and PKCE, code exchange, long-lived token, `debug_token` with
//! granular scopes, the granted Pages and their IG accounts; Instagram Login's exchange,
//! long-lived token and refresh.

use chrono::Duration;
use herald_graph::{new_state, GraphClient, Pkce};
use herald_tests::adapter_harness::{SandboxHandle, TestContext};
use url::Url;

const REDIRECT: &str = "http://127.0.0.1:9/callback";

/// Clicks "Continue" on a dialog for `user_id`, granting `grants` (`("page", id)`,
/// `("ig", id)`), and returns the redirect's query.
async fn consent(dialog: &Url, user_id: &str, grants: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut form: Vec<(String, String)> = dialog.query_pairs().into_owned().collect();
    form.push(("user_id".into(), user_id.into()));
    form.push(("decision".into(), "continue".into()));
    form.extend(
        grants
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
    );
    let mut decide = dialog.clone();
    decide.set_query(None);
    decide.set_path(&format!("{}/decide", dialog.path()));
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let answer = http
        .post(decide)
        .form(&form)
        .send()
        .await
        .expect("dialog answers");
    assert_eq!(
        answer.status(),
        302,
        "{}",
        answer.text().await.unwrap_or_default()
    );
    let location = answer.headers()["location"].to_str().unwrap().to_owned();
    let location = Url::parse(&location).expect("redirect URL");
    assert!(location.as_str().starts_with(REDIRECT), "{location}");
    location.query_pairs().into_owned().collect()
}

fn param<'a>(query: &'a [(String, String)], key: &str) -> &'a str {
    query
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
        .unwrap_or_default()
}

#[actix_rt::test]
async fn facebook_login_grants_pages_and_their_instagram_accounts() {
    let sandbox = SandboxHandle::start().await.expect("sandbox starts");
    let user = sandbox.user(true, false).await;
    let client: GraphClient = sandbox.graph_client();
    let page = &user.pages[0];
    let (ig_id, ig_username) = page.instagram.clone().expect("linked IG account");

    let state = new_state();
    let pkce = Pkce::generate();
    let scopes = [
        "pages_show_list",
        "pages_manage_posts",
        "instagram_basic",
        "instagram_content_publish",
    ];
    let dialog = client.facebook_dialog_url(REDIRECT, &state, &scopes, Some(&pkce));
    let query = consent(&dialog, &user.id, &[("page", &page.id), ("ig", &ig_id)]).await;
    assert_eq!(param(&query, "state"), state, "state comes back unchanged");

    // A wrong verifier is refused; the right one is accepted.
    let code = param(&query, "code").to_owned();
    let wrong = Pkce::generate();
    assert!(client
        .exchange_code(&code, REDIRECT, Some(&wrong.verifier))
        .await
        .is_err());
    let query = consent(&dialog, &user.id, &[("page", &page.id), ("ig", &ig_id)]).await;
    let short = client
        .exchange_code(param(&query, "code"), REDIRECT, Some(&pkce.verifier))
        .await
        .expect("code exchange");
    let long = client
        .long_lived_token(&short.access_token)
        .await
        .expect("long-lived");
    assert!(
        long.expires_in.is_some_and(|s| s > 5_000_000),
        "about 60 days: {:?}",
        long.expires_in
    );

    let debug = client
        .debug_token(&long.access_token)
        .await
        .expect("debug_token");
    assert!(debug.is_valid);
    assert_eq!(
        debug.targets_of("pages_manage_posts"),
        Some(&[page.id.clone()][..])
    );

    let pages = client.pages(&long.access_token).await.expect("me/accounts");
    assert_eq!(pages.len(), 1);
    assert_eq!(pages[0].id, page.id);
    let linked = client
        .page_instagram_account(&page.id, &pages[0].access_token)
        .await
        .expect("page's IG account");
    assert_eq!(
        linked.map(|a| (a.id, a.username)),
        Some((ig_id, Some(ig_username)))
    );
}

#[actix_rt::test]
async fn instagram_login_exchanges_and_refreshes_tokens() {
    let sandbox = SandboxHandle::start().await.expect("sandbox starts");
    let user = sandbox.user(false, true).await;
    let client = sandbox.graph_client();
    let (ig_id, _) = user.instagram_login.clone().expect("IG Login account");

    let state = new_state();
    let authorize = client.instagram_authorize_url(
        REDIRECT,
        &state,
        &[
            "instagram_business_basic",
            "instagram_business_content_publish",
        ],
    );
    let query = consent(&authorize, &user.id, &[("ig", &ig_id)]).await;
    assert_eq!(param(&query, "state"), state);

    let short = client
        .instagram_exchange_code(param(&query, "code"), REDIRECT)
        .await
        .expect("exchange");
    assert_eq!(short.user_id.as_deref(), Some(ig_id.as_str()));
    let long = client
        .instagram_long_lived_token(&short.access_token)
        .await
        .expect("long-lived");

    // Refresh works only for a token at least 24 hours old.
    assert!(client
        .instagram_refresh_token(&long.access_token)
        .await
        .is_err());
    sandbox
        .advance(&TestContext::new(), Duration::hours(25))
        .await;
    let fresh = client
        .instagram_refresh_token(&long.access_token)
        .await
        .expect("refresh");
    assert_ne!(fresh.access_token, long.access_token);
    assert!(
        !format!("{fresh:?}").contains(fresh.access_token.expose()),
        "tokens never print"
    );
}

#[actix_rt::test]
async fn a_failed_exchange_never_shows_the_app_secret() {
    let sandbox = SandboxHandle::start().await.expect("sandbox starts");
    let client = sandbox.graph_client();
    let err = client
        .exchange_code("bogus", REDIRECT, None)
        .await
        .expect_err("bad code");
    let shown = format!("{err} {err:?}");
    assert!(
        !shown.contains(client.config().app_secret.expose()),
        "{shown}"
    );
}
