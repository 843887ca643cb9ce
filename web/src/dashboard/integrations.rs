//! `/webhooks` and `/api-keys`: the agency's webhook endpoints and API keys. A new
//! endpoint's signing secret and a new key are shown once, on the page that made them.

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use askama::Template;
use herald_platform::ids::{ApiKeyId, TenantId, WebhookEndpointId};
use herald_platform::store::tenants_api;
use herald_platform::store::webhook_endpoints_api::EndpointScope;
use serde::Deserialize;

use super::page::{render_status, see_other, PageError};
use super::{services, time, Chrome};
use crate::auth::CurrentUser;
use crate::server::AppState;
use crate::services::webhook_endpoints::{self, EndpointInput};
use crate::services::{api_keys, ServiceError};

struct EndpointLine {
    id: String,
    url: String,
    description: String,
    events: String,
    state: String,
    ok: bool,
}

#[derive(Template)]
#[template(path = "dashboard/webhooks.html")]
struct WebhooksPage {
    chrome: Chrome,
    endpoints: Vec<EndpointLine>,
    url: String,
    url_error: Option<String>,
    new_secret: Option<String>,
}

async fn webhooks_page(
    user: &CurrentUser,
    state: &web::Data<AppState>,
    url: String,
    url_error: Option<String>,
    new_secret: Option<String>,
) -> Result<WebhooksPage, PageError> {
    let s = services(state)?;
    let scope = EndpointScope {
        agency: user.agency_id,
        tenant: None,
    };
    let endpoints =
        web::block(move || webhook_endpoints::list_endpoints(&s, scope, None, 200)).await??;
    Ok(WebhooksPage {
        chrome: Chrome::new(user, "webhooks"),
        endpoints: endpoints
            .into_iter()
            .map(|e| EndpointLine {
                id: e.id.to_string(),
                url: e.url,
                description: e.description,
                events: if e.event_types.is_empty() {
                    "every event".to_owned()
                } else {
                    e.event_types.join(", ")
                },
                ok: e.enabled && e.failing_since.is_none(),
                state: match (e.enabled, e.disabled_reason, e.failing_since) {
                    (false, Some(reason), _) => format!("Disabled: {reason}"),
                    (false, None, _) => "Disabled".to_owned(),
                    (true, _, Some(since)) => {
                        format!("Failing since {}", time::local(since, &user.time_zone))
                    }
                    (true, _, None) => "Delivering".to_owned(),
                },
            })
            .collect(),
        url,
        url_error,
        new_secret,
    })
}

#[get("/webhooks")]
async fn webhooks_list(
    user: CurrentUser,
    state: web::Data<AppState>,
) -> Result<HttpResponse, PageError> {
    let page = webhooks_page(&user, &state, String::new(), None, None).await?;
    Ok(render_status(StatusCode::OK, &page))
}

#[derive(Deserialize)]
struct EndpointForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    url: String,
    #[serde(default)]
    description: String,
}

#[post("/webhooks")]
async fn create_webhook(
    user: CurrentUser,
    state: web::Data<AppState>,
    form: web::Form<EndpointForm>,
) -> Result<HttpResponse, PageError> {
    user.check_csrf(&form.csrf)?;
    let s = services(&state)?;
    let scope = EndpointScope {
        agency: user.agency_id,
        tenant: None,
    };
    let input = EndpointInput {
        url: Some(form.url.clone()),
        description: Some(form.description.clone()),
        ..EndpointInput::default()
    };
    let made = web::block(move || webhook_endpoints::create_endpoint(&s, scope, input)).await?;
    let page = match made {
        Ok(made) => {
            let secret = made.secret.expose().to_owned();
            webhooks_page(&user, &state, String::new(), None, Some(secret)).await?
        }
        Err(ServiceError::Invalid { rule, .. }) => {
            let page = webhooks_page(&user, &state, form.url.clone(), Some(rule), None).await?;
            return Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page));
        }
        Err(other) => return Err(other.into()),
    };
    Ok(render_status(StatusCode::OK, &page))
}

#[derive(Deserialize)]
struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

#[post("/webhooks/{endpoint}/delete")]
async fn delete_webhook(
    user: CurrentUser,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, PageError> {
    user.check_csrf(&form.csrf)?;
    let id: WebhookEndpointId = path.parse().map_err(|_| PageError::NotFound)?;
    let s = services(&state)?;
    let scope = EndpointScope {
        agency: user.agency_id,
        tenant: None,
    };
    web::block(move || webhook_endpoints::delete_endpoint(&s, scope, id)).await??;
    Ok(see_other("/webhooks"))
}

struct KeyLine {
    id: String,
    name: String,
    prefix: String,
    tenant: String,
    created: String,
    last_used: String,
    revoked: bool,
}

#[derive(Template)]
#[template(path = "dashboard/api_keys.html")]
struct KeysPage {
    chrome: Chrome,
    keys: Vec<KeyLine>,
    tenants: Vec<(String, String)>,
    name_error: Option<String>,
    new_key: Option<String>,
}

async fn keys_page(
    user: &CurrentUser,
    state: &web::Data<AppState>,
    name_error: Option<String>,
    new_key: Option<String>,
) -> Result<KeysPage, PageError> {
    let s = services(state)?;
    let agency = user.agency_id;
    let (keys, tenants) = web::block(move || -> Result<_, PageError> {
        let keys = api_keys::list_api_keys(&s, agency)?;
        let mut conn = s.conn()?;
        let tenants = tenants_api::list_tenants(&mut conn, agency, None, None, 1000)?;
        Ok((keys, tenants))
    })
    .await??;
    let tz = &user.time_zone;
    let tenant_name = |id: Option<TenantId>| match id {
        None => "every tenant".to_owned(),
        Some(id) => tenants
            .iter()
            .find(|t| t.id == id)
            .map(|t| t.name.clone())
            .unwrap_or_else(|| "an archived tenant".to_owned()),
    };
    Ok(KeysPage {
        chrome: Chrome::new(user, "api-keys"),
        keys: keys
            .iter()
            .map(|k| KeyLine {
                id: k.id.to_string(),
                name: k.name.clone(),
                prefix: k.prefix.clone(),
                tenant: tenant_name(k.tenant_id),
                created: time::local(k.created_at, tz),
                last_used: k
                    .last_used_at
                    .map(|t| time::local(t, tz))
                    .unwrap_or_else(|| "never".into()),
                revoked: k.revoked_at.is_some(),
            })
            .collect(),
        tenants: tenants
            .iter()
            .map(|t| (t.id.to_string(), t.name.clone()))
            .collect(),
        name_error,
        new_key,
    })
}

#[get("/api-keys")]
async fn keys_list(
    user: CurrentUser,
    state: web::Data<AppState>,
) -> Result<HttpResponse, PageError> {
    Ok(render_status(
        StatusCode::OK,
        &keys_page(&user, &state, None, None).await?,
    ))
}

#[derive(Deserialize)]
struct KeyForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    tenant: String,
}

#[post("/api-keys")]
async fn create_key(
    user: CurrentUser,
    state: web::Data<AppState>,
    form: web::Form<KeyForm>,
) -> Result<HttpResponse, PageError> {
    user.check_csrf(&form.csrf)?;
    let tenant: Option<TenantId> = match form.tenant.as_str() {
        "" => None,
        raw => Some(raw.parse().map_err(|_| PageError::NotFound)?),
    };
    let s = services(&state)?;
    let agency = user.agency_id;
    let name = form.name.clone();
    let made = web::block(move || api_keys::create_api_key(&s, agency, tenant, &name)).await?;
    match made {
        Ok(made) => {
            let key = made.key.expose().to_owned();
            Ok(render_status(
                StatusCode::OK,
                &keys_page(&user, &state, None, Some(key)).await?,
            ))
        }
        Err(ServiceError::Invalid { rule, .. }) => {
            let page = keys_page(&user, &state, Some(rule), None).await?;
            Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        Err(other) => Err(other.into()),
    }
}

#[post("/api-keys/{key}/revoke")]
async fn revoke_key(
    user: CurrentUser,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, PageError> {
    user.check_csrf(&form.csrf)?;
    let id: ApiKeyId = path.parse().map_err(|_| PageError::NotFound)?;
    let s = services(&state)?;
    let agency = user.agency_id;
    web::block(move || api_keys::revoke_api_key(&s, agency, id)).await??;
    Ok(see_other("/api-keys"))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(webhooks_list)
        .service(create_webhook)
        .service(delete_webhook)
        .service(keys_list)
        .service(create_key)
        .service(revoke_key);
}
