//! Migrations on both backends: every migration up and down, a newer schema refused
//! untouched, SQLite's pragmas, and a malformed database URL.

mod support;

use diesel::sql_types::{BigInt, Text};
use diesel::{QueryableByName, RunQueryDsl};
use herald_platform::store::{agencies, DbConnection, Store, StoreError};
use support::{on_every_backend, TestDb};

const TABLES: &[&str] = &[
    "agencies",
    "users",
    "sessions",
    "invitations",
    "tenants",
    "connect_links",
    "oauth_states",
    "meta_connections",
    "accounts",
    "media",
    "posts",
    "post_events",
    "outbox_events",
    "webhook_endpoints",
    "webhook_deliveries",
    "api_keys",
    "idempotency_keys",
    "inbound_meta_events",
    "nodes",
    "tenant_leases",
];

#[derive(QueryableByName)]
struct Name {
    #[diesel(sql_type = Text)]
    name: String,
}

fn tables(conn: &mut DbConnection) -> Vec<String> {
    let mut names: Vec<String> = match conn {
        DbConnection::Sqlite(c) => diesel::sql_query(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
        )
        .load::<Name>(c),
        DbConnection::Pg(c) => diesel::sql_query(
            "SELECT table_name AS name FROM information_schema.tables \
             WHERE table_schema = 'public'",
        )
        .load::<Name>(c),
    }
    .expect("list tables")
    .into_iter()
    .map(|n| n.name)
    .filter(|n| n != "__diesel_schema_migrations")
    .collect();
    names.sort();
    names
}

#[test]
fn every_migration_runs_up_and_down_on_every_backend() {
    let check = |db: &TestDb| {
        let store = &db.store;
        assert!(!store.migrations_current());
        let pending = store.pending_migrations().unwrap();
        assert!(!pending.is_empty());

        assert_eq!(store.migrate().unwrap(), pending, "{}", db.label);
        assert!(store.migrations_current());
        assert!(
            store.migrate().unwrap().is_empty(),
            "a second run applies nothing"
        );
        let mut expected: Vec<String> = TABLES.iter().map(|t| t.to_string()).collect();
        expected.sort();
        assert_eq!(tables(&mut store.conn().unwrap()), expected, "{}", db.label);

        let reverted = store.revert_all_migrations().unwrap();
        assert_eq!(reverted.len(), pending.len());
        assert!(
            tables(&mut store.conn().unwrap()).is_empty(),
            "{}",
            db.label
        );
        assert!(!store.migrations_current());

        store.migrate().unwrap();
        assert!(store.migrations_current());
    };
    check(&TestDb::sqlite_empty());
    match TestDb::postgres_empty() {
        Some(db) => check(&db),
        None => println!("PostgreSQL suite skipped (HERALD_TEST_POSTGRES_URL is not set)"),
    }
}

#[test]
fn a_newer_schema_is_refused_and_left_unchanged() {
    on_every_backend(|db| {
        let store = &db.store;
        let mut conn = store.conn().unwrap();
        agencies::create(&mut conn, "Kept", "UTC", chrono::Utc::now()).unwrap();
        diesel::sql_query(
            "INSERT INTO __diesel_schema_migrations (version) VALUES ('29990101000000')",
        )
        .execute(&mut *conn)
        .unwrap();
        drop(conn);

        let err = store.migrate().unwrap_err();
        assert!(matches!(err, StoreError::NewerSchema { .. }), "{err:?}");
        let message = err.to_string();
        assert!(message.contains("newer than this binary"), "{message}");
        assert!(message.contains("29990101000000"), "{message}");
        assert!(store.pending_migrations().is_err());
        assert!(!store.migrations_current());
        assert!(
            store.revert_all_migrations().is_err(),
            "nothing is reverted either"
        );

        let mut conn = store.conn().unwrap();
        assert_eq!(tables(&mut conn).len(), TABLES.len(), "{}", db.label);
    });
}

#[derive(QueryableByName)]
struct Value {
    #[diesel(sql_type = BigInt)]
    value: i64,
}

#[derive(QueryableByName)]
struct Mode {
    #[diesel(sql_type = Text)]
    journal_mode: String,
}

#[test]
fn sqlite_connections_use_wal_foreign_keys_and_a_busy_timeout() {
    let db = TestDb::sqlite_empty().migrated();
    let mut conn = db.store.conn().unwrap();
    let DbConnection::Sqlite(c) = &mut *conn else {
        panic!("sqlite expected")
    };
    let value = |c: &mut diesel::SqliteConnection, sql: &str| -> i64 {
        diesel::sql_query(sql).get_result::<Value>(c).unwrap().value
    };
    let mode = diesel::sql_query("PRAGMA journal_mode")
        .get_result::<Mode>(c)
        .unwrap();
    assert_eq!(mode.journal_mode, "wal");
    assert_eq!(
        value(c, "SELECT foreign_keys AS value FROM pragma_foreign_keys"),
        1
    );
    assert_eq!(
        value(c, "SELECT timeout AS value FROM pragma_busy_timeout"),
        5000
    );
    assert_eq!(
        value(c, "SELECT synchronous AS value FROM pragma_synchronous"),
        1
    );

    // Foreign keys are enforced: a tenant of a missing agency is refused by name.
    let err = herald_platform::store::tenants::create(
        &mut conn,
        herald_platform::ids::AgencyId::new(),
        "Orphan",
        chrono::Utc::now(),
    )
    .unwrap_err();
    assert!(
        err.to_string().contains("must refer to an existing row"),
        "{err}"
    );
}

#[test]
fn a_malformed_database_url_names_the_setting() {
    for (url, expected) in [
        ("mysql://127.0.0.1/herald", "unsupported scheme `mysql`"),
        ("sqlite://", "needs a file path"),
        ("postgres://user:hunter2@/db", "host"),
        ("", "is empty"),
    ] {
        let err = Store::open(url).unwrap_err().to_string();
        assert!(err.starts_with("HERALD_DATABASE_URL: "), "{url}: {err}");
        assert!(err.contains(expected), "{url}: {err}");
        assert!(!err.contains("hunter2"), "{err}");
    }
}
