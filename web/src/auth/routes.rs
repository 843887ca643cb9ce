//! `/signup`, `/login` and `/logout`.

use std::time::Instant;

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use askama::Template;
use herald_platform::clock::to_millis;
use herald_platform::store::{auth_ui, StoreError};

use super::forms::{normalize_email, FieldErrors, LoginForm, SignupForm};
use super::session::{self, CurrentUser};
use super::throttle::THROTTLE;
use super::{csrf, password};
use crate::dashboard::page::{render_status, see_other, PageError};
use crate::dashboard::services;
use crate::server::AppState;

/// Time zones offered first on the sign-up form; any IANA name is accepted.
const COMMON_TIME_ZONES: &[&str] = &[
    "UTC",
    "Europe/London",
    "Europe/Paris",
    "Europe/Berlin",
    "America/New_York",
    "America/Chicago",
    "America/Los_Angeles",
    "America/Sao_Paulo",
    "Asia/Kolkata",
    "Asia/Singapore",
    "Asia/Tokyo",
    "Australia/Sydney",
];

#[derive(Template)]
#[template(path = "auth/signup.html")]
struct SignupPage<'a> {
    csrf: String,
    agency_name: &'a str,
    email: &'a str,
    time_zone: &'a str,
    time_zones: &'a [&'a str],
    errors: FieldErrors,
    form_error: Option<String>,
}

#[derive(Template)]
#[template(path = "auth/login.html")]
struct LoginPage<'a> {
    csrf: String,
    email: &'a str,
    error: Option<String>,
}

/// Adds the pre-session cookie, when new, to a page response.
fn with_pre_cookie(
    mut response: HttpResponse,
    cookie: Option<actix_web::cookie::Cookie<'static>>,
) -> HttpResponse {
    if let Some(cookie) = cookie {
        // A cookie that cannot be added leaves the form without a token: it will be refused.
        let _ = response.add_cookie(&cookie);
    }
    response
}

#[get("/signup")]
async fn signup_page(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, PageError> {
    if session::current(&req).await?.is_some() {
        return Ok(see_other("/"));
    }
    let (secret, cookie) = csrf::pre_session(&req, session::secure_cookies(&state));
    let page = SignupPage {
        csrf: csrf::token_for(&secret),
        agency_name: "",
        email: "",
        time_zone: "UTC",
        time_zones: COMMON_TIME_ZONES,
        errors: FieldErrors::default(),
        form_error: None,
    };
    Ok(with_pre_cookie(
        render_status(StatusCode::OK, &page),
        cookie,
    ))
}

#[post("/signup")]
async fn signup(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: web::Form<SignupForm>,
) -> Result<HttpResponse, PageError> {
    csrf::verify_pre_session(&req, &form.csrf)?;
    let form = form.into_inner();
    let show_again = |errors: FieldErrors, form_error: Option<String>| {
        let page = SignupPage {
            csrf: form.csrf.clone(),
            agency_name: &form.agency_name,
            email: &form.email,
            time_zone: &form.time_zone,
            time_zones: COMMON_TIME_ZONES,
            errors,
            form_error,
        };
        render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
    };
    let (agency_name, email, time_zone) = match form.validate() {
        Ok(clean) => clean,
        Err(errors) => return Ok(show_again(errors, None)),
    };

    // Hash, create the agency and its owner, and start the first session.
    let secure = session::secure_cookies(&state);
    let password = form.password.clone();
    let s = services(&state)?;
    let outcome = web::block(move || {
        let hash = password::hash(&password).map_err(|_| PageError::Internal)?;
        let now = to_millis(s.clock.now());
        let mut conn = s.conn()?;
        let created = auth_ui::create_agency_with_owner(
            &mut conn,
            &agency_name,
            &time_zone,
            &email,
            &hash,
            now,
        );
        match created {
            Ok((_, user)) => session::start(&s, user, secure).map(Some),
            Err(StoreError::Conflict { .. }) => Ok(None),
            Err(other) => Err(PageError::from(other)),
        }
    })
    .await??;

    match outcome {
        Some(cookie) => {
            let mut response = see_other("/");
            response
                .add_cookie(&cookie)
                .map_err(|_| PageError::Internal)?;
            Ok(response)
        }
        None => {
            let errors = FieldErrors {
                email: Some("is already registered; log in instead".into()),
                ..FieldErrors::default()
            };
            Ok(show_again(errors, None))
        }
    }
}

#[get("/login")]
async fn login_page(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, PageError> {
    if session::current(&req).await?.is_some() {
        return Ok(see_other("/"));
    }
    let (secret, cookie) = csrf::pre_session(&req, session::secure_cookies(&state));
    let page = LoginPage {
        csrf: csrf::token_for(&secret),
        email: "",
        error: None,
    };
    Ok(with_pre_cookie(
        render_status(StatusCode::OK, &page),
        cookie,
    ))
}

#[post("/login")]
async fn login(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: web::Form<LoginForm>,
) -> Result<HttpResponse, PageError> {
    csrf::verify_pre_session(&req, &form.csrf)?;
    let email = normalize_email(&form.email);
    let address = req.peer_addr().map(|addr| addr.ip());
    let show_again = |status: StatusCode, error: String| {
        let page = LoginPage {
            csrf: form.csrf.clone(),
            email: &form.email,
            error: Some(error),
        };
        render_status(status, &page)
    };

    // Throttle before spending a hash on the attempt.
    if let Some(wait) = THROTTLE.blocked_for(&email, address, Instant::now()) {
        let minutes = wait.as_secs().div_ceil(60).max(1);
        tracing::info!(login.wait_s = wait.as_secs(), "log-in throttled");
        return Ok(show_again(
            StatusCode::TOO_MANY_REQUESTS,
            format!("Too many failed attempts. Try again in {minutes} minute(s)."),
        ));
    }

    let secure = session::secure_cookies(&state);
    let password = form.password.clone();
    let email2 = email.clone();
    let s = services(&state)?;
    let cookie = web::block(move || {
        let mut conn = s.conn()?;
        let user = auth_ui::user_by_email(&mut conn, &email2)?;
        match user {
            Some(user) if password::verify(&password, &user.password_hash) => {
                session::start(&s, user.id, secure).map(Some)
            }
            Some(_) => Ok(None),
            None => {
                password::verify_dummy(&password);
                Ok(None)
            }
        }
    })
    .await??;

    let Some(cookie) = cookie else {
        THROTTLE.failed(&email, address, Instant::now());
        return Ok(show_again(
            StatusCode::UNAUTHORIZED,
            "The e-mail address or the password is wrong.".into(),
        ));
    };
    THROTTLE.succeeded(&email);
    let mut response = see_other("/");
    response
        .add_cookie(&cookie)
        .map_err(|_| PageError::Internal)?;
    Ok(response)
}

#[derive(serde::Deserialize)]
struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

#[post("/logout")]
async fn logout(
    user: CurrentUser,
    state: web::Data<AppState>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, PageError> {
    user.check_csrf(&form.csrf)?;
    let id_hash = user.session_hash();
    let s = services(&state)?;
    web::block(move || -> Result<(), PageError> {
        let mut conn = s.conn()?;
        Ok(auth_ui::delete_session(&mut conn, &id_hash)?)
    })
    .await??;
    let mut response = see_other("/login");
    response
        .add_cookie(&session::removal_cookie(session::secure_cookies(&state)))
        .map_err(|_| PageError::Internal)?;
    Ok(response)
}

/// Registers the routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(signup_page)
        .service(signup)
        .service(login_page)
        .service(login)
        .service(logout);
}
