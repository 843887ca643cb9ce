//! Write transactions that behave the same on both backends.
//!
//! A SQLite transaction opened with a plain `BEGIN` takes the write lock only at its first
//! write; if another connection wrote in between, the upgrade fails at once with "database
//! is locked" (the busy timeout cannot help). Repositories that read and then write open
//! their transactions here, which uses `BEGIN IMMEDIATE` on SQLite so the busy timeout
//! applies, and a plain transaction on PostgreSQL. Inside an open transaction it nests as
//! a savepoint.

use diesel::connection::{AnsiTransactionManager, TransactionManager};
use diesel::Connection;

use super::DbConnection;

/// Runs `work` in one write transaction: committed on `Ok`, rolled back on `Err`.
pub fn write_transaction<T, E>(
    conn: &mut DbConnection,
    work: impl FnOnce(&mut DbConnection) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<diesel::result::Error>,
{
    let opened_immediate = match conn {
        DbConnection::Sqlite(sqlite) => {
            let status = AnsiTransactionManager::transaction_manager_status_mut(sqlite);
            if status.transaction_depth()?.is_none() {
                AnsiTransactionManager::begin_transaction_sql(sqlite, "BEGIN IMMEDIATE")?;
                true
            } else {
                false
            }
        }
        DbConnection::Pg(_) => false,
    };
    if !opened_immediate {
        return conn.transaction(work);
    }

    let result = work(conn);
    if let DbConnection::Sqlite(sqlite) = conn {
        match &result {
            Ok(_) => AnsiTransactionManager::commit_transaction(sqlite)?,
            Err(_) => AnsiTransactionManager::rollback_transaction(sqlite)?,
        }
    }
    result
}
