//! Compose and timelines: an uploaded image becomes a scheduled post that the timelines
//! list, the adapters' validation errors appear beside their fields before anything is
//! saved, and cancel moves a post out of the waiting list.

mod dashboard_support;

use dashboard_support::{connect_everything, spawn, Browser, Page, TestApp};
use reqwest::multipart::{Form, Part};
use reqwest::StatusCode;

const PASSWORD: &str = "correct horse battery";

fn fixture(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/../tests/fixtures/media/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The account radio whose label starts with `label`.
fn account(body: &str, label: &str) -> String {
    let at_label = body
        .find(&format!("> {label}"))
        .unwrap_or_else(|| panic!("no {label}: {body}"));
    let at = body[..at_label].rfind("value=\"").unwrap() + "value=\"".len();
    body[at..at + body[at..].find('"').unwrap()].to_owned()
}

async fn ready(app: &TestApp) -> (Browser, String, Page) {
    let agency = Browser::new(app);
    agency
        .sign_up("Acme Social", "compose@acme.example", PASSWORD)
        .await;
    let tenant = agency.create_tenant("Bakery Client").await;
    connect_everything(app, &agency, &tenant).await;
    let page = agency.get(&format!("/compose?tenant={tenant}")).await;
    assert_eq!(page.status, StatusCode::OK);
    (agency, tenant, page)
}

fn compose_form(page: &Page, tenant: &str, account: &str, kind: &str, caption: &str) -> Form {
    Form::new()
        .text("csrf", page.input("csrf").unwrap())
        .text("tenant", tenant.to_owned())
        .text("account", account.to_owned())
        .text("kind", kind.to_owned())
        .text("caption", caption.to_owned())
}

#[actix_rt::test]
async fn an_uploaded_image_is_scheduled_and_listed_in_both_timelines() {
    let app = spawn().await;
    let (agency, tenant, page) = ready(&app).await;
    let ig = account(&page.body, "Instagram @bakery_");
    let form = compose_form(&page, &tenant, &ig, "ig_image", "Fresh bread #bakery")
        .part(
            "files",
            Part::bytes(fixture("square_1080.jpg")).file_name("bread.jpg"),
        )
        .text("when", "later")
        .text("publish_at", "2099-06-01T09:30");
    let posted = agency.post_multipart("/compose", form).await;
    assert_eq!(posted.status, StatusCode::SEE_OTHER, "{}", posted.body);
    let post = posted.location.unwrap();

    let detail = agency.get(&post).await;
    assert!(detail.body.contains("Scheduled"), "{}", detail.body);
    assert!(
        detail.body.contains("2099-06-01 09:30"),
        "shown in the agency's zone: {}",
        detail.body
    );
    assert!(detail.body.contains("Fresh bread #bakery"));

    let timeline = agency.get(&format!("/tenants/{tenant}/timeline")).await;
    assert!(timeline.body.contains("Fresh bread #bakery"));
    assert!(
        timeline.body.contains("data-live="),
        "waiting posts update live"
    );
    let all = agency.get("/timeline?state=waiting").await;
    assert!(all.body.contains("Bakery Client"), "{}", all.body);
    let row = agency.get(&format!("{post}/row")).await;
    assert!(row.body.starts_with("<tr"), "{}", row.body);

    let canceled = agency.submit(&post, &format!("{post}/cancel"), &[]).await;
    assert_eq!(canceled.status, StatusCode::SEE_OTHER);
    assert!(agency.get(&post).await.body.contains("Canceled"));
    assert!(!agency
        .get("/timeline?state=waiting")
        .await
        .body
        .contains("Fresh bread"));
}

#[actix_rt::test]
async fn validation_errors_are_shown_beside_their_fields_and_nothing_is_saved() {
    let app = spawn().await;
    let (agency, tenant, page) = ready(&app).await;
    let ig = account(&page.body, "Instagram @bakery_");

    let long = "x".repeat(2_300);
    let form = compose_form(&page, &tenant, &ig, "ig_reel", &long)
        .part(
            "files",
            Part::bytes(fixture("too_short_1s.mp4")).file_name("short.mp4"),
        )
        .text("when", "now");
    let shown = agency.post_multipart("/compose", form).await;
    assert_eq!(
        shown.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        shown.body
    );
    assert!(
        shown.body.contains("id=\"caption-error\""),
        "{}",
        shown.body
    );
    assert!(shown.body.contains("id=\"media-error\""), "{}", shown.body);
    assert!(shown.body.contains(&long), "the caption is kept");

    let form = compose_form(&page, &tenant, &ig, "ig_image", "Later")
        .part(
            "files",
            Part::bytes(fixture("square_1080.jpg")).file_name("bread.jpg"),
        )
        .text("when", "later")
        .text("publish_at", "not a time");
    let shown = agency.post_multipart("/compose", form).await;
    assert_eq!(shown.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        shown.body.contains("id=\"publish_at-error\""),
        "{}",
        shown.body
    );

    let timeline = agency.get(&format!("/tenants/{tenant}/timeline")).await;
    assert!(timeline.body.contains("No posts yet"), "{}", timeline.body);
}

#[actix_rt::test]
async fn a_compose_post_without_its_csrf_token_is_refused() {
    let app = spawn().await;
    let (agency, tenant, page) = ready(&app).await;
    let ig = account(&page.body, "Instagram @bakery_");
    let form = Form::new()
        .text("tenant", tenant.clone())
        .text("account", ig)
        .text("kind", "fb_feed")
        .text("caption", "No token");
    let refused = agency.post_multipart("/compose", form).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
}

#[actix_rt::test]
async fn archiving_a_tenant_cancels_its_waiting_posts_and_hides_it() {
    let app = spawn().await;
    let (agency, tenant, page) = ready(&app).await;
    let ig = account(&page.body, "Instagram @bakery_");
    let form = compose_form(&page, &tenant, &ig, "ig_image", "Never going out")
        .part(
            "files",
            Part::bytes(fixture("square_1080.jpg")).file_name("bread.jpg"),
        )
        .text("when", "later")
        .text("publish_at", "2099-06-01T09:30");
    let post = agency
        .post_multipart("/compose", form)
        .await
        .location
        .unwrap();
    let post_id: herald_platform::ids::PostId = post.rsplit('/').next().unwrap().parse().unwrap();
    let tenant_id: herald_platform::ids::TenantId = tenant.parse().unwrap();

    let archived = agency
        .submit(
            &format!("/tenants/{tenant}"),
            &format!("/tenants/{tenant}/archive"),
            &[],
        )
        .await;
    assert_eq!(archived.location.as_deref(), Some("/tenants"));
    assert!(!agency.get("/tenants").await.body.contains("Bakery Client"));
    assert_eq!(
        agency.get(&format!("/tenants/{tenant}")).await.status,
        StatusCode::NOT_FOUND
    );

    let mut conn = app.services.store.conn().unwrap();
    let record =
        herald_platform::store::posts_api::get_post(&mut conn, tenant_id, post_id).unwrap();
    assert_eq!(record.state, herald_platform::domain::PostState::Canceled);
}
