//! What both logins' callbacks check before talking to Meta: the state is taken once,
//! belongs to this login, came back to the browser that started it, and carries a code.

use std::sync::Arc;

use actix_web::{web, HttpRequest, HttpResponse};
use herald_graph::GraphClient;
use herald_platform::clock::to_millis;
use herald_platform::store::connect_ui::{self, StateProblem, TakenState};
use serde::Deserialize;
use subtle::ConstantTimeEq;

use super::facebook::{graph_client, hash, STATE_COOKIE};
use super::pages;
use crate::dashboard::page::PageError;
use crate::dashboard::services;
use crate::server::AppState;
use crate::services::Services;

/// What Meta's dialog sends back to a callback.
#[derive(Deserialize)]
pub(super) struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

/// A callback that passed every check.
pub(super) struct Accepted {
    pub graph: GraphClient,
    pub services: Arc<Services>,
    /// The hash of the state, which the PKCE verifier is sealed under.
    pub state_hash: String,
    pub taken: TakenState,
    pub code: String,
}

/// Checks a callback of the `login_kind` login (`facebook` or `instagram`). `Ok(Err(page))`
/// is the page to answer with instead of going on.
pub(super) async fn accept(
    req: &HttpRequest,
    state: &AppState,
    query: CallbackQuery,
    login_kind: &str,
) -> Result<Result<Accepted, HttpResponse>, PageError> {
    let Some(oauth_state) = query.state.filter(|s| !s.is_empty() && s.len() <= 200) else {
        return Ok(Err(pages::state_unknown()));
    };
    let Some(graph) = graph_client(req) else {
        return Ok(Err(pages::unavailable()));
    };
    let s = services(state)?;

    // The state is taken once, whatever happens next: a replayed callback finds it used.
    let state_hash = hash(&oauth_state);
    let s2 = s.clone();
    let hash2 = state_hash.clone();
    let taken = web::block(move || -> Result<_, PageError> {
        let now = to_millis(s2.clock.now());
        let mut conn = s2.conn()?;
        Ok(connect_ui::take_oauth_state(&mut conn, &hash2, now)?)
    })
    .await??;
    let taken = match taken {
        Ok(taken) if taken.login_kind == login_kind => taken,
        Ok(_) | Err(StateProblem::Unknown) => return Ok(Err(pages::state_unknown())),
        Err(StateProblem::AlreadyUsed) => return Ok(Err(pages::state_used())),
        Err(StateProblem::Expired) => return Ok(Err(pages::state_expired())),
    };
    let same_browser = req
        .cookie(STATE_COOKIE)
        .is_some_and(|c| bool::from(c.value().as_bytes().ct_eq(oauth_state.as_bytes())));
    if !same_browser {
        return Ok(Err(pages::state_unknown()));
    }
    if query.error.is_some() {
        return Ok(Err(pages::cancelled()));
    }
    let Some(code) = query.code.filter(|c| !c.is_empty()) else {
        return Ok(Err(pages::state_unknown()));
    };

    Ok(Ok(Accepted {
        graph,
        services: s,
        state_hash,
        taken,
        code,
    }))
}
