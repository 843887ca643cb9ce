//! The client's pages: the connect-link page, the result, and the clear dead ends
//! (cancelled, expired, already used, unknown).

use actix_web::http::StatusCode;
use actix_web::HttpResponse;
use askama::Template;

use super::grants::Grants;
use crate::dashboard::page::render_status;

#[derive(Template)]
#[template(path = "connect/link.html")]
pub struct LinkPage<'a> {
    pub agency_name: &'a str,
    pub tenant_name: &'a str,
    pub token: &'a str,
    pub csrf: String,
    pub expires: String,
    pub facebook_available: bool,
}

#[derive(Template)]
#[template(path = "connect/result.html")]
pub struct ResultPage<'a> {
    pub agency_name: &'a str,
    pub tenant_name: &'a str,
    pub grants: &'a Grants,
}

#[derive(Template)]
#[template(path = "connect/message.html")]
struct MessagePage<'a> {
    title: &'a str,
    message: &'a str,
}

/// A dead-end page with a title and a plain explanation.
pub fn message(status: StatusCode, title: &str, message: &str) -> HttpResponse {
    render_status(status, &MessagePage { title, message })
}

pub fn unknown_link() -> HttpResponse {
    message(
        StatusCode::NOT_FOUND,
        "This link does not work",
        "This connect link is not valid. Check that you copied all of it, or ask the agency \
         that sent it for a new one.",
    )
}

pub fn expired_link(agency_name: &str) -> HttpResponse {
    message(
        StatusCode::GONE,
        "This link has expired",
        &format!(
            "Connect links work for a limited time. Ask {agency_name} to send you a new one; \
             nothing was connected."
        ),
    )
}

pub fn cancelled() -> HttpResponse {
    message(
        StatusCode::OK,
        "You cancelled",
        "Nothing was connected and nothing was shared. To try again, open the link you were \
         sent once more.",
    )
}

pub fn state_used() -> HttpResponse {
    message(
        StatusCode::CONFLICT,
        "This sign-in was already used",
        "Each sign-in with Facebook can be completed only once, and this one already was. \
         Open the link you were sent again to start over.",
    )
}

pub fn state_expired() -> HttpResponse {
    message(
        StatusCode::GONE,
        "This sign-in took too long",
        "The sign-in with Facebook was not finished in time. Open the link you were sent again \
         to start over; nothing was connected.",
    )
}

pub fn state_unknown() -> HttpResponse {
    message(
        StatusCode::BAD_REQUEST,
        "This sign-in is not valid",
        "Herald did not start this sign-in, or it was started in another browser. Open the link \
         you were sent in this browser to start over.",
    )
}

pub fn meta_failed(detail: &str) -> HttpResponse {
    message(
        StatusCode::BAD_GATEWAY,
        "Facebook did not complete the connection",
        &format!("{detail} Nothing was connected. Open the link you were sent again to retry."),
    )
}

pub fn unavailable() -> HttpResponse {
    message(
        StatusCode::SERVICE_UNAVAILABLE,
        "Connecting is not available",
        "This Herald has no Meta app configured, so accounts cannot be connected right now. \
         Tell the agency that sent you the link.",
    )
}
