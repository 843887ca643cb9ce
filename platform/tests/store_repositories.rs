//! The repository suite, part one (tenants, users, accounts, OAuth states, webhook
//! endpoints): the same checks on SQLite always and on PostgreSQL when
//! `HERALD_TEST_POSTGRES_URL` is set.

mod support;

use chrono::Duration;
use herald_platform::domain::Network;
use herald_platform::secret::Secret;
use herald_platform::store::connections::{LinkStatus, LoginKind};
use herald_platform::store::users::Role;
use herald_platform::store::*;
use herald_platform::vault::Keyring;
use support::fixture::{fixture, now, Fixture};
use support::{on_every_backend, TestDb};

#[test]
fn repositories_behave_the_same_on_every_backend() {
    on_every_backend(|db: &TestDb| {
        let keyring = Keyring::generate();
        let mut conn = db.store.conn().unwrap();
        let f = fixture(&mut conn, &keyring);
        tenants_are_scoped_by_agency(&mut conn, &f);
        users_and_sessions(&mut conn, &f);
        accounts_and_tokens(&mut conn, &keyring, &f);
        oauth_states_are_used_once(&mut conn, &keyring, &f);
        webhook_endpoints(&mut conn, &keyring, &f);
        println!("repository suite passed on {}", db.label);
    });
}

fn tenants_are_scoped_by_agency(conn: &mut DbConnection, f: &Fixture) {
    let other = agencies::create(conn, "Other", "UTC", now()).unwrap();
    assert!(matches!(
        tenants::get(conn, other.id, f.tenant),
        Err(StoreError::NotFound { .. })
    ));
    assert_eq!(
        tenants::get(conn, f.agency, f.tenant).unwrap().name,
        "Bakery"
    );
    assert_eq!(tenants::agency_of(conn, f.tenant).unwrap(), f.agency);

    let archived = tenants::create(conn, f.agency, "Old client", now()).unwrap();
    tenants::archive(conn, f.agency, archived.id, now()).unwrap();
    assert_eq!(tenants::list(conn, f.agency, false).unwrap().len(), 1);
    assert_eq!(tenants::list(conn, f.agency, true).unwrap().len(), 2);
    let err = tenants::create(conn, f.agency, "  ", now()).unwrap_err();
    assert_eq!(err.to_string(), "invalid name: must not be empty");
}

fn users_and_sessions(conn: &mut DbConnection, f: &Fixture) {
    let user = users::create(
        conn,
        f.agency,
        "Ann@Example.com",
        "$argon2id$fake",
        Role::Owner,
        now(),
    )
    .unwrap();
    assert_eq!(user.email, "ann@example.com");
    let dup = users::create(
        conn,
        f.agency,
        "ann@example.COM ",
        "$argon2id$x",
        Role::Member,
        now(),
    );
    assert!(matches!(dup, Err(StoreError::Conflict { .. })), "{dup:?}");
    let creds = users::credentials_by_email(conn, "ANN@example.com")
        .unwrap()
        .unwrap();
    assert_eq!(creds.user.id, user.id);
    assert!(!format!("{creds:?}").contains("argon2"));

    sessions::create(conn, "hash-1", user.id, now(), now() + Duration::hours(1)).unwrap();
    sessions::create(conn, "hash-2", user.id, now(), now() - Duration::seconds(1)).unwrap();
    let (session, who) = sessions::find_active(conn, "hash-1", now())
        .unwrap()
        .unwrap();
    assert_eq!((session.user_id, who.id), (user.id, user.id));
    assert!(sessions::find_active(conn, "hash-2", now())
        .unwrap()
        .is_none());
    assert_eq!(sessions::delete_expired(conn, now()).unwrap(), 1);
}

fn accounts_and_tokens(conn: &mut DbConnection, keyring: &Keyring, f: &Fixture) {
    let token = accounts::page_token(conn, keyring, f.tenant, f.facebook)
        .unwrap()
        .unwrap();
    assert_eq!(token.expose(), "EAAB-page");
    assert!(accounts::page_token(conn, keyring, f.tenant, f.instagram)
        .unwrap()
        .is_none());

    // Another tenant's account is missing, token included.
    let stranger = tenants::create(conn, f.agency, "Stranger", now()).unwrap();
    assert!(matches!(
        accounts::get(conn, stranger.id, f.facebook),
        Err(StoreError::NotFound { .. })
    ));
    assert!(matches!(
        accounts::page_token(conn, keyring, stranger.id, f.facebook),
        Err(StoreError::NotFound { .. })
    ));

    // Reconnecting the same Page keeps its id and reactivates it.
    accounts::set_status(
        conn,
        f.tenant,
        f.facebook,
        LinkStatus::ReauthRequired,
        Some("token expired"),
        now(),
    )
    .unwrap();
    let account = accounts::get(conn, f.tenant, f.facebook).unwrap();
    assert_eq!(account.status, LinkStatus::ReauthRequired);
    let again = accounts::upsert(
        conn,
        keyring,
        f.tenant,
        &accounts::NewAccount {
            connection_id: account.connection_id,
            network: Network::Facebook,
            external_id: "p1".into(),
            name: "Renamed".into(),
            username: None,
            linked_page_id: None,
            page_token: Some(Secret::new("EAAB-page-2")),
        },
        now(),
    )
    .unwrap();
    assert_eq!(
        (again.id, again.status, again.name.as_str()),
        (f.facebook, LinkStatus::Active, "Renamed")
    );
    let token = accounts::page_token(conn, keyring, f.tenant, f.facebook)
        .unwrap()
        .unwrap();
    assert_eq!(token.expose(), "EAAB-page-2");

    let connection = connections::list(conn, f.tenant).unwrap().remove(0);
    let user_token = connections::user_token(conn, keyring, f.tenant, connection.id).unwrap();
    assert_eq!(user_token.expose(), "EAAB-user-token");
    assert_eq!(connection.scopes, vec!["pages_manage_posts".to_string()]);
}

fn oauth_states_are_used_once(conn: &mut DbConnection, keyring: &Keyring, f: &Fixture) {
    let verifier = Secret::new("pkce-verifier-abc");
    oauth_states::create(
        conn,
        keyring,
        f.tenant,
        "state-hash-1",
        None,
        LoginKind::Facebook,
        &verifier,
        now() + Duration::minutes(10),
        now(),
    )
    .unwrap();
    let (state, got) = oauth_states::consume(conn, keyring, "state-hash-1", now()).unwrap();
    assert_eq!(
        (state.tenant_id, got.expose()),
        (f.tenant, "pkce-verifier-abc")
    );
    assert!(matches!(
        oauth_states::consume(conn, keyring, "state-hash-1", now()),
        Err(StoreError::Conflict { .. })
    ));
    assert!(matches!(
        oauth_states::consume(conn, keyring, "nope", now()),
        Err(StoreError::NotFound { .. })
    ));

    oauth_states::create(
        conn,
        keyring,
        f.tenant,
        "old",
        None,
        LoginKind::Instagram,
        &verifier,
        now(),
        now(),
    )
    .unwrap();
    let expired =
        oauth_states::consume(conn, keyring, "old", now() + Duration::seconds(1)).unwrap_err();
    assert!(expired.to_string().contains("expired"), "{expired}");
}

fn webhook_endpoints(conn: &mut DbConnection, keyring: &Keyring, f: &Fixture) {
    let owner = webhooks::EndpointOwner {
        agency: f.agency,
        tenant: Some(f.tenant),
    };
    let agency_wide = webhooks::EndpointOwner {
        agency: f.agency,
        tenant: None,
    };
    let new = |types: &[&str]| webhooks::NewEndpoint {
        url: "http://127.0.0.1:9/hook".into(),
        description: String::new(),
        event_types: types.iter().map(|t| t.to_string()).collect(),
        secret: Secret::new("whsec_first"),
    };
    let tenant_hook =
        webhooks::create(conn, keyring, owner, &new(&["post.published"]), now()).unwrap();
    let agency_hook = webhooks::create(conn, keyring, agency_wide, &new(&["*"]), now()).unwrap();

    // Scoping: a tenant's endpoint is not the agency-wide list's, nor another tenant's.
    assert!(matches!(
        webhooks::get(conn, agency_wide, tenant_hook.id),
        Err(StoreError::NotFound { .. })
    ));
    assert_eq!(webhooks::list(conn, owner).unwrap().len(), 1);
    let ids = |v: Vec<webhooks::WebhookEndpoint>| v.into_iter().map(|e| e.id).collect::<Vec<_>>();
    let for_published =
        ids(webhooks::subscribed(conn, f.agency, Some(f.tenant), "post.published").unwrap());
    assert_eq!(for_published, vec![tenant_hook.id, agency_hook.id]);
    let for_failed =
        ids(webhooks::subscribed(conn, f.agency, Some(f.tenant), "post.failed").unwrap());
    assert_eq!(for_failed, vec![agency_hook.id]);

    // Rotation keeps the previous secret valid until its deadline.
    webhooks::rotate_secret(
        conn,
        keyring,
        owner,
        tenant_hook.id,
        &Secret::new("whsec_second"),
        now() + Duration::hours(24),
        now(),
    )
    .unwrap();
    let (current, previous) =
        webhooks::signing_secrets(conn, keyring, tenant_hook.id, now()).unwrap();
    assert_eq!(current.expose(), "whsec_second");
    assert_eq!(previous.unwrap().expose(), "whsec_first");
    let (_, gone) =
        webhooks::signing_secrets(conn, keyring, tenant_hook.id, now() + Duration::hours(25))
            .unwrap();
    assert!(gone.is_none());
    let (agency_secret, _) =
        webhooks::signing_secrets(conn, keyring, agency_hook.id, now()).unwrap();
    assert_eq!(agency_secret.expose(), "whsec_first");

    webhooks::disable(
        conn,
        tenant_hook.id,
        "the endpoint answered 410 Gone",
        now(),
    )
    .unwrap();
    let ids_after =
        ids(webhooks::subscribed(conn, f.agency, Some(f.tenant), "post.published").unwrap());
    assert_eq!(ids_after, vec![agency_hook.id]);

    let event = outbox::NewOutboxEvent::new("endpoint.test", serde_json::json!({"ok": true}));
    outbox::insert(conn, f.agency, Some(f.tenant), &event, now()).unwrap();
    let pending = outbox::pending(conn, 1000).unwrap();
    assert_eq!(pending.last().unwrap().payload["ok"], true);
    outbox::mark_dispatched(conn, pending[0].id, now()).unwrap();
    assert_eq!(
        outbox::pending(conn, 1000).unwrap().len(),
        pending.len() - 1
    );
}
