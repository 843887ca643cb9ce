//! Tenant isolation: another agency's user walks every dashboard route that takes an id
//! and gets the same 404 as for an id that does not exist, for reads and for writes.

mod dashboard_support;

use dashboard_support::{connect_everything, spawn, spawn_on, Browser, TestApp};
use reqwest::StatusCode;

const PASSWORD: &str = "correct horse battery";

/// The first `href` in `body` that starts with `prefix`.
fn first_link(body: &str, prefix: &str) -> Option<String> {
    let at = body.find(&format!("\"{prefix}"))? + 1;
    Some(body[at..at + body[at..].find('"')?].to_owned())
}

/// The value of the account radio labelled as a Facebook Page.
fn facebook_account(body: &str) -> Option<String> {
    let label = body.find("> Facebook Page")?;
    let at = body[..label].rfind("value=\"")? + "value=\"".len();
    Some(body[at..at + body[at..].find('"')?].to_owned())
}

#[actix_rt::test]
async fn another_agency_gets_404_on_every_route_with_an_id() {
    walk(&spawn().await).await;
}

#[actix_rt::test]
async fn another_agency_gets_404_everywhere_on_postgres_too() {
    let Some(app) = spawn_on(true).await else {
        println!("PostgreSQL suite skipped");
        return;
    };
    walk(&app).await;
}

/// Agency A builds a tenant with accounts and a post; agency B tries every route.
async fn walk(app: &TestApp) {
    // Agency A: a tenant with connected accounts and a post.
    let a = Browser::new(app);
    a.sign_up("Agency A", "a@agency.example", PASSWORD).await;
    let tenant = a.create_tenant("A's client").await;
    let connected = connect_everything(app, &a, &tenant).await;
    assert_eq!(connected.status, StatusCode::OK, "{}", connected.body);
    let accounts = a.get(&format!("/tenants/{tenant}/accounts")).await;
    let disconnect = first_link(&accounts.body, &format!("/tenants/{tenant}/connections/"))
        .expect("a connection to disconnect");
    let compose = a.get(&format!("/compose?tenant={tenant}")).await;
    let account = facebook_account(&compose.body).expect("a Page to post to");
    let csrf = compose.input("csrf").unwrap();
    let form = reqwest::multipart::Form::new()
        .text("csrf", csrf)
        .text("tenant", tenant.clone())
        .text("account", account)
        .text("kind", "fb_feed")
        .text("caption", "Fresh bread today")
        .text("when", "later")
        .text("publish_at", "2099-01-01T10:00");
    let posted = a.post_multipart("/compose", form).await;
    assert_eq!(posted.status, StatusCode::SEE_OTHER, "{}", posted.body);
    let post = posted.location.unwrap();

    // Agency B tries everything.
    let b = Browser::new(app);
    b.sign_up("Agency B", "b@agency.example", PASSWORD).await;
    let reads = [
        format!("/tenants/{tenant}"),
        format!("/tenants/{tenant}/accounts"),
        format!("/tenants/{tenant}/timeline"),
        format!("/tenants/{tenant}/charts"),
        post.clone(),
        format!("{post}/row"),
    ];
    for path in &reads {
        let page = b.get(path).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "GET {path}");
        assert!(
            !page.body.contains("A&#39;s client") && !page.body.contains("A's client"),
            "{path}"
        );
    }
    let writes = [
        format!("/tenants/{tenant}/rename"),
        format!("/tenants/{tenant}/archive"),
        format!("/tenants/{tenant}/connect-links"),
        format!("{post}/cancel"),
        format!("{post}/retry"),
        disconnect.clone(),
    ];
    for path in &writes {
        let page = b.submit("/tenants", path, &[("name", "Taken over")]).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "POST {path}");
    }
    let compose = b.get(&format!("/compose?tenant={tenant}")).await;
    assert!(
        !compose.body.contains("Bakery"),
        "B's compose page lists none of A's accounts"
    );

    // A still sees everything unchanged.
    let page = a.get(&format!("/tenants/{tenant}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("client"));
    assert!(!page.body.contains("Taken over"));
    assert!(a.get(&post).await.body.contains("Scheduled"));
    assert!(a
        .get(&format!("/tenants/{tenant}/accounts"))
        .await
        .body
        .contains("Disconnect"));
}
