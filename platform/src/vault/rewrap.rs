//! `keys rewrap` and `keys status`: moving every stored secret to the active key, in
//! batches, and counting how many secrets each key id still protects.

use std::collections::BTreeMap;

use super::columns::{load_batch, replace};
use super::envelope::key_id_of;
use super::{Binding, Keyring, SecretColumn};
use crate::store::{write_transaction, Store, StoreError, StoreResult};

/// What a rewrap did to one column.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ColumnReport {
    pub table: &'static str,
    pub column: &'static str,
    /// Re-encrypted under the active key.
    pub rewrapped: u64,
    /// Already under the active key.
    pub already_current: u64,
    /// Could not be opened (tampered, unknown key…): left as they were.
    pub failed: u64,
    /// The first failure's message (it names no secret).
    pub first_error: Option<String>,
}

/// What a rewrap did, per table and column.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RewrapReport {
    pub active_key_id: String,
    pub columns: Vec<ColumnReport>,
}

impl RewrapReport {
    pub fn rewrapped(&self) -> u64 {
        self.columns.iter().map(|c| c.rewrapped).sum()
    }

    pub fn failed(&self) -> u64 {
        self.columns.iter().map(|c| c.failed).sum()
    }
}

/// Re-encrypts every stored secret not yet under the keyring's active key, `batch` rows at
/// a time, each batch in its own transaction. A secret that cannot be opened is counted
/// and left unchanged; the rest still move.
pub fn rewrap(store: &Store, keyring: &Keyring, batch: usize) -> StoreResult<RewrapReport> {
    let batch = i64::try_from(batch.clamp(1, 10_000)).unwrap_or(500);
    let mut conn = store.conn()?;
    let mut report = RewrapReport {
        active_key_id: keyring.active_id().to_owned(),
        columns: Vec::new(),
    };

    for &column in SecretColumn::ALL {
        let mut counts = ColumnReport {
            table: column.table(),
            column: column.column(),
            ..Default::default()
        };
        let mut after = String::new();
        loop {
            let rows = load_batch(&mut conn, column, &after, batch)?;
            let Some(last) = rows.last() else { break };
            after = last.row.clone();
            write_transaction(&mut conn, |conn| -> Result<(), StoreError> {
                for stored in &rows {
                    if keyring.is_current(&stored.envelope) {
                        counts.already_current += 1;
                        continue;
                    }
                    let binding = Binding::new(column, stored.scope.clone(), stored.row.clone());
                    match keyring.open(&binding, &stored.envelope) {
                        Ok(secret) => {
                            let sealed = keyring.seal(&binding, &secret);
                            if replace(conn, column, &stored.row, &stored.envelope, &sealed)? {
                                counts.rewrapped += 1;
                            }
                        }
                        Err(err) => {
                            counts.failed += 1;
                            counts.first_error.get_or_insert_with(|| err.to_string());
                        }
                    }
                }
                Ok(())
            })?;
        }
        report.columns.push(counts);
    }
    Ok(report)
}

/// How many stored secrets each key id protects, by key id. Envelopes that do not even
/// name a key are counted under `(malformed)`.
pub fn status(store: &Store) -> StoreResult<Vec<(String, u64)>> {
    let mut conn = store.conn()?;
    let mut counts: BTreeMap<String, u64> = BTreeMap::new();
    for &column in SecretColumn::ALL {
        let mut after = String::new();
        loop {
            let rows = load_batch(&mut conn, column, &after, 1000)?;
            let Some(last) = rows.last() else { break };
            after = last.row.clone();
            for stored in &rows {
                let key = key_id_of(&stored.envelope).unwrap_or("(malformed)");
                *counts.entry(key.to_owned()).or_default() += 1;
            }
        }
    }
    Ok(counts.into_iter().collect())
}
