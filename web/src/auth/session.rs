//! Dashboard sessions: a random token in an `HttpOnly`, `SameSite=Lax` cookie (and
//! `Secure` behind HTTPS); the database keeps only its SHA-256. A session ends after
//! [`IDLE_TIMEOUT`] without use or [`ABSOLUTE_TIMEOUT`] after log-in, whichever is first.
//! Log-in always makes a new session (a fresh id), so a token planted before log-in is
//! worth nothing after it.

use actix_web::cookie::{time, Cookie, SameSite};
use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpRequest};
use chrono::Duration;
use futures_util::future::LocalBoxFuture;
use herald_platform::clock::to_millis;
use herald_platform::ids::{AgencyId, UserId};
use herald_platform::store::auth_ui;
use sha2::{Digest, Sha256};

use super::csrf;
use crate::dashboard::page::PageError;
use crate::dashboard::services;
use crate::server::AppState;
use crate::services::{Caller, Services};

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "herald_session";
/// A session unused for this long ends.
pub const IDLE_TIMEOUT: Duration = Duration::hours(8);
/// A session ends this long after log-in, used or not.
pub const ABSOLUTE_TIMEOUT: Duration = Duration::days(7);
/// `last_seen_at` is written at most this often.
const TOUCH_EVERY: Duration = Duration::minutes(1);

/// The signed-in user of a dashboard request. Extracting it from a request without a live
/// session sends the browser to `/login`.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub user_id: UserId,
    pub agency_id: AgencyId,
    pub email: String,
    pub is_owner: bool,
    pub agency_name: String,
    /// The agency's IANA time zone.
    pub time_zone: String,
    /// The token every form of this session posts.
    pub csrf: String,
    session_token: String,
}

impl CurrentUser {
    /// The service caller: the whole agency.
    pub fn caller(&self) -> Caller {
        Caller::agency(self.agency_id)
    }

    /// Refuses a form whose token is not this session's.
    pub fn check_csrf(&self, posted: &str) -> Result<(), PageError> {
        csrf::verify(&self.session_token, posted)
    }

    /// The hash under which the session is stored.
    pub(crate) fn session_hash(&self) -> String {
        hash_token(&self.session_token)
    }
}

/// The stored form of a session token.
pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Whether cookies must be `Secure` (the public URL is HTTPS).
pub fn secure_cookies(state: &AppState) -> bool {
    state.settings.public_url.starts_with("https://")
}

/// Starts a session for `user` and returns its cookie. Blocking.
pub fn start(s: &Services, user: UserId, secure: bool) -> Result<Cookie<'static>, PageError> {
    let token = csrf::random_token();
    let now = s.clock.now();
    let mut conn = s.conn()?;
    auth_ui::insert_session(
        &mut conn,
        &hash_token(&token),
        user,
        to_millis(now),
        to_millis(now + ABSOLUTE_TIMEOUT),
    )?;
    Ok(session_cookie(token, secure))
}

fn session_cookie(token: String, secure: bool) -> Cookie<'static> {
    Cookie::build(SESSION_COOKIE, token)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
        .max_age(time::Duration::seconds(ABSOLUTE_TIMEOUT.num_seconds()))
        .finish()
}

/// A cookie that removes the session cookie from the browser.
pub fn removal_cookie(secure: bool) -> Cookie<'static> {
    let mut cookie = session_cookie(String::new(), secure);
    cookie.make_removal();
    cookie
}

/// Looks the session up, ends it if it has expired, and keeps it alive if not. Blocking.
fn load(s: &Services, token: String) -> Result<Option<CurrentUser>, PageError> {
    let id_hash = hash_token(&token);
    let mut conn = s.conn()?;
    let Some(session) = auth_ui::session_by_hash(&mut conn, &id_hash)? else {
        return Ok(None);
    };

    let now = to_millis(s.clock.now());
    let idle_since = now - IDLE_TIMEOUT.num_milliseconds();
    if session.expires_at <= now || session.last_seen_at < idle_since {
        auth_ui::delete_session(&mut conn, &id_hash)?;
        return Ok(None);
    }
    if now - session.last_seen_at >= TOUCH_EVERY.num_milliseconds() {
        auth_ui::touch_session(&mut conn, &id_hash, now)?;
    }

    Ok(Some(CurrentUser {
        user_id: session.user.id,
        agency_id: session.agency.id,
        email: session.user.email,
        is_owner: session.user.role == "owner",
        agency_name: session.agency.name,
        time_zone: session.agency.time_zone,
        csrf: csrf::token_for(&token),
        session_token: token,
    }))
}

/// The signed-in user, or `None`: for pages that show either way (the log-in page).
pub async fn current(req: &HttpRequest) -> Result<Option<CurrentUser>, PageError> {
    let Some(token) = req.cookie(SESSION_COOKIE).map(|c| c.value().to_owned()) else {
        return Ok(None);
    };
    if token.len() != 64 {
        return Ok(None);
    }
    let state = req
        .app_data::<web::Data<AppState>>()
        .ok_or(PageError::Internal)?;
    let s = services(state)?;
    web::block(move || load(&s, token)).await?
}

impl FromRequest for CurrentUser {
    type Error = PageError;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { current(&req).await?.ok_or(PageError::SignIn) })
    }
}
