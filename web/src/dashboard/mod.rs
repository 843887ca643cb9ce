//! The agency dashboard: server-rendered askama pages for tenants, connect links,
//! accounts, compose, timelines, charts, webhook endpoints and API keys.
//!
//! Handlers take a [`CurrentUser`](crate::auth::CurrentUser) and act through
//! [`crate::services`] as that user's agency; an id of another agency's object is a 404.
//! Database work runs on the blocking pool.

mod accounts;
mod assets;
pub mod charts;
pub mod chrome;
mod compose;
mod compose_form;
mod home;
mod integrations;
pub mod page;
mod team;
mod tenants;
pub mod time;
mod timeline;
pub mod views;

use std::sync::Arc;

use actix_web::web;

use crate::server::AppState;
use crate::services::Services;

pub use chrome::Chrome;

/// The business services the dashboard acts through; a 503 page until they are built.
pub fn services(state: &AppState) -> Result<Arc<Services>, page::PageError> {
    state.services.clone().ok_or(page::PageError::Unavailable)
}

/// Registers every dashboard route and the static files.
pub fn configure(cfg: &mut web::ServiceConfig) {
    assets::configure(cfg);
    home::configure(cfg);
    tenants::configure(cfg);
    accounts::configure(cfg);
    timeline::configure(cfg);
    charts::configure(cfg);
    compose::configure(cfg);
    integrations::configure(cfg);
    team::configure(cfg);
}
