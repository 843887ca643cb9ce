//! Webhook endpoint and API key pages: secrets shown once, bad input shown beside its
//! field, revocation.

mod dashboard_support;

use dashboard_support::{spawn, Browser};
use reqwest::StatusCode;

const PASSWORD: &str = "correct horse battery";

#[actix_rt::test]
async fn an_api_key_is_shown_once_and_can_be_revoked() {
    let app = spawn().await;
    let agency = Browser::new(&app);
    agency.sign_up("Acme", "keys@acme.example", PASSWORD).await;

    let empty = agency
        .submit("/api-keys", "/api-keys", &[("name", " ")])
        .await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(empty.body.contains("id=\"name-error\""));

    let made = agency
        .submit("/api-keys", "/api-keys", &[("name", "Bakery CMS")])
        .await;
    assert_eq!(made.status, StatusCode::OK, "{}", made.body);
    let at = made.body.find("id=\"new-key\">").unwrap() + "id=\"new-key\">".len();
    let key = made.body[at..at + made.body[at..].find('<').unwrap()].to_owned();
    assert!(key.len() > 40, "{key}");

    let listed = agency.get("/api-keys").await;
    assert!(listed.body.contains("Bakery CMS"));
    assert!(!listed.body.contains(&key), "the key is never shown again");

    let revoke = listed.body.find("/revoke").unwrap();
    let start = listed.body[..revoke].rfind('"').unwrap() + 1;
    let action = &listed.body[start..revoke + "/revoke".len()];
    let done = agency.submit("/api-keys", action, &[]).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    assert!(agency.get("/api-keys").await.body.contains("Revoked"));
}

#[actix_rt::test]
async fn a_webhook_endpoint_shows_its_secret_once_and_refuses_bad_urls() {
    let app = spawn().await;
    let agency = Browser::new(&app);
    agency.sign_up("Acme", "hooks@acme.example", PASSWORD).await;

    let bad = agency
        .submit("/webhooks", "/webhooks", &[("url", "ftp://example.test/x")])
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
    assert!(bad.body.contains("id=\"url-error\""));

    let made = agency
        .submit(
            "/webhooks",
            "/webhooks",
            &[("url", "http://127.0.0.1:9/hook"), ("description", "CMS")],
        )
        .await;
    assert_eq!(made.status, StatusCode::OK, "{}", made.body);
    assert!(made.body.contains("whsec_"), "{}", made.body);
    let listed = agency.get("/webhooks").await;
    assert!(listed.body.contains("http://127.0.0.1:9/hook"));
    assert!(
        !listed.body.contains("whsec_"),
        "the secret is never shown again"
    );
}

#[actix_rt::test]
async fn an_owner_invites_a_member_who_joins_once_and_cannot_invite() {
    let app = spawn().await;
    let owner = Browser::new(&app);
    owner.sign_up("Acme", "owner@team.example", PASSWORD).await;
    owner.create_tenant("Shared Client").await;

    let made = owner
        .submit(
            "/team",
            "/team/invitations",
            &[("email", "Member@Team.example"), ("role", "member")],
        )
        .await;
    assert_eq!(made.status, StatusCode::OK, "{}", made.body);
    let link = made
        .input("invite-link")
        .or_else(|| dashboard_support::input_value(&made.body, "invite-link"));
    let link = link.unwrap_or_else(|| {
        let at = made.body.find("/invite/").unwrap();
        let start = made.body[..at].rfind('"').unwrap() + 1;
        made.body[start..at + made.body[at..].find('"').unwrap()].to_owned()
    });

    let member = Browser::new(&app);
    let page = member.get(&link).await;
    assert!(page.body.contains("member@team.example"), "{}", page.body);
    let short = member.submit(&link, &link, &[("password", "short")]).await;
    assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY);
    let joined = member.submit(&link, &link, &[("password", PASSWORD)]).await;
    assert_eq!(joined.status, StatusCode::SEE_OTHER, "{}", joined.body);
    assert!(
        member.get("/tenants").await.body.contains("Shared Client"),
        "same agency"
    );

    let refused = member
        .submit("/team", "/team/invitations", &[("email", "x@team.example")])
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let again = Browser::new(&app).get(&link).await;
    assert_eq!(again.status, StatusCode::GONE, "an invitation works once");
}
