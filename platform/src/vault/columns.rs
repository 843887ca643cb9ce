//! Reading and replacing the sealed values of every [`SecretColumn`], in key order, for
//! `keys rewrap` and `keys status`. The one place that knows where each secret lives.

use diesel::prelude::*;

use super::SecretColumn;
use crate::store::schema::{accounts, meta_connections, oauth_states, webhook_endpoints};
use crate::store::{DbConnection, StoreResult};

/// One stored secret: its row key, the scope it is bound to and the envelope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredSecret {
    pub row: String,
    pub scope: String,
    pub envelope: String,
}

/// Up to `limit` secrets of `column` whose row key is after `after`, in row-key order.
pub fn load_batch(
    conn: &mut DbConnection,
    column: SecretColumn,
    after: &str,
    limit: i64,
) -> StoreResult<Vec<StoredSecret>> {
    let pairs: Vec<(String, String, String)> = match column {
        SecretColumn::PkceVerifier => oauth_states::table
            .filter(oauth_states::state_hash.gt(after))
            .order(oauth_states::state_hash.asc())
            .limit(limit)
            .select((
                oauth_states::state_hash,
                oauth_states::tenant_id,
                oauth_states::pkce_verifier,
            ))
            .load(conn)?,
        SecretColumn::UserToken => meta_connections::table
            .filter(meta_connections::id.gt(after))
            .order(meta_connections::id.asc())
            .limit(limit)
            .select((
                meta_connections::id,
                meta_connections::tenant_id,
                meta_connections::user_token,
            ))
            .load(conn)?,
        SecretColumn::PageToken => accounts::table
            .filter(accounts::id.gt(after))
            .filter(accounts::page_token.is_not_null())
            .order(accounts::id.asc())
            .limit(limit)
            .select((
                accounts::id,
                accounts::tenant_id,
                accounts::page_token.assume_not_null(),
            ))
            .load(conn)?,
        SecretColumn::WebhookSecret | SecretColumn::WebhookPreviousSecret => {
            return load_webhook_batch(conn, column, after, limit);
        }
    };
    Ok(pairs
        .into_iter()
        .map(|(row, scope, envelope)| StoredSecret {
            row,
            scope,
            envelope,
        })
        .collect())
}

fn load_webhook_batch(
    conn: &mut DbConnection,
    column: SecretColumn,
    after: &str,
    limit: i64,
) -> StoreResult<Vec<StoredSecret>> {
    use webhook_endpoints as w;
    let base = w::table
        .filter(w::id.gt(after))
        .order(w::id.asc())
        .limit(limit);
    let rows: Vec<(String, Option<String>, String, Option<String>)> =
        if column == SecretColumn::WebhookSecret {
            base.select((w::id, w::tenant_id, w::agency_id, w::secret.nullable()))
                .load(conn)?
        } else {
            base.filter(w::previous_secret.is_not_null())
                .select((w::id, w::tenant_id, w::agency_id, w::previous_secret))
                .load(conn)?
        };
    Ok(rows
        .into_iter()
        .filter_map(|(row, tenant, agency, envelope)| {
            envelope.map(|envelope| StoredSecret {
                row,
                scope: tenant.unwrap_or(agency),
                envelope,
            })
        })
        .collect())
}

/// Replaces a secret only if it still holds `old` (a concurrent change wins). Returns
/// whether it was replaced.
pub fn replace(
    conn: &mut DbConnection,
    column: SecretColumn,
    row: &str,
    old: &str,
    new: &str,
) -> StoreResult<bool> {
    let changed = match column {
        SecretColumn::PkceVerifier => diesel::update(
            oauth_states::table
                .filter(oauth_states::state_hash.eq(row))
                .filter(oauth_states::pkce_verifier.eq(old)),
        )
        .set(oauth_states::pkce_verifier.eq(new))
        .execute(conn)?,
        SecretColumn::UserToken => diesel::update(
            meta_connections::table
                .filter(meta_connections::id.eq(row))
                .filter(meta_connections::user_token.eq(old)),
        )
        .set(meta_connections::user_token.eq(new))
        .execute(conn)?,
        SecretColumn::PageToken => diesel::update(
            accounts::table
                .filter(accounts::id.eq(row))
                .filter(accounts::page_token.eq(old)),
        )
        .set(accounts::page_token.eq(new))
        .execute(conn)?,
        SecretColumn::WebhookSecret => diesel::update(
            webhook_endpoints::table
                .filter(webhook_endpoints::id.eq(row))
                .filter(webhook_endpoints::secret.eq(old)),
        )
        .set(webhook_endpoints::secret.eq(new))
        .execute(conn)?,
        SecretColumn::WebhookPreviousSecret => diesel::update(
            webhook_endpoints::table
                .filter(webhook_endpoints::id.eq(row))
                .filter(webhook_endpoints::previous_secret.eq(old)),
        )
        .set(webhook_endpoints::previous_secret.eq(new))
        .execute(conn)?,
    };
    Ok(changed == 1)
}
