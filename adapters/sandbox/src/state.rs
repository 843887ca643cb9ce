//! The sandbox's world: users, Pages, IG accounts, tokens, containers, videos, the ledger.
//!
//! Everything lives behind one mutex in [`Shared`]; it is never held across an `.await`.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use chrono::{DateTime, Utc};
use rand::distributions::Alphanumeric;
use rand::Rng;
use serde::Serialize;

use crate::clock::Clock;
use crate::errors::GraphError;
use crate::faults::FaultRule;
use crate::ledger::LedgerEntry;
use crate::media_probe::MediaFacts;
use crate::settings::Settings;
use crate::usage::Usage;
use crate::webhooks::Subscription;
use crate::SandboxConfig;

/// State shared by every handler.
pub struct Shared {
    pub config: SandboxConfig,
    pub clock: Clock,
    pub http: reqwest::Client,
    seq: AtomicU64,
    inner: Mutex<Inner>,
}

impl Shared {
    pub fn new(config: SandboxConfig) -> Arc<Shared> {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .build()
            .unwrap_or_default();
        Arc::new(Shared {
            config,
            clock: Clock::default(),
            http,
            seq: AtomicU64::new(1),
            inner: Mutex::new(Inner::default()),
        })
    }

    /// The world, locked. A poisoned lock is taken over: the data stays usable.
    pub fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A fresh number, unique for the life of the process.
    pub fn next(&self) -> u64 {
        self.seq.fetch_add(1, Ordering::SeqCst)
    }

    /// A numeric id in the range Meta uses for the given kind of object.
    pub fn id(&self, kind: IdKind) -> String {
        let base: u64 = match kind {
            IdKind::User => 10_000_000_000_000,
            IdKind::Page => 100_000_000_000_000,
            IdKind::Ig => 17_841_400_000_000_000,
            IdKind::Container => 18_000_000_000_000_000,
            IdKind::IgMedia => 17_900_000_000_000_000,
            IdKind::Photo => 120_000_000_000_000,
            IdKind::Video => 130_000_000_000_000,
            IdKind::Comment => 150_000_000_000_000,
        };
        (base + self.next()).to_string()
    }

    /// A new random token string with Meta's prefix for its family.
    pub fn token_string(prefix: &str) -> String {
        let tail: String = rand::thread_rng()
            .sample_iter(&Alphanumeric)
            .take(48)
            .map(char::from)
            .collect();
        format!("{prefix}{tail}")
    }
}

pub enum IdKind {
    User,
    Page,
    Ig,
    Container,
    IgMedia,
    Photo,
    Video,
    Comment,
}

#[derive(Default)]
pub struct Inner {
    pub settings: Settings,
    pub users: BTreeMap<String, User>,
    pub pages: BTreeMap<String, Page>,
    pub igs: BTreeMap<String, IgAccount>,
    pub tokens: HashMap<String, Token>,
    pub codes: HashMap<String, AuthCode>,
    pub containers: BTreeMap<String, Container>,
    pub videos: BTreeMap<String, Video>,
    pub photos: BTreeMap<String, Photo>,
    pub posts: BTreeMap<String, Post>,
    pub ig_media: BTreeMap<String, IgMedia>,
    pub ledger: Vec<LedgerEntry>,
    pub requests: Vec<RequestRecord>,
    pub faults: Vec<FaultRule>,
    pub usage: Usage,
    pub subscriptions: Vec<Subscription>,
    pub page_apps: BTreeMap<String, Vec<String>>,
}

pub struct User {
    pub id: String,
    pub name: String,
    pub pages: Vec<String>,
    /// The IG professional account this user logs in with through Instagram Login.
    pub ig_login: Option<String>,
}

pub struct Page {
    pub id: String,
    pub name: String,
    /// Users with a role (task) on the Page.
    pub roles: Vec<String>,
    pub ig: Option<String>,
}

pub struct IgAccount {
    pub id: String,
    pub username: String,
    pub page: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TokenKind {
    UserShort,
    UserLong,
    Page,
    IgShort,
    IgLong,
}

#[derive(Clone)]
pub struct Token {
    pub kind: TokenKind,
    pub user_id: String,
    /// The Page for a Page token, the IG account for an Instagram Login token.
    pub profile_id: Option<String>,
    pub scopes: Vec<String>,
    pub pages: Vec<String>,
    pub igs: Vec<String>,
    pub issued_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    /// The token this one was derived from; it dies with it.
    pub parent: Option<String>,
    /// Set when invalidated: the code 190 subcode.
    pub invalid: Option<i64>,
}

pub struct AuthCode {
    pub user_id: String,
    pub redirect_uri: String,
    pub scopes: Vec<String>,
    pub pages: Vec<String>,
    pub igs: Vec<String>,
    pub challenge: Option<String>,
    pub expires_at: DateTime<Utc>,
    pub used: bool,
    pub instagram: bool,
}

/// Where a container's media stands.
#[derive(Clone)]
pub enum Probe {
    /// Resumable container still waiting for its bytes.
    AwaitingUpload,
    /// Being downloaded and probed.
    Pending,
    Done(Result<MediaFacts, GraphError>),
}

#[derive(Clone)]
pub struct Container {
    pub id: String,
    pub ig_id: String,
    pub media_type: String,
    pub caption: Option<String>,
    pub media_url: Option<String>,
    pub children: Vec<String>,
    pub is_carousel_item: bool,
    pub created_at: DateTime<Utc>,
    /// When the media arrived; processing time counts from here.
    pub received_at: Option<DateTime<Utc>>,
    pub probe: Probe,
    /// A later check on the probed facts (e.g. thumb offset) that fails processing.
    pub thumb_offset_ms: Option<i64>,
    pub published_media: Option<String>,
}

pub struct Video {
    pub id: String,
    pub page_id: String,
    /// `videos`, `video_reels` or `video_stories`.
    pub kind: &'static str,
    pub file_size: u64,
    pub bytes: Vec<u8>,
    pub file_url: Option<String>,
    pub uploaded_at: Option<DateTime<Utc>>,
    pub facts: Option<Result<MediaFacts, GraphError>>,
    pub published_at: Option<DateTime<Utc>>,
    pub state: Option<String>,
    pub description: Option<String>,
    pub post_id: Option<String>,
}

pub struct Photo {
    pub id: String,
    pub page_id: String,
    pub url: Option<String>,
    pub published: bool,
    pub used: bool,
}

pub struct Post {
    pub id: String,
    pub page_id: String,
    pub message: Option<String>,
    pub created_at: DateTime<Utc>,
    pub kind: &'static str,
}

pub struct IgMedia {
    pub id: String,
    pub ig_id: String,
    pub media_type: String,
    pub product_type: String,
    pub caption: Option<String>,
    pub media_url: Option<String>,
    pub children: Vec<String>,
    pub published_at: DateTime<Utc>,
    pub shortcode: String,
}

#[derive(Clone, Serialize)]
pub struct RequestRecord {
    pub id: String,
    pub time: DateTime<Utc>,
    pub method: String,
    pub path: String,
    pub token_owner: Option<String>,
    pub status: u16,
}
