//! The shared fixture of the repository suites: an agency, a tenant, a Facebook Page and an
//! Instagram account.

use chrono::{DateTime, Duration, Utc};
use herald_platform::domain::{Network, PostKind, PostState};
use herald_platform::ids::{AccountId, AgencyId, TenantId};
use herald_platform::secret::Secret;
use herald_platform::store::connections::{LoginKind, NewConnection};
use herald_platform::store::posts::NewPost;
use herald_platform::store::*;
use herald_platform::vault::Keyring;

pub fn now() -> DateTime<Utc> {
    // Whole milliseconds, as stored.
    herald_platform::clock::from_millis(Utc::now().timestamp_millis())
}

pub struct Fixture {
    pub agency: AgencyId,
    pub tenant: TenantId,
    pub facebook: AccountId,
    pub instagram: AccountId,
}

pub fn fixture(conn: &mut DbConnection, keyring: &Keyring) -> Fixture {
    let agency = agencies::create(conn, "Acme Agency", "Europe/Paris", now()).unwrap();
    let tenant = tenants::create(conn, agency.id, "Bakery", now()).unwrap();
    let connection = connections::upsert(
        conn,
        keyring,
        tenant.id,
        &NewConnection {
            login_kind: LoginKind::Facebook,
            meta_user_id: "1001".into(),
            user_token: Secret::new("EAAB-user-token"),
            expires_at: Some(now() + Duration::days(60)),
            scopes: vec!["pages_manage_posts".into()],
        },
        now(),
    )
    .unwrap();
    let page = |network, external: &str, token: Option<&str>| accounts::NewAccount {
        connection_id: connection.id,
        network,
        external_id: external.into(),
        name: format!("Account {external}"),
        username: None,
        linked_page_id: None,
        page_token: token.map(Secret::new),
    };
    let facebook = accounts::upsert(
        conn,
        keyring,
        tenant.id,
        &page(Network::Facebook, "p1", Some("EAAB-page")),
        now(),
    )
    .unwrap();
    let instagram = accounts::upsert(
        conn,
        keyring,
        tenant.id,
        &page(Network::Instagram, "ig1", None),
        now(),
    )
    .unwrap();
    Fixture {
        agency: agency.id,
        tenant: tenant.id,
        facebook: facebook.id,
        instagram: instagram.id,
    }
}

pub fn new_post(account: AccountId, kind: PostKind, at: DateTime<Utc>) -> NewPost {
    NewPost {
        account_id: account,
        kind,
        caption: "Fresh bread".into(),
        spec: serde_json::json!({"media": []}),
        publish_at: at,
        state: PostState::Scheduled,
        idempotency_key: None,
    }
}
