//! Rendering pages and the errors a page handler can end with.
//!
//! Every dashboard, log-in and connect page goes through [`render`]; every failure becomes
//! a small HTML page through [`PageError`], so a missing object and another agency's
//! object both answer the same 404.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use askama::Template;

use crate::services::ServiceError;

/// Renders a template into a `200 OK` HTML response.
pub fn render<T: Template>(template: &T) -> HttpResponse {
    render_status(StatusCode::OK, template)
}

/// Renders a template with a given status (a form shown again with its errors: 422).
pub fn render_status<T: Template>(status: StatusCode, template: &T) -> HttpResponse {
    match template.render() {
        Ok(body) => HttpResponse::build(status)
            .content_type("text/html; charset=utf-8")
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .body(body),
        Err(err) => {
            tracing::error!(error = %err, "a page failed to render");
            PageError::Internal.error_response()
        }
    }
}

/// A `303 See Other` to `location` (after a form post).
pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .finish()
}

/// How a page handler fails.
#[derive(Debug, thiserror::Error)]
pub enum PageError {
    /// Missing, or another agency's: the same page either way.
    #[error("not found")]
    NotFound,
    /// Not signed in: the browser is sent to the log-in page.
    #[error("sign in required")]
    SignIn,
    /// A form came without its CSRF token, or with someone else's.
    #[error("the form's security token is missing or stale")]
    Csrf,
    /// The user may not do this (a member doing an owner's task).
    #[error("{0}")]
    Forbidden(String),
    /// Something that existed and is no more (a used or expired invitation).
    #[error("{0}")]
    Gone(String),
    /// A request the page cannot use (a malformed field outside a form).
    #[error("{0}")]
    BadRequest(String),
    /// The node is starting or its services are missing.
    #[error("unavailable")]
    Unavailable,
    #[error("internal error")]
    Internal,
}

impl From<ServiceError> for PageError {
    fn from(err: ServiceError) -> Self {
        match err {
            ServiceError::NotFound(_) => PageError::NotFound,
            ServiceError::Forbidden(message) => PageError::Forbidden(message),
            ServiceError::Invalid { field, rule } => {
                PageError::BadRequest(format!("{field}: {rule}"))
            }
            other => {
                tracing::error!(error = %other, "a dashboard operation failed");
                PageError::Internal
            }
        }
    }
}

impl From<herald_platform::store::StoreError> for PageError {
    fn from(err: herald_platform::store::StoreError) -> Self {
        PageError::from(ServiceError::from(err))
    }
}

impl From<actix_web::error::BlockingError> for PageError {
    fn from(_: actix_web::error::BlockingError) -> Self {
        tracing::error!("the blocking pool is gone");
        PageError::Internal
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    title: &'a str,
    message: &'a str,
}

impl ResponseError for PageError {
    fn status_code(&self) -> StatusCode {
        match self {
            PageError::NotFound => StatusCode::NOT_FOUND,
            PageError::SignIn => StatusCode::SEE_OTHER,
            PageError::Csrf | PageError::Forbidden(_) => StatusCode::FORBIDDEN,
            PageError::BadRequest(_) => StatusCode::BAD_REQUEST,
            PageError::Gone(_) => StatusCode::GONE,
            PageError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            PageError::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let (title, message) = match self {
            PageError::SignIn => return see_other("/login"),
            PageError::NotFound => ("Not found", "There is nothing here, or it is not yours to see."),
            PageError::Csrf => (
                "Form expired",
                "This form's security token is missing or stale. Go back, reload the page and try again.",
            ),
            PageError::Forbidden(message) => ("Not allowed", message.as_str()),
            PageError::BadRequest(message) => ("Bad request", message.as_str()),
            PageError::Gone(message) => ("No longer valid", message.as_str()),
            PageError::Unavailable => (
                "Not ready yet",
                "Herald is starting or cannot reach its database. Try again in a moment.",
            ),
            PageError::Internal => (
                "Something went wrong",
                "Herald could not finish this request. It has been logged; try again shortly.",
            ),
        };
        let body = ErrorPage { title, message }
            .render()
            .unwrap_or_else(|_| format!("<h1>{}</h1>", self.status_code()));
        HttpResponse::build(self.status_code())
            .content_type("text/html; charset=utf-8")
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .body(body)
    }
}
