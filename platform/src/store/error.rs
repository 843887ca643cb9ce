//! The store's one error type. Messages name what went wrong and never carry a stored
//! value, a token or a password: database messages are reduced to the constraint at fault.

use diesel::result::{DatabaseErrorKind, Error as DieselError};

/// What a store call can fail with.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The row does not exist, or belongs to another tenant (which must look the same).
    #[error("{what} not found")]
    NotFound { what: &'static str },

    /// A uniqueness rule or a guarded update lost (another writer got there first).
    #[error("conflict: {detail}")]
    Conflict { detail: String },

    /// A value broke a rule before or while it was written.
    #[error("invalid {field}: {rule}")]
    Invalid { field: String, rule: String },

    /// A setting (such as `HERALD_DATABASE_URL`) is malformed.
    #[error("{setting}: {problem}")]
    Config {
        setting: &'static str,
        problem: String,
    },

    /// The database has migrations this binary does not know: it was written by a newer
    /// Herald. Nothing was changed.
    #[error(
        "the database schema is newer than this binary: it has migration(s) {unknown} that this \
         version of Herald does not know; run a newer Herald or restore a matching backup"
    )]
    NewerSchema { unknown: String },

    /// Running or reverting a migration failed.
    #[error("migration failed: {0}")]
    Migration(String),

    /// No connection could be had from the pool, or opened.
    #[error("database unavailable: {0}")]
    Unavailable(String),

    /// A sealed secret could not be opened or sealed.
    #[error(transparent)]
    Vault(#[from] crate::vault::VaultError),

    /// Any other database failure.
    #[error("database error: {0}")]
    Database(String),
}

impl StoreError {
    pub fn not_found(what: &'static str) -> Self {
        StoreError::NotFound { what }
    }

    pub fn invalid(field: impl Into<String>, rule: impl Into<String>) -> Self {
        StoreError::Invalid {
            field: field.into(),
            rule: rule.into(),
        }
    }

    pub fn conflict(detail: impl Into<String>) -> Self {
        StoreError::Conflict {
            detail: detail.into(),
        }
    }

    /// A stored value that does not parse back (a corrupt row): reported by column.
    pub fn corrupt(column: &str, problem: impl std::fmt::Display) -> Self {
        StoreError::Database(format!(
            "stored value in `{column}` is unreadable: {problem}"
        ))
    }

    /// Maps a diesel error, naming `what` when the row is missing.
    pub fn from_diesel(what: &'static str, err: DieselError) -> Self {
        match err {
            DieselError::NotFound => StoreError::NotFound { what },
            other => other.into(),
        }
    }
}

impl From<DieselError> for StoreError {
    fn from(err: DieselError) -> Self {
        match err {
            DieselError::NotFound => StoreError::NotFound { what: "row" },
            // Both backends' messages name the constraint, not the value.
            DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
                StoreError::Conflict {
                    detail: info.message().to_owned(),
                }
            }
            DieselError::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, info) => {
                StoreError::Invalid {
                    field: info.constraint_name().unwrap_or("reference").to_owned(),
                    rule: "must refer to an existing row".to_owned(),
                }
            }
            DieselError::DatabaseError(DatabaseErrorKind::CheckViolation, info) => {
                StoreError::Invalid {
                    field: info.constraint_name().unwrap_or("value").to_owned(),
                    rule: info.message().to_owned(),
                }
            }
            DieselError::DatabaseError(DatabaseErrorKind::ClosedConnection, info) => {
                StoreError::Unavailable(info.message().to_owned())
            }
            DieselError::DatabaseError(_, info) => StoreError::Database(info.message().to_owned()),
            other => StoreError::Database(other.to_string()),
        }
    }
}

impl From<diesel::r2d2::PoolError> for StoreError {
    fn from(err: diesel::r2d2::PoolError) -> Self {
        StoreError::Unavailable(err.to_string())
    }
}
