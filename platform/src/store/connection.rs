//! The connection type every repository takes, and the r2d2 plumbing that opens it.
//!
//! [`DbConnection`] is a diesel `MultiConnection` over SQLite and PostgreSQL. The pool's
//! manager opens the variant the URL asked for (never guessing by trial), and a
//! `CustomizeConnection` sets SQLite's pragmas on every new connection.

use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::r2d2::{CustomizeConnection, ManageConnection, R2D2Connection};
use diesel::sqlite::SqliteConnection;
use diesel::{Connection, ConnectionError};

use super::url::DatabaseUrl;

/// A connection to whichever database the store runs on.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Sqlite(SqliteConnection),
    Pg(PgConnection),
}

impl DbConnection {
    pub fn is_sqlite(&self) -> bool {
        matches!(self, DbConnection::Sqlite(_))
    }
}

/// Opens connections of the backend named by a [`DatabaseUrl`].
#[derive(Debug, Clone)]
pub struct DbManager {
    url: DatabaseUrl,
}

impl DbManager {
    pub fn new(url: DatabaseUrl) -> Self {
        Self { url }
    }
}

/// Why a connection could not be opened or kept.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("cannot connect: {0}")]
    Connect(#[from] ConnectionError),
    #[error("connection check failed: {0}")]
    Query(#[from] diesel::result::Error),
}

impl ManageConnection for DbManager {
    type Connection = DbConnection;
    type Error = ConnectError;

    fn connect(&self) -> Result<DbConnection, ConnectError> {
        match &self.url {
            DatabaseUrl::Sqlite(path) => {
                let path = path.to_string_lossy();
                Ok(DbConnection::Sqlite(SqliteConnection::establish(&path)?))
            }
            DatabaseUrl::Postgres(url) => {
                Ok(DbConnection::Pg(PgConnection::establish(url.expose())?))
            }
        }
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), ConnectError> {
        Ok(conn.ping()?)
    }

    fn has_broken(&self, conn: &mut DbConnection) -> bool {
        conn.is_broken()
    }
}

/// Sets SQLite's per-connection pragmas: WAL, foreign keys, a busy timeout and
/// `synchronous = NORMAL`. Does nothing on PostgreSQL.
#[derive(Debug, Clone, Copy)]
pub struct SqlitePragmas {
    pub busy_timeout: Duration,
}

impl CustomizeConnection<DbConnection, ConnectError> for SqlitePragmas {
    fn on_acquire(&self, conn: &mut DbConnection) -> Result<(), ConnectError> {
        if let DbConnection::Sqlite(sqlite) = conn {
            // busy_timeout first: switching to WAL may have to wait for a lock.
            sqlite.batch_execute(&format!(
                "PRAGMA busy_timeout = {};
                 PRAGMA journal_mode = WAL;
                 PRAGMA synchronous = NORMAL;
                 PRAGMA foreign_keys = ON;",
                self.busy_timeout.as_millis()
            ))?;
        }
        Ok(())
    }
}
