//! `herald serve --demo`: seeds a demo agency, a tenant whose sandbox Pages and Instagram
//! account are connected, an API key, and a few posts due in the next minutes, so the
//! dashboard shows publishing live on a fresh machine. Sandbox mode only.

use anyhow::{bail, Context};
use chrono::Duration;
use herald_platform::domain::{Network, PostKind, PostOptions};
use herald_platform::ids::{AccountId, AgencyId, TenantId};
use herald_platform::secret::Secret;
use herald_platform::store::accounts::{self, NewAccount};
use herald_platform::store::agencies;
use herald_platform::store::connections::{self, LoginKind, NewConnection};
use herald_platform::store::users::{self, Role};
use serde::Deserialize;

use crate::services::posts::{create_post, NewPost};
use crate::services::{api_keys, media, tenants, Caller, Services};

pub const DEMO_EMAIL: &str = "demo@herald.local";
pub const DEMO_PASSWORD: &str = "herald-demo-password";

const PHOTO: &[u8] = include_bytes!("../../tests/fixtures/media/square_1080.jpg");
const REEL: &[u8] = include_bytes!("../../tests/fixtures/media/reel_9x16.mp4");

/// What the operator is told after seeding.
pub struct DemoLogin {
    pub email: &'static str,
    pub password: &'static str,
    /// Shown only when the agency was created by this start.
    pub api_key: Option<Secret>,
}

#[derive(Deserialize)]
struct SandboxUser {
    id: String,
    access_token: String,
    pages: Vec<SandboxPage>,
}

#[derive(Deserialize)]
struct SandboxPage {
    id: String,
    name: String,
    access_token: String,
    instagram_business_account: Option<SandboxIg>,
}

#[derive(Deserialize)]
struct SandboxIg {
    id: String,
    username: String,
}

/// Seeds the demo once; later starts only repeat the login.
pub async fn seed(
    services: &Services,
    sandbox_base: &str,
    tenants: u32,
) -> anyhow::Result<DemoLogin> {
    let existing = {
        let s = services.clone();
        actix_web::web::block(move || -> anyhow::Result<bool> {
            let mut conn = s.conn()?;
            Ok(users::credentials_by_email(&mut conn, DEMO_EMAIL)?.is_some())
        })
        .await??
    };
    if existing {
        return Ok(DemoLogin {
            email: DEMO_EMAIL,
            password: DEMO_PASSWORD,
            api_key: None,
        });
    }

    let http = reqwest::Client::new();
    let mut users = Vec::new();
    for n in 1..=tenants {
        let user: SandboxUser = http
            .post(format!("{sandbox_base}/_sandbox/users"))
            .json(&serde_json::json!({
                "name": format!("Demo Client {n}"),
                "pages": [
                    {"name": format!("Acme Coffee {n}"), "instagram": true},
                    {"name": format!("Acme Bakery {n}"), "instagram": false},
                ],
            }))
            .send()
            .await
            .context("the sandbox did not answer")?
            .error_for_status()?
            .json()
            .await?;
        users.push(user);
    }

    let s = services.clone();
    let api_key = actix_web::web::block(move || populate(&s, &users)).await??;
    Ok(DemoLogin {
        email: DEMO_EMAIL,
        password: DEMO_PASSWORD,
        api_key: Some(api_key),
    })
}

fn populate(s: &Services, users: &[SandboxUser]) -> anyhow::Result<Secret> {
    let now = s.clock.now();
    let agency: AgencyId = {
        let mut conn = s.conn()?;
        let agency = agencies::create(&mut conn, "Demo Agency", "Europe/Paris", now)?;
        let hash = crate::auth::password::hash(&Secret::new(DEMO_PASSWORD))
            .map_err(|err| anyhow::anyhow!("cannot hash the demo password: {err}"))?;
        users::create(&mut conn, agency.id, DEMO_EMAIL, &hash, Role::Owner, now)?;
        agency.id
    };
    let caller = Caller::agency(agency);
    for (n, user) in users.iter().enumerate() {
        let name = if n == 0 {
            "Acme (demo client)".to_owned()
        } else {
            format!("Acme {} (demo client)", n + 1)
        };
        let tenant = tenants::create_tenant(s, &caller, &name)?.id;
        let accounts = connect(s, tenant, user)?;
        if n == 0 {
            schedule_posts(s, &caller, tenant, &accounts)?;
        }
    }
    Ok(api_keys::create_api_key(s, agency, None, "demo")?.key)
}

/// Stores the grant a client would make in the dialog: every Page, and the linked IG account.
fn connect(
    s: &Services,
    tenant: TenantId,
    user: &SandboxUser,
) -> anyhow::Result<Vec<(Network, AccountId)>> {
    let now = s.clock.now();

    let mut conn = s.conn()?;
    let connection = connections::upsert(
        &mut conn,
        &s.keyring,
        tenant,
        &NewConnection {
            login_kind: LoginKind::Facebook,
            meta_user_id: user.id.clone(),
            user_token: Secret::new(user.access_token.clone()),
            expires_at: Some(now + Duration::days(60)),
            scopes: [
                "pages_show_list",
                "pages_manage_posts",
                "instagram_basic",
                "instagram_content_publish",
            ]
            .map(String::from)
            .to_vec(),
        },
        now,
    )?;
    let mut accounts_made: Vec<(Network, AccountId)> = Vec::new();
    for page in &user.pages {
        let fb = accounts::upsert(
            &mut conn,
            &s.keyring,
            tenant,
            &NewAccount {
                connection_id: connection.id,
                network: Network::Facebook,
                external_id: page.id.clone(),
                name: page.name.clone(),
                username: None,
                linked_page_id: None,
                page_token: Some(Secret::new(page.access_token.clone())),
            },
            now,
        )?;
        accounts_made.push((Network::Facebook, fb.id));
        if let Some(ig) = &page.instagram_business_account {
            let account = accounts::upsert(
                &mut conn,
                &s.keyring,
                tenant,
                &NewAccount {
                    connection_id: connection.id,
                    network: Network::Instagram,
                    external_id: ig.id.clone(),
                    name: format!("@{}", ig.username),
                    username: Some(ig.username.clone()),
                    linked_page_id: Some(page.id.clone()),
                    page_token: Some(Secret::new(page.access_token.clone())),
                },
                now,
            )?;
            accounts_made.push((Network::Instagram, account.id));
        }
    }
    Ok(accounts_made)
}

/// The demo's few posts, due over the next minutes.
fn schedule_posts(
    s: &Services,
    caller: &Caller,
    tenant: TenantId,
    accounts_made: &[(Network, AccountId)],
) -> anyhow::Result<()> {
    let now = s.clock.now();
    let (Some(fb), Some(ig)) = (
        accounts_made
            .iter()
            .find(|(n, _)| *n == Network::Facebook)
            .map(|(_, id)| *id),
        accounts_made
            .iter()
            .find(|(n, _)| *n == Network::Instagram)
            .map(|(_, id)| *id),
    ) else {
        bail!("the sandbox user came without a Page and an Instagram account");
    };
    let photo = media::create_media_from_bytes(s, caller, tenant, PHOTO, None)?.id;
    let reel = media::create_media_from_bytes(s, caller, tenant, REEL, None)?.id;

    let posts = [
        (
            fb,
            PostKind::FbFeed,
            "Fresh beans are in. Come say hi! ☕",
            vec![],
            1,
        ),
        (
            ig,
            PostKind::IgImage,
            "Latte art of the day #coffee #demo",
            vec![photo],
            2,
        ),
        (fb, PostKind::FbPhotos, "Our new terrace", vec![photo], 3),
        (
            ig,
            PostKind::IgReel,
            "Behind the counter #reels",
            vec![reel],
            4,
        ),
    ];
    for (account_id, kind, caption, media, minutes) in posts {
        let new = NewPost {
            account_id,
            kind,
            caption: caption.to_owned(),
            media,
            options: PostOptions::default(),
            publish_at: Some(now + Duration::minutes(minutes)),
        };
        create_post(s, caller, tenant, new, None)
            .map_err(|err| anyhow::anyhow!("cannot create a demo {kind} post: {err}"))?;
    }
    Ok(())
}
