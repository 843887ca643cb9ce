//! One transaction around work that fails with the caller's own error type, so layers
//! above the store (which do not depend on diesel) can compose repository calls
//! atomically.

use diesel::Connection;

use super::{DbConnection, StoreError};

enum TxError<E> {
    Database(diesel::result::Error),
    Work(E),
}

impl<E> From<diesel::result::Error> for TxError<E> {
    fn from(err: diesel::result::Error) -> Self {
        TxError::Database(err)
    }
}

/// Runs `work` in a transaction: committed when it returns `Ok`, rolled back otherwise.
pub fn transaction<T, E: From<StoreError>>(
    conn: &mut DbConnection,
    work: impl FnOnce(&mut DbConnection) -> Result<T, E>,
) -> Result<T, E> {
    conn.transaction(|conn| work(conn).map_err(TxError::Work))
        .map_err(|err| match err {
            TxError::Database(db) => E::from(StoreError::from(db)),
            TxError::Work(work) => work,
        })
}
