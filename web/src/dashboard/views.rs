//! Small view models shared by several pages: a post's line, an account's line, and how
//! states are named and coloured.

use chrono::{DateTime, Utc};
use herald_platform::domain::PostState;
use herald_platform::store::accounts_api::AccountRecord;
use herald_platform::store::posts_api::PostRecord;

use super::time;

/// A post as lists show it.
#[derive(Debug, Clone)]
pub struct PostLine {
    pub id: String,
    pub tenant_id: String,
    pub kind: &'static str,
    pub state: &'static str,
    /// A CSS class and plain words for the state.
    pub state_class: &'static str,
    pub state_words: &'static str,
    pub when: String,
    pub when_relative: String,
    pub caption: String,
    pub permalink: Option<String>,
    pub last_error: Option<String>,
    /// Still moving: lists poll it for live updates.
    pub live: bool,
}

/// Plain words for a post state.
pub fn state_words(state: PostState) -> (&'static str, &'static str) {
    match state {
        PostState::Scheduled => ("waiting", "Scheduled"),
        PostState::Queued => ("moving", "Queued to publish"),
        PostState::Preparing => ("moving", "Preparing"),
        PostState::Processing => ("moving", "Meta is processing"),
        PostState::Publishing => ("moving", "Publishing"),
        PostState::Published => ("ok", "Published"),
        PostState::Failed => ("bad", "Failed"),
        PostState::Canceled => ("muted", "Canceled"),
        PostState::Unconfirmed => ("bad", "Outcome unknown: check it"),
    }
}

fn preview(caption: &str) -> String {
    const MAX: usize = 80;
    if caption.chars().count() <= MAX {
        caption.to_owned()
    } else {
        let cut: String = caption.chars().take(MAX).collect();
        format!("{cut}…")
    }
}

impl PostLine {
    pub fn new(post: &PostRecord, tz: &str, now: DateTime<Utc>) -> Self {
        let (state_class, state_words) = state_words(post.state);
        Self {
            id: post.id.to_string(),
            tenant_id: post.tenant_id.to_string(),
            kind: post.kind.as_str(),
            state: post.state.as_str(),
            state_class,
            state_words,
            when: time::local(post.publish_at, tz),
            when_relative: time::relative(post.publish_at, now),
            caption: preview(&post.caption),
            permalink: post.permalink.clone(),
            last_error: post.last_error.as_deref().map(error_words),
            live: !post.state.is_terminal(),
        }
    }
}

/// The plain-words message of a stored post error (`{"message", "error"}`), not its JSON.
fn error_words(stored: &str) -> String {
    serde_json::from_str::<serde_json::Value>(stored)
        .ok()
        .and_then(|v| v["message"].as_str().map(str::to_owned))
        .unwrap_or_else(|| stored.to_owned())
}

/// An account as lists show it.
#[derive(Debug, Clone)]
pub struct AccountLine {
    pub id: String,
    pub network: &'static str,
    pub name: String,
    pub username: Option<String>,
    pub status_class: &'static str,
    pub status_words: &'static str,
    pub last_error: Option<String>,
}

impl AccountLine {
    pub fn new(account: &AccountRecord) -> Self {
        let (status_class, status_words) = match account.status.as_str() {
            "active" => ("ok", "Active"),
            "reauth_required" => ("bad", "Needs the client to reconnect"),
            _ => ("muted", "Disconnected"),
        };
        Self {
            id: account.id.to_string(),
            network: if account.network.as_str() == "facebook" {
                "Facebook Page"
            } else {
                "Instagram"
            },
            name: account.name.clone(),
            username: account.username.clone(),
            status_class,
            status_words,
            last_error: account.last_error.clone(),
        }
    }
}
