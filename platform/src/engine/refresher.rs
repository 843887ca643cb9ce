//! TokenRefresher: one per active tenant (a child of its TenantSupervisor). Checks each
//! active account's token through the composition root's [`TokenChecker`] (`debug_token`
//! and granted targets), stores refreshed Instagram Login tokens, and marks an account
//! whose token is no longer accepted as needing the client to reconnect, emitting
//! `account.reauth_required`. Its posts then wait (they are deferred, never failed).

use std::sync::Arc;

use actix::prelude::*;
use std::future::Future;

use super::deps::{refresh_due, TokenCheck, TokenChecker, TokenToCheck};
use super::messages::CheckTokens;
use super::persist;
use super::shared::Shared;
use crate::ids::{AccountId, ConnectionId, TenantId};
use crate::metrics::ActorKind;
use crate::publish::TokenHost;
use crate::store::accounts;
use crate::store::connections::{self, LinkStatus, LoginKind};

pub(crate) struct TokenRefresher {
    shared: Arc<Shared>,
    tenant: TenantId,
    checker: Arc<dyn TokenChecker>,
}

/// One account's token, with where to store a refreshed one.
struct Entry {
    account: AccountId,
    connection: ConnectionId,
    token: TokenToCheck,
}

impl TokenRefresher {
    pub fn new(shared: Arc<Shared>, tenant: TenantId, checker: Arc<dyn TokenChecker>) -> Self {
        Self {
            shared,
            tenant,
            checker,
        }
    }

    fn check_all(&self) -> impl Future<Output = usize> + 'static {
        let (shared, tenant, checker) = (self.shared.clone(), self.tenant, self.checker.clone());
        async move {
            let loaded = shared
                .db(move |conn, shared| load_tokens(conn, shared, tenant))
                .await;
            let entries = match loaded {
                Ok(entries) => entries,
                Err(err) => {
                    tracing::warn!(tenant.id = %tenant, error = %err, "could not load tokens to check");
                    return 0;
                }
            };
            let mut needing_reauth = 0;
            for entry in entries {
                match checker.check(&entry.token).await {
                    TokenCheck::Valid => {}
                    TokenCheck::Unknown { detail } => {
                        tracing::info!(tenant.id = %tenant, account.id = %entry.account, detail, "token check inconclusive");
                    }
                    TokenCheck::Refreshed { token, expires_at } => {
                        let connection = entry.connection;
                        let stored = shared
                            .db(move |conn, shared| {
                                connections::update_token(
                                    conn,
                                    &shared.keyring,
                                    tenant,
                                    connection,
                                    &token,
                                    expires_at,
                                    shared.clock.now(),
                                )
                            })
                            .await;
                        if let Err(err) = stored {
                            tracing::warn!(tenant.id = %tenant, error = %err, "could not store a refreshed token");
                        }
                    }
                    TokenCheck::NeedsReauth { reason } => {
                        needing_reauth += 1;
                        let account = entry.account;
                        let marked = shared
                            .db(move |conn, shared| {
                                persist::mark_reauth(
                                    conn,
                                    tenant,
                                    account,
                                    &reason,
                                    shared.clock.now(),
                                )
                            })
                            .await;
                        if let Err(err) = marked {
                            tracing::warn!(tenant.id = %tenant, account.id = %account, error = %err, "could not mark an account for reconnection");
                        }
                    }
                }
            }
            needing_reauth
        }
    }
}

fn load_tokens(
    conn: &mut crate::store::DbConnection,
    shared: &Shared,
    tenant: TenantId,
) -> crate::store::StoreResult<Vec<Entry>> {
    let mut entries = Vec::new();
    for account in accounts::list(conn, tenant)? {
        if account.status != LinkStatus::Active {
            continue;
        }
        let connection = connections::get(conn, tenant, account.connection_id)?;
        let (token, host) = match accounts::page_token(conn, &shared.keyring, tenant, account.id)? {
            Some(token) => (token, TokenHost::FacebookLogin),
            None => {
                let token =
                    connections::user_token(conn, &shared.keyring, tenant, account.connection_id)?;
                let host = match connection.login_kind {
                    LoginKind::Instagram => TokenHost::InstagramLogin,
                    LoginKind::Facebook => TokenHost::FacebookLogin,
                };
                (token, host)
            }
        };
        entries.push(Entry {
            account: account.id,
            connection: account.connection_id,
            token: TokenToCheck {
                external_id: account.external_id,
                network: account.network,
                host,
                token,
                expires_at: connection.expires_at,
                refresh_due: refresh_due(host, connection.expires_at, shared.clock.now()),
            },
        });
    }
    Ok(entries)
}

impl Actor for TokenRefresher {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        self.shared.actor_started(ActorKind::TokenRefresher);
        let first = self.check_all();
        ctx.spawn(first.into_actor(self).map(|_, _, _| ()));
        ctx.run_interval(self.shared.limits.token_check_interval, |act, ctx| {
            let check = act.check_all();
            ctx.spawn(check.into_actor(act).map(|_, _, _| ()));
        });
    }

    fn stopped(&mut self, _ctx: &mut Self::Context) {
        self.shared.actor_stopped(ActorKind::TokenRefresher);
    }
}

impl Handler<CheckTokens> for TokenRefresher {
    type Result = ResponseFuture<usize>;

    fn handle(&mut self, _msg: CheckTokens, _ctx: &mut Self::Context) -> Self::Result {
        Box::pin(self.check_all())
    }
}
