//! Finding out whether a Facebook post whose answer was lost went live, without sending
//! anything that could publish: an upload's video is read directly; a single-call post
//! (feed, photos, video by URL) is looked for among the Page's recent posts or videos
//! since the call was sent, by its text.

use chrono::{DateTime, Utc};
use herald_graph::steps::{earliest, parse_meta_time};
use herald_graph::{is_graph_error, str_field, Session};
use herald_platform::domain::{MediaType, PostKind, PostSpec};
use herald_platform::publish::{Checkpoint, PublishError, Reconciled};
use serde_json::Value;

use crate::checkpoint::FbCheckpoint;
use crate::FacebookPublisher;

/// How many of the Page's latest objects are searched.
const RECENT: &str = "50";

pub async fn reconcile(
    publisher: &FacebookPublisher,
    session: &Session<'_>,
    spec: &PostSpec,
    state: &FbCheckpoint,
) -> Result<Reconciled, PublishError> {
    // A lost preparatory call leaves at most an unused photo or upload behind.
    let mut resumed = state.clone();
    resumed.in_flight = None;
    let Some(sent_at) = state.publish_sent_at else {
        return Ok(Reconciled::NotPublished {
            checkpoint: Checkpoint::write(&resumed),
        });
    };

    let found = match (&state.video_id, spec.kind) {
        (Some(video_id), kind) => {
            video_went_live(session, video_id, kind == PostKind::FbStory).await?
        }
        (None, PostKind::FbFeed | PostKind::FbPhotos) => {
            let path = format!("{}/feed", session.object_id());
            find_by_text(session, &path, "message", spec, sent_at).await?
        }
        (None, PostKind::FbVideo) => {
            let path = format!("{}/videos", session.object_id());
            find_by_text(session, &path, "description", spec, sent_at).await?
        }
        (None, PostKind::FbStory)
            if spec.media.first().map(|m| m.facts.media_type) == Some(MediaType::Image) =>
        {
            // Meta lists no Page stories: a lost photo story cannot be confirmed.
            return Ok(Reconciled::Unknown {
                detail: "a photo story's outcome cannot be looked up at Meta; check the Page"
                    .into(),
            });
        }
        _ => Found::None,
    };

    match found {
        Found::One(id) => {
            let permalink = FacebookPublisher::permalink_best_effort(session, &id).await;
            Ok(Reconciled::Published {
                external_id: id,
                permalink,
            })
        }
        Found::Many(n) => Ok(Reconciled::Unknown {
            detail: format!("{n} recent objects of the Page match this post; a person must check"),
        }),
        Found::None if session.ctx().now() - sent_at < publisher.config().publish_grace => {
            Ok(Reconciled::Unknown {
                detail: "the post is not listed yet; looking again soon".into(),
            })
        }
        Found::None => {
            resumed.publish_sent_at = None;
            Ok(Reconciled::NotPublished {
                checkpoint: Checkpoint::write(&resumed),
            })
        }
    }
}

enum Found {
    None,
    One(String),
    Many(usize),
}

/// Whether an uploaded video (reel, story, resumable upload) was finished: it then has a
/// post or a publishing phase under way or done. The id is the one the finish answer
/// gives: the story's post id, else the video id.
async fn video_went_live(
    session: &Session<'_>,
    video_id: &str,
    story: bool,
) -> Result<Found, PublishError> {
    let body = session
        .get(video_id, "video status", &[("fields", "status,post_id")])
        .await?;
    let publishing = body
        .pointer("/status/publishing_phase/status")
        .and_then(Value::as_str);
    let publish_status = body
        .pointer("/status/publishing_phase/publish_status")
        .and_then(Value::as_str);
    let live = str_field(&body, "post_id").is_some()
        || publishing == Some("complete")
        || matches!(publish_status, Some("published" | "scheduled"));
    let post_id = str_field(&body, "post_id").filter(|_| story);
    Ok(if live {
        Found::One(post_id.unwrap_or_else(|| video_id.to_owned()))
    } else {
        Found::None
    })
}

/// The Page's objects on `path` created since the call was sent, with `field` equal to the
/// post's text.
async fn find_by_text(
    session: &Session<'_>,
    path: &str,
    field: &str,
    spec: &PostSpec,
    sent_at: DateTime<Utc>,
) -> Result<Found, PublishError> {
    let since = earliest(sent_at);
    let since_text = since.timestamp().to_string();
    let fields = format!("id,{field},created_time");
    let query = [
        ("fields", fields.as_str()),
        ("since", since_text.as_str()),
        ("limit", RECENT),
    ];
    let listing = session.get(path, "recent objects", &query).await?;
    let matches: Vec<String> = listing
        .get("data")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|item| {
            let text = item.get(field).and_then(Value::as_str).unwrap_or_default();
            let at = item
                .get("created_time")
                .and_then(Value::as_str)
                .and_then(parse_meta_time);
            text == spec.caption && at.is_some_and(|t| t >= since)
        })
        .filter_map(|item| str_field(item, "id"))
        .collect();
    Ok(match matches.len() {
        0 => Found::None,
        1 => Found::One(matches[0].clone()),
        n => Found::Many(n),
    })
}

/// `GET /{id}?fields=permalink_url`; "not readable yet" (100/33) is `None`. Meta gives
/// videos a path; it is made absolute on Facebook's web host.
pub async fn permalink(session: &Session<'_>, id: &str) -> Result<Option<String>, PublishError> {
    match session
        .get(id, "permalink", &[("fields", "permalink_url")])
        .await
    {
        Ok(body) => Ok(str_field(&body, "permalink_url").map(|link| {
            if link.starts_with('/') {
                format!("https://www.facebook.com{link}")
            } else {
                link
            }
        })),
        Err(err) if is_graph_error(&err, 100, Some(33)) => Ok(None),
        Err(err) => Err(err),
    }
}
