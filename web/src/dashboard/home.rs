//! `/`: the signed-in user goes to the tenant list, anyone else to the log-in page.

use actix_web::{get, web, HttpRequest, HttpResponse};

use super::page::{see_other, PageError};
use crate::auth::session;

#[get("/")]
async fn home(req: HttpRequest) -> Result<HttpResponse, PageError> {
    Ok(match session::current(&req).await? {
        Some(_) => see_other("/tenants"),
        None => see_other("/login"),
    })
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(home);
}
