//! Embedded migrations, one set per backend, and the checks around running them: a
//! database that has a migration this binary does not know is refused before anything runs.

use std::collections::BTreeSet;

use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use super::{DbConnection, StoreError};

pub const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../migrations/sqlite");
pub const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../migrations/postgres");

type HarnessResult<T> = diesel::migration::Result<T>;

fn migration_error(err: impl std::fmt::Display) -> StoreError {
    StoreError::Migration(err.to_string())
}

/// Versions embedded in this binary for the connection's backend.
pub fn known_versions(conn: &DbConnection) -> Result<BTreeSet<String>, StoreError> {
    let source = match conn {
        DbConnection::Sqlite(_) => &SQLITE_MIGRATIONS,
        DbConnection::Pg(_) => &POSTGRES_MIGRATIONS,
    };
    let versions = match conn {
        DbConnection::Sqlite(_) => names::<diesel::sqlite::Sqlite>(source),
        DbConnection::Pg(_) => names::<diesel::pg::Pg>(source),
    };
    versions.map_err(migration_error)
}

fn names<DB: diesel::backend::Backend>(
    source: &EmbeddedMigrations,
) -> HarnessResult<BTreeSet<String>> {
    use diesel::migration::MigrationSource;
    Ok(MigrationSource::<DB>::migrations(source)?
        .iter()
        .map(|m| m.name().version().to_string())
        .collect())
}

/// Versions recorded as applied in the database (creating diesel's bookkeeping table if
/// it is missing).
pub fn applied_versions(conn: &mut DbConnection) -> Result<BTreeSet<String>, StoreError> {
    let applied = match conn {
        DbConnection::Sqlite(c) => c.applied_migrations(),
        DbConnection::Pg(c) => c.applied_migrations(),
    };
    Ok(applied
        .map_err(migration_error)?
        .into_iter()
        .map(|v| v.to_string())
        .collect())
}

/// Refuses a database written by a newer binary.
pub fn check_not_newer(conn: &mut DbConnection) -> Result<(), StoreError> {
    let known = known_versions(conn)?;
    let unknown: Vec<String> = applied_versions(conn)?
        .into_iter()
        .filter(|v| !known.contains(v))
        .collect();
    if unknown.is_empty() {
        Ok(())
    } else {
        Err(StoreError::NewerSchema {
            unknown: unknown.join(", "),
        })
    }
}

/// Versions embedded but not yet applied, oldest first.
pub fn pending_versions(conn: &mut DbConnection) -> Result<Vec<String>, StoreError> {
    let known = known_versions(conn)?;
    let applied = applied_versions(conn)?;
    Ok(known.difference(&applied).cloned().collect())
}

/// Applies every pending migration; returns the versions applied.
pub fn run_pending(conn: &mut DbConnection) -> Result<Vec<String>, StoreError> {
    check_not_newer(conn)?;
    let ran = match conn {
        DbConnection::Sqlite(c) => c
            .run_pending_migrations(SQLITE_MIGRATIONS)
            .map(|v| v.iter().map(|v| v.to_string()).collect()),
        DbConnection::Pg(c) => c
            .run_pending_migrations(POSTGRES_MIGRATIONS)
            .map(|v| v.iter().map(|v| v.to_string()).collect()),
    };
    ran.map_err(migration_error)
}

/// Reverts every applied migration (tests and disaster recovery only).
pub fn revert_all(conn: &mut DbConnection) -> Result<Vec<String>, StoreError> {
    check_not_newer(conn)?;
    let reverted = match conn {
        DbConnection::Sqlite(c) => c
            .revert_all_migrations(SQLITE_MIGRATIONS)
            .map(|v| v.iter().map(|v| v.to_string()).collect()),
        DbConnection::Pg(c) => c
            .revert_all_migrations(POSTGRES_MIGRATIONS)
            .map(|v| v.iter().map(|v| v.to_string()).collect()),
    };
    reverted.map_err(migration_error)
}
