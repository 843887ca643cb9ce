//! [`Store`]: the pool of connections to Herald's database, plus migrations at start.

use std::time::Duration;

use diesel::r2d2::{Pool, PooledConnection};

use super::connection::{DbManager, SqlitePragmas};
use super::url::{Backend, DatabaseUrl};
use super::{migrate, StoreError};

/// Pool and connection settings.
#[derive(Debug, Clone, Copy)]
pub struct StoreOptions {
    /// Largest number of open connections.
    pub max_connections: u32,
    /// How long a caller waits for a free connection.
    pub acquire_timeout: Duration,
    /// SQLite only: how long a writer waits on a locked database.
    pub busy_timeout: Duration,
}

impl Default for StoreOptions {
    fn default() -> Self {
        Self {
            max_connections: 8,
            acquire_timeout: Duration::from_secs(10),
            busy_timeout: Duration::from_secs(5),
        }
    }
}

/// A connection borrowed from the pool; derefs to [`super::DbConnection`].
pub type PooledDb = PooledConnection<DbManager>;

/// Herald's database: cheap to clone, shared by every actor and handler.
#[derive(Clone)]
pub struct Store {
    pool: Pool<DbManager>,
    backend: Backend,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("backend", &self.backend)
            .finish()
    }
}

impl Store {
    /// Opens a pool for `HERALD_DATABASE_URL`'s value with default options. Does not
    /// migrate: call [`Store::migrate`].
    pub fn open(database_url: &str) -> Result<Self, StoreError> {
        Self::open_with(database_url, StoreOptions::default())
    }

    pub fn open_with(database_url: &str, options: StoreOptions) -> Result<Self, StoreError> {
        let url = DatabaseUrl::parse(database_url)?;
        let backend = url.backend();

        // A SQLite file's folder is created on first start (the data directory).
        if let DatabaseUrl::Sqlite(path) = &url {
            if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                std::fs::create_dir_all(parent).map_err(|err| StoreError::Config {
                    setting: super::url::DATABASE_URL_SETTING,
                    problem: format!("cannot create folder {}: {err}", parent.display()),
                })?;
            }
        }

        let pool = Pool::builder()
            .max_size(options.max_connections.max(1))
            .min_idle(Some(1))
            .connection_timeout(options.acquire_timeout)
            .connection_customizer(Box::new(SqlitePragmas {
                busy_timeout: options.busy_timeout,
            }))
            .build(DbManager::new(url))?;
        Ok(Self { pool, backend })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// A connection from the pool. Blocking: call from a blocking thread, never from an
    /// async worker.
    pub fn conn(&self) -> Result<PooledDb, StoreError> {
        Ok(self.pool.get()?)
    }

    /// Pool use for metrics: `(idle, in_use, max)` connections.
    pub fn pool_state(&self) -> (u32, u32, u32) {
        let state = self.pool.state();
        let in_use = state.connections.saturating_sub(state.idle_connections);
        (state.idle_connections, in_use, self.pool.max_size())
    }

    /// Applies pending migrations, returning the versions applied. Refuses, changing
    /// nothing, when the database has a migration this binary does not know.
    pub fn migrate(&self) -> Result<Vec<String>, StoreError> {
        let mut conn = self.conn()?;
        migrate::run_pending(&mut conn)
    }

    /// Versions this binary would apply. Errors when the schema is newer than the binary.
    pub fn pending_migrations(&self) -> Result<Vec<String>, StoreError> {
        let mut conn = self.conn()?;
        migrate::check_not_newer(&mut conn)?;
        migrate::pending_versions(&mut conn)
    }

    /// True when the database is exactly at this binary's schema (for `/readyz`).
    pub fn migrations_current(&self) -> bool {
        self.pending_migrations()
            .is_ok_and(|pending| pending.is_empty())
    }

    /// Reverts every migration. For tests and the migration round-trip check.
    pub fn revert_all_migrations(&self) -> Result<Vec<String>, StoreError> {
        let mut conn = self.conn()?;
        migrate::revert_all(&mut conn)
    }
}
