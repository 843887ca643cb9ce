//! `/team`: the agency's members, and invitations an owner sends (the link is shown once);
//! `/invite/{token}`: the invited person sets a password and is signed in as a member.

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use askama::Template;
use chrono::Duration;
use herald_platform::clock::to_millis;
use herald_platform::secret::Secret;
use herald_platform::store::team_ui::{self, InvitationRecord};
use herald_platform::store::{auth_ui, StoreError};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::page::{render_status, see_other, PageError};
use super::{services, time, Chrome};
use crate::auth::forms::{check_email, normalize_email};
use crate::auth::{csrf, password, session, CurrentUser};
use crate::server::AppState;

/// How long an invitation works.
pub const INVITATION_TTL: Duration = Duration::days(7);

fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

#[derive(Template)]
#[template(path = "dashboard/team.html")]
struct TeamPage {
    chrome: Chrome,
    is_owner: bool,
    members: Vec<(String, String)>,
    invitations: Vec<(String, String, String)>,
    email: String,
    email_error: Option<String>,
    new_link: Option<String>,
}

async fn team_page(
    user: &CurrentUser,
    state: &web::Data<AppState>,
    email: String,
    email_error: Option<String>,
    new_link: Option<String>,
) -> Result<TeamPage, PageError> {
    let s = services(state)?;
    let agency = user.agency_id;
    let (members, open) = web::block(move || -> Result<_, PageError> {
        let mut conn = s.conn()?;
        let members = auth_ui::users_of_agency(&mut conn, agency)?;
        let open = team_ui::open_invitations(&mut conn, agency, to_millis(s.clock.now()))?;
        Ok((members, open))
    })
    .await??;
    Ok(TeamPage {
        chrome: Chrome::new(user, "team"),
        is_owner: user.is_owner,
        members: members.into_iter().map(|m| (m.email, m.role)).collect(),
        invitations: open
            .into_iter()
            .map(|(email, role, expires)| (email, role, time::local_ms(expires, &user.time_zone)))
            .collect(),
        email,
        email_error,
        new_link,
    })
}

#[get("/team")]
async fn team(user: CurrentUser, state: web::Data<AppState>) -> Result<HttpResponse, PageError> {
    let page = team_page(&user, &state, String::new(), None, None).await?;
    Ok(render_status(StatusCode::OK, &page))
}

#[derive(Deserialize)]
struct InviteForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    role: String,
}

#[post("/team/invitations")]
async fn invite(
    user: CurrentUser,
    state: web::Data<AppState>,
    form: web::Form<InviteForm>,
) -> Result<HttpResponse, PageError> {
    user.check_csrf(&form.csrf)?;
    if !user.is_owner {
        return Err(PageError::Forbidden(
            "Only an owner of the agency can invite people.".into(),
        ));
    }
    let email = normalize_email(&form.email);
    if let Err(rule) = check_email(&email) {
        let page = team_page(&user, &state, form.email.clone(), Some(rule), None).await?;
        return Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page));
    }
    let role = if form.role == "owner" {
        "owner"
    } else {
        "member"
    };
    let token = csrf::random_token();
    let hash = token_hash(&token);
    let s = services(&state)?;
    let (agency, inviter) = (user.agency_id, user.user_id);
    let email2 = email.clone();
    let stored = web::block(move || -> Result<_, PageError> {
        let now = s.clock.now();
        let mut conn = s.conn()?;
        let made = team_ui::insert_invitation(
            &mut conn,
            agency,
            &email2,
            role,
            &hash,
            inviter,
            to_millis(now),
            to_millis(now + INVITATION_TTL),
        );
        match made {
            Ok(()) => Ok(true),
            Err(StoreError::Conflict { .. }) => Ok(false),
            Err(other) => Err(other.into()),
        }
    })
    .await??;
    if !stored {
        let rule = "already has a Herald account".to_owned();
        let page = team_page(&user, &state, email, Some(rule), None).await?;
        return Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page));
    }
    let link = format!(
        "{}/invite/{token}",
        state.settings.public_url.trim_end_matches('/')
    );
    let page = team_page(&user, &state, String::new(), None, Some(link)).await?;
    Ok(render_status(StatusCode::OK, &page))
}

#[derive(Template)]
#[template(path = "auth/invite.html")]
struct InvitePage<'a> {
    csrf: String,
    token: &'a str,
    email: &'a str,
    agency_name: &'a str,
    error: Option<String>,
}

/// The open invitation for a token, with its agency's name; `None` when the token is
/// unknown, used or expired.
async fn open_invitation(
    state: &web::Data<AppState>,
    token: &str,
) -> Result<Option<(InvitationRecord, String)>, PageError> {
    if token.len() != 64 {
        return Ok(None);
    }
    let s = services(state)?;
    let hash = token_hash(token);
    web::block(move || -> Result<_, PageError> {
        let mut conn = s.conn()?;
        let now = to_millis(s.clock.now());
        match team_ui::invitation_by_hash(&mut conn, &hash)? {
            Some(inv) if inv.accepted_at.is_none() && inv.expires_at > now => {
                let agency = auth_ui::agency(&mut conn, inv.agency_id)?;
                Ok(Some((inv, agency.name)))
            }
            _ => Ok(None),
        }
    })
    .await?
}

fn invitation_gone() -> PageError {
    PageError::Gone("This invitation is not valid any more: it was used, or it expired. Ask the agency's owner for a new one.".into())
}

#[get("/invite/{token}")]
async fn invite_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let Some((inv, agency_name)) = open_invitation(&state, &path).await? else {
        return Err(invitation_gone());
    };
    let (secret, cookie) = csrf::pre_session(&req, session::secure_cookies(&state));
    let page = InvitePage {
        csrf: csrf::token_for(&secret),
        token: &path,
        email: &inv.email,
        agency_name: &agency_name,
        error: None,
    };
    let mut response = render_status(StatusCode::OK, &page);
    if let Some(cookie) = cookie {
        response
            .add_cookie(&cookie)
            .map_err(|_| PageError::Internal)?;
    }
    Ok(response)
}

#[derive(Deserialize)]
struct AcceptForm {
    #[serde(default)]
    csrf: String,
    #[serde(default = "empty")]
    password: Secret,
}

fn empty() -> Secret {
    Secret::new("")
}

#[post("/invite/{token}")]
async fn accept(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<AcceptForm>,
) -> Result<HttpResponse, PageError> {
    csrf::verify_pre_session(&req, &form.csrf)?;
    let Some((inv, agency_name)) = open_invitation(&state, &path).await? else {
        return Err(invitation_gone());
    };
    if let Err(rule) = password::check_new(&form.password) {
        let page = InvitePage {
            csrf: form.csrf.clone(),
            token: &path,
            email: &inv.email,
            agency_name: &agency_name,
            error: Some(format!("Password {rule}.")),
        };
        return Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page));
    }
    let s = services(&state)?;
    let secure = session::secure_cookies(&state);
    let password = form.password.clone();
    let cookie = web::block(move || -> Result<_, PageError> {
        let hash = password::hash(&password).map_err(|_| PageError::Internal)?;
        let mut conn = s.conn()?;
        let now = to_millis(s.clock.now());
        let user = match team_ui::accept_invitation(&mut conn, &inv, &hash, now) {
            Ok(user) => user,
            Err(StoreError::Conflict { .. }) => return Err(invitation_gone()),
            Err(other) => return Err(other.into()),
        };
        drop(conn);
        session::start(&s, user, secure)
    })
    .await??;
    let mut response = see_other("/");
    response
        .add_cookie(&cookie)
        .map_err(|_| PageError::Internal)?;
    Ok(response)
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(team)
        .service(invite)
        .service(invite_page)
        .service(accept);
}
