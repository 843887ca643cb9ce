//! Agency accounts and sessions through real HTTP: sign-up, log-in, wrong passwords,
//! throttling, CSRF-less posts refused, cookies' attributes, log-out, and idle and absolute
//! session expiry.

mod dashboard_support;

use chrono::Duration;
use dashboard_support::{spawn, spawn_on, Browser};
use reqwest::StatusCode;

const PASSWORD: &str = "correct horse battery";

#[actix_rt::test]
async fn sign_up_lands_on_the_tenant_list_with_a_safe_session_cookie() {
    let app = spawn().await;
    let browser = Browser::new(&app);

    let page = browser
        .sign_up("Acme Social", "Owner@Acme.example", PASSWORD)
        .await;
    assert_eq!(page.location.as_deref(), Some("/"));
    let session = browser
        .set_cookies
        .lock()
        .unwrap()
        .iter()
        .find(|c| c.starts_with("herald_session="))
        .cloned()
        .expect("a session cookie");
    assert!(session.contains("HttpOnly"), "{session}");
    assert!(session.contains("SameSite=Lax"), "{session}");
    assert!(
        !session.contains("Secure"),
        "plain http must not mark it Secure: {session}"
    );

    let home = browser.get("/").await;
    assert_eq!(home.location.as_deref(), Some("/tenants"));
    let tenants = browser.get("/tenants").await;
    assert_eq!(tenants.status, StatusCode::OK);
    assert!(tenants.body.contains("Acme Social"));
    assert!(
        tenants.body.contains("owner@acme.example"),
        "the address is normalised"
    );
}

#[actix_rt::test]
async fn sign_up_errors_are_shown_beside_their_fields() {
    let app = spawn().await;
    let browser = Browser::new(&app);
    let page = browser
        .submit(
            "/signup",
            "/signup",
            &[
                ("agency_name", ""),
                ("email", "nope"),
                ("password", "short"),
                ("time_zone", "Mars/Base"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.body.contains("Agency name is required"),
        "{}",
        page.body
    );
    assert!(page.body.contains("must look like name@example.com"));
    assert!(page.body.contains("at least 10 characters"));
    assert!(page.body.contains("Mars/Base"));
    assert!(browser.cookie("herald_session").is_none());

    browser
        .sign_up("First", "taken@acme.example", PASSWORD)
        .await;
    let other = Browser::new(&app);
    let page = other
        .submit(
            "/signup",
            "/signup",
            &[
                ("agency_name", "Second"),
                ("email", "taken@acme.example"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("already registered"), "{}", page.body);
}

#[actix_rt::test]
async fn log_in_with_the_right_password_and_not_with_a_wrong_one() {
    let app = spawn().await;
    let owner = Browser::new(&app);
    owner.sign_up("Acme", "login@acme.example", PASSWORD).await;

    let browser = Browser::new(&app);
    let wrong = browser
        .submit(
            "/login",
            "/login",
            &[
                ("email", "login@acme.example"),
                ("password", "wrong password!"),
            ],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(wrong
        .body
        .contains("The e-mail address or the password is wrong."));
    assert!(browser.cookie("herald_session").is_none());

    let unknown = browser
        .submit(
            "/login",
            "/login",
            &[("email", "nobody@acme.example"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(
        unknown.status,
        StatusCode::UNAUTHORIZED,
        "same answer for an unknown address"
    );

    let right = browser
        .submit(
            "/login",
            "/login",
            &[("email", " LOGIN@acme.example "), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(right.status, StatusCode::SEE_OTHER, "{}", right.body);
    let first = browser.cookie("herald_session").unwrap();
    assert_eq!(browser.get("/tenants").await.status, StatusCode::OK);

    // Each log-in makes a new session id; one planted beforehand is not adopted.
    let again = Browser::new(&app);
    let planted = "ab".repeat(32);
    again.set_cookie("herald_session", &planted);
    again
        .submit(
            "/login",
            "/login",
            &[("email", "login@acme.example"), ("password", PASSWORD)],
        )
        .await;
    let fresh = again.cookie("herald_session").unwrap();
    assert_ne!(fresh, first);
    assert_ne!(fresh, planted);
}

#[actix_rt::test]
async fn repeated_failures_lock_the_account_for_a_while() {
    let app = spawn().await;
    Browser::new(&app)
        .sign_up("Acme", "throttle@acme.example", PASSWORD)
        .await;

    let browser = Browser::new(&app);
    for _ in 0..5 {
        let page = browser
            .submit(
                "/login",
                "/login",
                &[
                    ("email", "throttle@acme.example"),
                    ("password", "guess guess!"),
                ],
            )
            .await;
        assert_eq!(page.status, StatusCode::UNAUTHORIZED);
    }
    let page = browser
        .submit(
            "/login",
            "/login",
            &[("email", "throttle@acme.example"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(page.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(
        page.body.contains("Too many failed attempts"),
        "{}",
        page.body
    );
    assert!(
        browser.cookie("herald_session").is_none(),
        "even the right password waits"
    );
}

#[actix_rt::test]
async fn forms_posted_without_their_csrf_token_are_refused() {
    let app = spawn().await;
    let browser = Browser::new(&app);
    browser.sign_up("Acme", "csrf@acme.example", PASSWORD).await;

    let page = browser.post("/tenants", &[("name", "Sneaky")]).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    let page = browser
        .post("/tenants", &[("name", "Sneaky"), ("csrf", "0000")])
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(
        !browser.get("/tenants").await.body.contains("Sneaky"),
        "nothing was created"
    );

    let page = browser.post("/logout", &[]).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert_eq!(
        browser.get("/tenants").await.status,
        StatusCode::OK,
        "still signed in"
    );

    let anonymous = Browser::new(&app);
    let page = anonymous
        .post(
            "/login",
            &[("email", "csrf@acme.example"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(
        page.status,
        StatusCode::FORBIDDEN,
        "log-in CSRF is refused too"
    );
}

#[actix_rt::test]
async fn log_out_ends_the_session_for_good() {
    let app = spawn().await;
    let browser = Browser::new(&app);
    browser
        .sign_up("Acme", "logout@acme.example", PASSWORD)
        .await;
    let token = browser.cookie("herald_session").unwrap();

    let page = browser.submit("/tenants", "/logout", &[]).await;
    assert_eq!(page.location.as_deref(), Some("/login"));
    assert!(
        browser.cookie("herald_session").is_none(),
        "the cookie is removed"
    );

    browser.set_cookie("herald_session", &token);
    assert_eq!(
        browser.get("/tenants").await.location.as_deref(),
        Some("/login")
    );
}

#[actix_rt::test]
async fn sessions_end_when_idle_and_at_their_absolute_limit() {
    let app = spawn().await;
    let browser = Browser::new(&app);
    browser
        .sign_up("Acme", "expiry@acme.example", PASSWORD)
        .await;

    app.clock.advance(Duration::hours(7));
    assert_eq!(
        browser.get("/tenants").await.status,
        StatusCode::OK,
        "7 h idle is fine"
    );
    app.clock.advance(Duration::hours(8) + Duration::minutes(1));
    assert_eq!(
        browser.get("/tenants").await.location.as_deref(),
        Some("/login"),
        "8 h idle ends it"
    );

    browser
        .submit(
            "/login",
            "/login",
            &[("email", "expiry@acme.example"), ("password", PASSWORD)],
        )
        .await;
    for _ in 0..24 {
        app.clock.advance(Duration::hours(7));
        if browser.get("/tenants").await.status != StatusCode::OK {
            break;
        }
    }
    // 24 × 7 h = 7 days: the session must be gone by then however busy it was.
    assert_eq!(
        browser.get("/tenants").await.location.as_deref(),
        Some("/login")
    );
}

#[actix_rt::test]
async fn pages_that_need_a_session_send_strangers_to_log_in() {
    let app = spawn().await;
    let browser = Browser::new(&app);
    for path in ["/tenants", "/tenants/ten_0190c0c0c0c07000800000000000000a"] {
        let page = browser.get(path).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{path}");
        assert_eq!(page.location.as_deref(), Some("/login"), "{path}");
    }
}

#[actix_rt::test]
async fn postgres_sign_up_and_log_in() {
    let Some(app) = spawn_on(true).await else {
        println!("PostgreSQL suite skipped");
        return;
    };
    let browser = Browser::new(&app);
    browser
        .sign_up("Acme PG", "pg@acme.example", PASSWORD)
        .await;
    let other = Browser::new(&app);
    let page = other
        .submit(
            "/login",
            "/login",
            &[("email", "pg@acme.example"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert!(other.get("/tenants").await.body.contains("Acme PG"));
}
