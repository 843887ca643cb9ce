//! Recording what a Facebook Login granted: the connection with its long-lived user
//! token, and one account per Page and Instagram account Herald may publish to, each token
//! sealed in the vault for its row. One transaction.

use std::collections::HashMap;

use herald_graph::{IgAccount, PageAccount, TokenDebug, TokenGrant};
use herald_platform::clock::to_millis;
use herald_platform::store::connect_ui::{self, NewAccount, NewConnection, TakenState};
use herald_platform::store::transaction_api::transaction;
use herald_platform::vault::{Binding, SecretColumn};

use super::grants::{work_out, Grants, SeenPage};
use crate::dashboard::page::PageError;
use crate::services::Services;

/// What Meta answered during the callback.
pub struct Fetched {
    pub grant: TokenGrant,
    pub debug: TokenDebug,
    pub pages: Vec<(PageAccount, Option<IgAccount>)>,
}

/// What the result page shows.
pub struct Stored {
    pub agency_name: String,
    pub tenant_name: String,
    pub grants: Grants,
}

/// Stores the connection and its accounts. Blocking.
pub fn store(s: &Services, taken: &TakenState, fetched: Fetched) -> Result<Stored, PageError> {
    let seen: Vec<SeenPage> = fetched
        .pages
        .iter()
        .map(|(page, ig)| SeenPage {
            id: page.id.clone(),
            name: page.name.clone(),
            ig: ig.clone(),
        })
        .collect();
    let grants = work_out(&fetched.debug, &seen);
    let tokens: HashMap<&str, &PageAccount> = fetched
        .pages
        .iter()
        .map(|(page, _)| (page.id.as_str(), page))
        .collect();

    let now = s.clock.now();
    let now_ms = to_millis(now);
    let expires_at_ms = match (fetched.debug.expires_at, fetched.grant.expires_in) {
        (Some(at), _) if at > 0 => Some(at * 1000),
        (_, Some(seconds)) => Some(now_ms + i64::try_from(seconds).unwrap_or(i64::MAX / 2) * 1000),
        _ => None,
    };
    let meta_user_id = fetched.debug.user_id.clone().unwrap_or_default();
    let scopes = fetched.debug.scopes.join(" ");
    let tenant = taken.tenant;
    let tenant_db = tenant.to_db();

    let mut conn = s.conn()?;
    let (agency_name, tenant_name) = transaction(&mut conn, |conn| -> Result<_, PageError> {
        let names = connect_ui::names_for_tenant(conn, tenant)?;
        let new = NewConnection {
            tenant,
            login_kind: "facebook",
            meta_user_id: &meta_user_id,
            expires_at_ms,
            scopes: &scopes,
        };
        let connection = connect_ui::upsert_connection(
            conn,
            &new,
            |id| {
                let binding = Binding::new(SecretColumn::UserToken, tenant_db.clone(), id.to_db());
                s.keyring.seal(&binding, &fetched.grant.access_token)
            },
            now_ms,
        )?;
        let seal_page = |page_id: &str, account: herald_platform::ids::AccountId| {
            tokens.get(page_id).map(|page| {
                let binding =
                    Binding::new(SecretColumn::PageToken, tenant_db.clone(), account.to_db());
                s.keyring.seal(&binding, &page.access_token)
            })
        };
        for page in &grants.pages {
            let account = NewAccount {
                tenant,
                connection,
                network: "facebook",
                external_id: &page.id,
                name: &page.name,
                username: None,
                linked_page_id: None,
            };
            connect_ui::upsert_account(conn, &account, |id| seal_page(&page.id, id), now_ms)?;
        }
        for ig in &grants.igs {
            let name = ig.username.clone().unwrap_or_else(|| ig.id.clone());
            let account = NewAccount {
                tenant,
                connection,
                network: "instagram",
                external_id: &ig.id,
                name: &name,
                username: ig.username.as_deref(),
                linked_page_id: Some(&ig.page_id),
            };
            connect_ui::upsert_account(conn, &account, |id| seal_page(&ig.page_id, id), now_ms)?;
        }
        if let Some(link) = taken.connect_link {
            connect_ui::mark_link_used(conn, link, now_ms)?;
        }
        Ok(names)
    })?;
    tracing::info!(
        tenant.id = %tenant,
        pages = grants.pages.len(),
        instagram_accounts = grants.igs.len(),
        "Meta accounts connected"
    );
    Ok(Stored {
        agency_name,
        tenant_name,
        grants,
    })
}
