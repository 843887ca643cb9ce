//! The client's side of connecting Meta accounts: the connect-link page
//! (`/connect/{token}`), Facebook Login (`/oauth/facebook/start`, `/oauth/facebook/callback`)
//! with a single-use `state` bound to the browser and PKCE (S256), Instagram Login
//! (`/oauth/instagram/start`, `/oauth/instagram/callback`), and the outcome in plain
//! words, including a Page granted without its Instagram account.

mod callback;
mod facebook;
pub mod grants;
mod instagram;
mod link;
mod pages;
mod store_grant;

use actix_web::web;

pub use facebook::{graph_client, CALLBACK_PATH, SCOPES, STATE_TTL};

/// Registers the connect-flow routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    facebook::configure(cfg);
    instagram::configure(cfg);
}
