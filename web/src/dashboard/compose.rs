//! `/compose`: pick a tenant's account and the kind of post, upload media or give a URL,
//! write the caption (counted live), and publish now or at a time in the agency's time
//! zone. The adapter's validation runs before anything is saved, and every problem is
//! shown beside its field.

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use askama::Template;
use herald_platform::domain::{PostKind, PostOptions};
use herald_platform::ids::{AccountId, MediaId, TenantId};
use herald_platform::store::accounts_api::{self, AccountRecord};
use herald_platform::store::tenants_api::{self, TenantRecord};
use serde::Deserialize;

use super::compose_form::{field_for, read, ComposeInput, FieldErrors};
use super::page::{render_status, see_other, PageError};
use super::{services, time, Chrome};
use crate::auth::CurrentUser;
use crate::server::AppState;
use crate::services::{media as media_service, posts as post_service, ServiceError};

/// What each kind is, in words, for the form.
const KINDS: &[(&str, &str)] = &[
    ("ig_image", "Instagram: one image"),
    ("ig_carousel", "Instagram: carousel (2–10 images or videos)"),
    ("ig_reel", "Instagram: reel (video)"),
    ("ig_story", "Instagram: story"),
    ("fb_feed", "Facebook: text or link"),
    ("fb_photos", "Facebook: photos"),
    ("fb_video", "Facebook: video"),
    ("fb_reel", "Facebook: reel"),
    ("fb_story", "Facebook: story"),
];

struct AccountChoice {
    id: String,
    label: String,
}

#[derive(Template)]
#[template(path = "dashboard/compose.html")]
struct ComposePage {
    chrome: Chrome,
    tenants: Vec<(String, String)>,
    tenant: String,
    accounts: Vec<AccountChoice>,
    kinds: &'static [(&'static str, &'static str)],
    input: ComposeInput,
    errors: FieldErrors,
    time_zone: String,
    max_chars: usize,
    max_hashtags: usize,
    max_mentions: usize,
}

impl ComposePage {
    fn error(&self, field: &str) -> String {
        self.errors
            .get(field)
            .map(|all| all.join("; "))
            .unwrap_or_default()
    }
}

#[derive(Deserialize)]
struct ComposeQuery {
    tenant: Option<String>,
}

async fn page(
    user: &CurrentUser,
    state: &web::Data<AppState>,
    input: ComposeInput,
    errors: FieldErrors,
) -> Result<ComposePage, PageError> {
    let s = services(state)?;
    let agency = user.agency_id;
    let chosen: Option<TenantId> = input.tenant.parse().ok();
    let limits = s.limits.clone();
    let (tenants, accounts): (Vec<TenantRecord>, Vec<AccountRecord>) =
        web::block(move || -> Result<_, PageError> {
            let mut conn = s.conn()?;
            let tenants = tenants_api::list_tenants(&mut conn, agency, None, None, 1000)?;
            let accounts = match chosen.filter(|t| tenants.iter().any(|r| r.id == *t)) {
                Some(tenant) => accounts_api::list_tenant_accounts(&mut conn, tenant, None, 500)?,
                None => Vec::new(),
            };
            Ok((tenants, accounts))
        })
        .await??;
    Ok(ComposePage {
        chrome: Chrome::new(user, "compose"),
        tenants: tenants
            .iter()
            .map(|t| (t.id.to_string(), t.name.clone()))
            .collect(),
        tenant: input.tenant.clone(),
        accounts: accounts
            .iter()
            .filter(|a| a.status == "active")
            .map(|a| AccountChoice {
                id: a.id.to_string(),
                label: match (&a.username, a.network.as_str()) {
                    (Some(u), _) => format!("Instagram @{u}"),
                    (None, "instagram") => format!("Instagram {}", a.name),
                    (None, _) => format!("Facebook Page {}", a.name),
                },
            })
            .collect(),
        kinds: KINDS,
        input,
        errors,
        time_zone: user.time_zone.clone(),
        max_chars: limits.caption_max_chars,
        max_hashtags: limits.hashtags_max,
        max_mentions: limits.mentions_max,
    })
}

#[get("/compose")]
async fn compose_page(
    user: CurrentUser,
    state: web::Data<AppState>,
    query: web::Query<ComposeQuery>,
) -> Result<HttpResponse, PageError> {
    let input = ComposeInput {
        tenant: query.into_inner().tenant.unwrap_or_default(),
        when: "now".into(),
        ..ComposeInput::default()
    };
    let page = page(&user, &state, input, FieldErrors::new()).await?;
    Ok(render_status(StatusCode::OK, &page))
}

fn push(errors: &mut FieldErrors, field: &'static str, message: impl Into<String>) {
    errors.entry(field).or_default().push(message.into());
}

fn service_errors(errors: &mut FieldErrors, err: ServiceError) -> Result<(), PageError> {
    match err {
        ServiceError::Invalid { field, rule } => push(errors, field_for(&field), rule),
        ServiceError::Violations(all) => {
            for v in all {
                let label = if v.value.is_empty() {
                    v.field.clone()
                } else {
                    format!("{} ({})", v.field, v.value)
                };
                push(errors, field_for(&v.field), format!("{label}: {}", v.rule));
            }
        }
        other => return Err(other.into()),
    }
    Ok(())
}

#[post("/compose")]
async fn compose(
    user: CurrentUser,
    state: web::Data<AppState>,
    payload: Multipart,
) -> Result<HttpResponse, PageError> {
    let s = services(&state)?;
    let (input, uploads, mut errors) = read(payload, s.max_media_bytes).await?;
    user.check_csrf(&input.csrf)?;

    // The fields that need no database first.
    let tenant: Option<TenantId> = input.tenant.parse().ok();
    if tenant.is_none() {
        push(&mut errors, "form", "choose a tenant");
    }
    let account: Option<AccountId> = input.account.parse().ok();
    if account.is_none() {
        push(&mut errors, "account", "choose an account");
    }
    let kind: Option<PostKind> = input.kind.parse().ok();
    if kind.is_none() {
        push(&mut errors, "kind", "choose the kind of post");
    }
    let publish_at = match input.when.as_str() {
        "later" => match time::parse_local(&input.publish_at, &user.time_zone) {
            Ok(at) => Some(at),
            Err(rule) => {
                push(&mut errors, "publish_at", rule);
                None
            }
        },
        _ => None,
    };
    let (Some(tenant), Some(account), Some(kind)) = (tenant, account, kind) else {
        let page = page(&user, &state, input, errors).await?;
        return Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page));
    };

    // Media: uploads in order, then the URL.
    let caller = user.caller();
    let mut media: Vec<MediaId> = Vec::new();
    for upload in uploads {
        let s2 = s.clone();
        let stored = web::block(move || {
            media_service::create_media_from_bytes(&s2, &caller, tenant, &upload.bytes, None)
                .map_err(|err| (upload.name, err))
        })
        .await?;
        match stored {
            Ok(record) => media.push(record.id),
            Err((name, ServiceError::Invalid { rule, .. })) => {
                push(&mut errors, "media", format!("{name}: {rule}"))
            }
            Err((_, other)) => return Err(other.into()),
        }
    }
    if !input.media_url.is_empty() {
        match media_service::create_media_from_url(&s, &caller, tenant, &input.media_url).await {
            Ok(record) => media.push(record.id),
            Err(err) => service_errors(&mut errors, err)?,
        }
    }

    // The post, validated by the network's adapter before it is saved.
    if errors.is_empty() {
        let new = post_service::NewPost {
            account_id: account,
            kind,
            caption: input.caption.clone(),
            media,
            options: PostOptions::default(),
            publish_at,
        };
        let s2 = s.clone();
        let created =
            web::block(move || post_service::create_post(&s2, &caller, tenant, new, None)).await?;
        match created {
            Ok(post) => return Ok(see_other(&format!("/tenants/{tenant}/posts/{}", post.id))),
            Err(ServiceError::NotFound(_)) => return Err(PageError::NotFound),
            Err(err) => service_errors(&mut errors, err)?,
        }
    }
    let page = page(&user, &state, input, errors).await?;
    Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(compose_page).service(compose);
}
