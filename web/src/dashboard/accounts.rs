//! A tenant's accounts page: each Page and Instagram account with its state (active,
//! needs the client to reconnect, throttled until a time), publishing quota used and left
//! in the last 24 hours, and the Meta connections behind them, which can be disconnected.

use actix_web::{get, post, web, HttpResponse};
use askama::Template;
use chrono::Duration;
use herald_platform::clock::to_millis;
use herald_platform::ids::ConnectionId;
use herald_platform::store::{connect_ui, timeline_ui};
use serde::Deserialize;

use super::charts::gauge_svg;
use super::page::{render, see_other, PageError};
use super::tenants::tenant_id;
use super::{services, time, Chrome};
use crate::auth::CurrentUser;
use crate::server::AppState;

/// Instagram's publishing quota per account and rolling 24 hours (Meta's answer wins at
/// publish time; this is what the page measures against).
pub const IG_DAILY_QUOTA: i64 = 50;
/// Facebook's API reels per Page and rolling 24 hours.
pub const FB_DAILY_REELS: i64 = 30;

struct AccountRow {
    name: String,
    network: &'static str,
    username: Option<String>,
    status_class: &'static str,
    status_words: String,
    last_error: Option<String>,
    used: i64,
    quota: i64,
    gauge: String,
}

struct ConnectionRow {
    id: String,
    kind: String,
    status: String,
    expires: String,
    active: bool,
}

#[derive(Template)]
#[template(path = "dashboard/accounts.html")]
struct AccountsPage {
    chrome: Chrome,
    id: String,
    name: String,
    accounts: Vec<AccountRow>,
    connections: Vec<ConnectionRow>,
}

#[get("/tenants/{tenant}/accounts")]
async fn accounts_page(
    user: CurrentUser,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let tenant = tenant_id(&path)?;
    let s = services(&state)?;
    let caller = user.caller();
    let tz = user.time_zone.clone();
    let chrome = Chrome::new(&user, "tenants");
    let page = web::block(move || -> Result<_, PageError> {
        let mut conn = s.conn()?;
        let record = caller.tenant(&mut conn, tenant)?;
        let now = s.clock.now();
        let details = connect_ui::account_details(&mut conn, tenant)?;
        let used = timeline_ui::published_per_account(
            &mut conn,
            tenant,
            to_millis(now - Duration::hours(24)),
        )?;
        let connections = connect_ui::list_connections(&mut conn, tenant)?;
        let accounts = details
            .into_iter()
            .map(|a| {
                let instagram = a.network == "instagram";
                let quota = if instagram {
                    IG_DAILY_QUOTA
                } else {
                    FB_DAILY_REELS
                };
                let used = used.get(&a.id.to_db()).copied().unwrap_or(0);
                let throttled = a.throttled_until.filter(|t| *t > to_millis(now));
                let (status_class, status_words) = match (a.status.as_str(), throttled) {
                    ("active", Some(until)) => (
                        "waiting",
                        format!("Throttled by Meta until {}", time::local_ms(until, &tz)),
                    ),
                    ("active", None) => ("ok", "Active".to_owned()),
                    ("reauth_required", _) => ("bad", "Needs the client to reconnect".to_owned()),
                    _ => ("muted", "Disconnected".to_owned()),
                };
                AccountRow {
                    name: a.name,
                    network: if instagram {
                        "Instagram"
                    } else {
                        "Facebook Page"
                    },
                    username: a.username,
                    status_class,
                    status_words,
                    last_error: a.last_error,
                    used,
                    quota,
                    gauge: gauge_svg(used, quota, if instagram { "posts" } else { "reels" }),
                }
            })
            .collect();
        Ok(AccountsPage {
            chrome,
            id: record.id.to_string(),
            name: record.name,
            accounts,
            connections: connections
                .into_iter()
                .map(|c| ConnectionRow {
                    id: c.id.to_string(),
                    kind: if c.login_kind == "facebook" {
                        "Facebook Login"
                    } else {
                        "Instagram Login"
                    }
                    .to_owned(),
                    active: c.status != "disconnected",
                    status: match c.status.as_str() {
                        "active" => "Active".to_owned(),
                        "reauth_required" => "Needs the client to reconnect".to_owned(),
                        _ => "Disconnected".to_owned(),
                    },
                    expires: c
                        .expires_at
                        .map(|ms| time::local_ms(ms, &tz))
                        .unwrap_or_else(|| "never".to_owned()),
                })
                .collect(),
        })
    })
    .await??;
    Ok(render(&page))
}

#[derive(Deserialize)]
struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

#[post("/tenants/{tenant}/connections/{connection}/disconnect")]
async fn disconnect(
    user: CurrentUser,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, PageError> {
    user.check_csrf(&form.csrf)?;
    let tenant = tenant_id(&path.0)?;
    let connection: ConnectionId = path.1.parse().map_err(|_| PageError::NotFound)?;
    let s = services(&state)?;
    let caller = user.caller();
    web::block(move || -> Result<(), PageError> {
        let mut conn = s.conn()?;
        caller.tenant(&mut conn, tenant)?;
        let now = to_millis(s.clock.now());
        Ok(connect_ui::disconnect(&mut conn, tenant, connection, now)?)
    })
    .await??;
    Ok(see_other(&format!("/tenants/{tenant}/accounts")))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(accounts_page).service(disconnect);
}
