//! Test databases: a SQLite file in a temporary folder always, and a fresh PostgreSQL
//! database (random name, dropped at the end) when `HERALD_TEST_POSTGRES_URL` is set.

#![allow(dead_code)]

pub mod fixture;

use diesel::{Connection, PgConnection, RunQueryDsl};
use herald_platform::store::Store;
use rand::RngCore;

/// A migrated store and whatever must live as long as it.
pub struct TestDb {
    pub store: Store,
    pub label: &'static str,
    /// SQLite: the database file.
    pub sqlite_path: Option<std::path::PathBuf>,
    _dir: Option<tempfile::TempDir>,
    pg: Option<PgDrop>,
}

struct PgDrop {
    admin_url: String,
    name: String,
}

impl Drop for PgDrop {
    fn drop(&mut self) {
        if let Ok(mut admin) = PgConnection::establish(&self.admin_url) {
            let sql = format!("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", self.name);
            if let Err(err) = diesel::sql_query(sql).execute(&mut admin) {
                eprintln!("could not drop test database {}: {err}", self.name);
            }
        }
    }
}

impl TestDb {
    /// A fresh, unmigrated SQLite store.
    pub fn sqlite_empty() -> TestDb {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("herald.db");
        let store = Store::open(&format!("sqlite://{}", path.display())).expect("open sqlite");
        TestDb {
            store,
            label: "sqlite",
            sqlite_path: Some(path),
            _dir: Some(dir),
            pg: None,
        }
    }

    /// A fresh, unmigrated PostgreSQL store, or `None` when no server is configured.
    pub fn postgres_empty() -> Option<TestDb> {
        let base = std::env::var("HERALD_TEST_POSTGRES_URL")
            .ok()
            .filter(|v| !v.is_empty())?;
        let mut url = url::Url::parse(&base).expect("HERALD_TEST_POSTGRES_URL is a URL");
        let mut suffix = [0u8; 6];
        rand::rngs::OsRng.fill_bytes(&mut suffix);
        let name = format!("herald_store_{}", hex::encode(suffix));

        url.set_path("/postgres");
        let admin_url = url.to_string();
        let mut admin = PgConnection::establish(&admin_url).expect("connect to PostgreSQL");
        diesel::sql_query(format!("CREATE DATABASE \"{name}\""))
            .execute(&mut admin)
            .expect("create test database");
        let pg = PgDrop {
            admin_url,
            name: name.clone(),
        };

        url.set_path(&format!("/{name}"));
        let store = Store::open(url.as_str()).expect("open postgres");
        Some(TestDb {
            store,
            label: "postgres",
            sqlite_path: None,
            _dir: None,
            pg: Some(pg),
        })
    }

    pub fn migrated(self) -> TestDb {
        self.store.migrate().expect("migrate");
        self
    }
}

/// Runs `suite` on SQLite, and on PostgreSQL when configured (else says it was skipped).
pub fn on_every_backend(suite: impl Fn(&TestDb)) {
    suite(&TestDb::sqlite_empty().migrated());
    match TestDb::postgres_empty() {
        Some(db) => suite(&db.migrated()),
        None => println!("PostgreSQL suite skipped (HERALD_TEST_POSTGRES_URL is not set)"),
    }
}
