//! The vault against a real database: rotate then rewrap moves every secret to the new
//! key and leaves them all readable, and no plaintext secret reaches the SQLite file.

mod support;

use chrono::{Duration, Utc};
use herald_platform::domain::Network;
use herald_platform::ids::{AccountId, ConnectionId, TenantId, WebhookEndpointId};
use herald_platform::secret::Secret;
use herald_platform::store::connections::{LoginKind, NewConnection};
use herald_platform::store::webhooks::{EndpointOwner, NewEndpoint};
use herald_platform::store::*;
use herald_platform::vault::{self, Keyring};
use support::{on_every_backend, TestDb};

/// The secrets written, to check them back.
struct Written {
    tenant: TenantId,
    connection: ConnectionId,
    account: AccountId,
    tenant_hook: WebhookEndpointId,
    agency_hook: WebhookEndpointId,
}

/// Writes one secret into every sealed column (both webhook columns included), with
/// `tag` inside each plaintext.
fn write_secrets(conn: &mut DbConnection, keyring: &Keyring, tag: &str) -> Written {
    let now = Utc::now();
    let agency = agencies::create(conn, &format!("Agency {tag}"), "UTC", now).unwrap();
    let tenant = tenants::create(conn, agency.id, &format!("Tenant {tag}"), now)
        .unwrap()
        .id;
    let connection = connections::upsert(
        conn,
        keyring,
        tenant,
        &NewConnection {
            login_kind: LoginKind::Facebook,
            meta_user_id: format!("u-{tag}"),
            user_token: Secret::new(format!("USERTOKEN-{tag}")),
            expires_at: None,
            scopes: vec![],
        },
        now,
    )
    .unwrap()
    .id;
    let account = accounts::upsert(
        conn,
        keyring,
        tenant,
        &accounts::NewAccount {
            connection_id: connection,
            network: Network::Facebook,
            external_id: format!("page-{tag}"),
            name: "Page".into(),
            username: None,
            linked_page_id: None,
            page_token: Some(Secret::new(format!("PAGETOKEN-{tag}"))),
        },
        now,
    )
    .unwrap()
    .id;
    oauth_states::create(
        conn,
        keyring,
        tenant,
        &format!("state-{tag}"),
        None,
        LoginKind::Facebook,
        &Secret::new(format!("PKCEVERIFIER-{tag}")),
        now + Duration::minutes(10),
        now,
    )
    .unwrap();
    let endpoint = |secret: String| NewEndpoint {
        url: "http://127.0.0.1:9/hook".into(),
        description: String::new(),
        event_types: vec!["*".into()],
        secret: Secret::new(secret),
    };
    let owner = EndpointOwner {
        agency: agency.id,
        tenant: Some(tenant),
    };
    let tenant_hook = webhooks::create(
        conn,
        keyring,
        owner,
        &endpoint(format!("WHSECOLD-{tag}")),
        now,
    )
    .unwrap()
    .id;
    webhooks::rotate_secret(
        conn,
        keyring,
        owner,
        tenant_hook,
        &Secret::new(format!("WHSECNEW-{tag}")),
        now + Duration::hours(1),
        now,
    )
    .unwrap();
    let agency_owner = EndpointOwner {
        agency: agency.id,
        tenant: None,
    };
    let agency_hook = webhooks::create(
        conn,
        keyring,
        agency_owner,
        &endpoint(format!("WHSECAGENCY-{tag}")),
        now,
    )
    .unwrap()
    .id;
    Written {
        tenant,
        connection,
        account,
        tenant_hook,
        agency_hook,
    }
}

fn assert_readable(conn: &mut DbConnection, keyring: &Keyring, w: &Written, tag: &str) {
    let now = Utc::now();
    let user = connections::user_token(conn, keyring, w.tenant, w.connection).unwrap();
    assert_eq!(user.expose(), format!("USERTOKEN-{tag}"));
    let page = accounts::page_token(conn, keyring, w.tenant, w.account)
        .unwrap()
        .unwrap();
    assert_eq!(page.expose(), format!("PAGETOKEN-{tag}"));
    let (current, previous) = webhooks::signing_secrets(conn, keyring, w.tenant_hook, now).unwrap();
    assert_eq!(current.expose(), format!("WHSECNEW-{tag}"));
    assert_eq!(previous.unwrap().expose(), format!("WHSECOLD-{tag}"));
    let (agency_secret, _) = webhooks::signing_secrets(conn, keyring, w.agency_hook, now).unwrap();
    assert_eq!(agency_secret.expose(), format!("WHSECAGENCY-{tag}"));
    let (_, verifier) = oauth_states::consume(conn, keyring, &format!("state-{tag}"), now).unwrap();
    assert_eq!(verifier.expose(), format!("PKCEVERIFIER-{tag}"));
}

#[test]
fn rotate_then_rewrap_leaves_nothing_on_the_old_key() {
    on_every_backend(|db: &TestDb| {
        let dir = tempfile::tempdir().unwrap();
        let dev = Keyring::generate_dev(dir.path()).unwrap();
        let old_id = dev.keyring.active_id().to_owned();
        let written: Vec<(Written, String)> = (0..3)
            .map(|i| {
                let tag = format!("{}{i}", db.label);
                (
                    write_secrets(&mut db.store.conn().unwrap(), &dev.keyring, &tag),
                    tag,
                )
            })
            .collect();
        // 3 × (user token, page token, pkce, 2 webhook secrets + 1 previous).
        assert_eq!(
            vault::status(&db.store).unwrap(),
            vec![(old_id.clone(), 18)]
        );

        let new_id = vault::rotate(&dev.path).unwrap();
        let rotated = Keyring::load(&dev.path).unwrap();
        let report = vault::rewrap(&db.store, &rotated, 2).unwrap();
        assert_eq!((report.rewrapped(), report.failed()), (18, 0), "{report:?}");
        let webhook_secret = report
            .columns
            .iter()
            .find(|c| c.column == "secret")
            .unwrap();
        assert_eq!(
            (webhook_secret.table, webhook_secret.rewrapped),
            ("webhook_endpoints", 6)
        );
        assert_eq!(
            vault::status(&db.store).unwrap(),
            vec![(new_id.clone(), 18)]
        );

        // A second run has nothing to do.
        let again = vault::rewrap(&db.store, &rotated, 100).unwrap();
        assert_eq!(again.rewrapped(), 0);
        assert_eq!(
            again.columns.iter().map(|c| c.already_current).sum::<u64>(),
            18
        );

        // Readable with the new key alone: nothing depends on the old one any more.
        let new_only = Keyring::new(
            herald_platform::vault::MasterKey::from_base64(
                &new_id,
                &key_of(&dev.path, &new_id),
                "test",
            )
            .unwrap(),
            vec![],
        );
        let mut conn = db.store.conn().unwrap();
        for (w, tag) in &written {
            assert_readable(&mut conn, &new_only, w, tag);
        }
    });
}

/// Reads one key's base64 from a key file (test-only peek).
fn key_of(path: &std::path::Path, id: &str) -> String {
    let file: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    file["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["id"] == id)
        .unwrap()["key"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[test]
fn a_secret_that_cannot_be_opened_is_counted_and_left_alone() {
    let db = TestDb::sqlite_empty().migrated();
    let keyring = Keyring::generate();
    let w = write_secrets(&mut db.store.conn().unwrap(), &keyring, "x");
    // Copy the Page token's envelope onto the user token: bound to another row.
    let mut conn = db.store.conn().unwrap();
    use diesel::prelude::*;
    use herald_platform::store::schema::{accounts as a, meta_connections as mc};
    let page: Option<String> = a::table
        .find(w.account.to_db())
        .select(a::page_token)
        .first(&mut *conn)
        .unwrap();
    diesel::update(mc::table.find(w.connection.to_db()))
        .set(mc::user_token.eq(page.unwrap()))
        .execute(&mut *conn)
        .unwrap();
    let err = connections::user_token(&mut conn, &keyring, w.tenant, w.connection).unwrap_err();
    assert!(err.to_string().contains("belongs to another row"), "{err}");
    drop(conn);

    let mut rotated = keyring.clone();
    rotated.add_active(herald_platform::vault::MasterKey::random());
    let report = vault::rewrap(&db.store, &rotated, 10).unwrap();
    let user = report
        .columns
        .iter()
        .find(|c| c.column == "user_token")
        .unwrap();
    assert_eq!((user.failed, user.rewrapped), (1, 0));
    assert!(user
        .first_error
        .as_deref()
        .unwrap()
        .contains("meta_connections.user_token"));
    assert_eq!(report.rewrapped(), 5);
}

#[test]
fn no_plaintext_secret_reaches_the_sqlite_file() {
    let db = TestDb::sqlite_empty().migrated();
    let keyring = Keyring::generate();
    write_secrets(&mut db.store.conn().unwrap(), &keyring, "raw");
    let path = db.sqlite_path.clone().unwrap();

    // The database file and its write-ahead log, as bytes.
    let mut bytes = std::fs::read(&path).unwrap();
    let wal = path.with_extension("db-wal");
    if wal.exists() {
        bytes.extend(std::fs::read(&wal).unwrap());
    }
    let contains = |needle: &str| bytes.windows(needle.len()).any(|w| w == needle.as_bytes());

    // The test can see what is stored in clear...
    assert!(
        contains("Tenant raw"),
        "the tenant name should be stored in clear"
    );
    // ...and no secret is.
    for secret in [
        "USERTOKEN-raw",
        "PAGETOKEN-raw",
        "PKCEVERIFIER-raw",
        "WHSECOLD-raw",
        "WHSECNEW-raw",
        "WHSECAGENCY-raw",
    ] {
        assert!(!contains(secret), "{secret} found in the database file");
    }
}
