//! Agency accounts and dashboard sessions: sign-up, log-in and log-out, argon2id password
//! hashes, database-backed sessions with idle and absolute expiry, CSRF tokens on every
//! form, and log-in throttling per account and per address.
//!
//! Pages that need a signed-in user take a [`CurrentUser`]; every form handler calls
//! [`CurrentUser::check_csrf`] before acting.

pub mod csrf;
pub mod forms;
pub mod password;
mod routes;
pub mod session;
pub mod throttle;

pub use session::CurrentUser;

/// Registers `/signup`, `/login` and `/logout`.
pub fn configure(cfg: &mut actix_web::web::ServiceConfig) {
    routes::configure(cfg);
}
