//! The timeline's sentences: what happened to a post and what comes next, in words a
//! user understands. Every transition the engine writes takes its detail from here (or
//! from the adapter's own sentence for a step), so the wording stays consistent.

use chrono::{DateTime, Utc};

use crate::publish::PublishError;

pub const CLAIMED: &str = "Its publish time has come; it is queued for publishing.";
pub const STARTED: &str = "Started publishing.";
pub const OUTCOME_UNKNOWN: &str = "Meta did not confirm whether the last request took effect; \
     checking with Meta before doing anything else, so the post cannot go out twice.";
pub const NOT_PUBLISHED_YET: &str =
    "Checked with Meta: the post is not live yet; carrying on from the last saved step.";
pub const RESUMING: &str = "Herald restarted while this post was being published; checking \
     with Meta what already happened before going on.";
pub const REAUTH_NEEDED: &str = "Meta no longer accepts this account's access.";

/// An instant as the timeline shows it.
pub fn when(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

pub fn checking_again(at: DateTime<Utc>) -> String {
    format!("Checking again at {}.", when(at))
}

pub fn published(external_id: &str) -> String {
    format!("Published; Meta's id for it is {external_id}.")
}

pub fn found_published(external_id: &str) -> String {
    format!(
        "Checked with Meta: the post is live (Meta's id {external_id}); nothing was sent again."
    )
}

pub fn retrying(err: &PublishError, at: DateTime<Utc>, attempt: u32, max: u32) -> String {
    format!(
        "Meta had a temporary problem: {err}. Trying again at {} (attempt {attempt} of {max}).",
        when(at)
    )
}

pub fn gave_up(attempts: u32, err: &PublishError) -> String {
    format!("Failed after {attempts} attempts; the last problem was: {err}.")
}

pub fn recreating(err: &PublishError) -> String {
    format!(
        "Meta's copy of the media could not be used ({err}); preparing it again from the start."
    )
}

pub fn deferred(reason: &str, at: DateTime<Utc>) -> String {
    format!("Waiting until {}: {reason}.", when(at))
}

pub fn reauth(at: DateTime<Utc>) -> String {
    format!(
        "{REAUTH_NEEDED} The client must reconnect it; the post waits (it has not failed) and \
         resumes as soon as they do, or is looked at again at {}.",
        when(at)
    )
}

pub fn permission_denied(permission: Option<&str>, err: &PublishError) -> String {
    match permission {
        Some(permission) => format!(
            "Failed: Meta refused because the connection lacks the `{permission}` permission \
             or a role on the Page ({err})."
        ),
        None => {
            format!("Failed: Meta refused because of a missing permission or Page role ({err}).")
        }
    }
}

pub fn invalid_input(field: Option<&str>, rule: &str, err: &PublishError) -> String {
    match field {
        Some(field) => format!("Failed: Meta refused the post: {field} {rule} ({err})."),
        None => format!("Failed: Meta refused the post: {rule} ({err})."),
    }
}

pub fn still_unknown(detail: &str, at: DateTime<Utc>) -> String {
    format!(
        "Meta could not tell yet whether the post is live ({detail}). {}",
        checking_again(at)
    )
}

pub fn unconfirmed(checks: u32, detail: &str) -> String {
    format!(
        "Herald could not establish whether the post went live after {checks} checks ({detail}). \
         Please look at the account and retry the post only if it is not there."
    )
}
