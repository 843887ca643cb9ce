//! One step of a Facebook publish: upload the next photo, start or feed an upload, or make
//! the post live. Every result is saved before the next call; the moment the call that
//! makes the post live is sent is saved before sending it.

use herald_graph::steps::persist;
use herald_graph::{missing_field, str_field, InFlight, Session};
use herald_platform::domain::{MediaType, PostKind, PostSpec};
use herald_platform::publish::{Checkpoint, Phase, PublishError, StepOutcome, Verdict};
use serde_json::Value;

use crate::checkpoint::FbCheckpoint;
use crate::{upload, FacebookPublisher};

pub type Form = Vec<(&'static str, String)>;

fn wrong_kind(spec: &PostSpec) -> PublishError {
    PublishError::new(
        Verdict::InvalidInput {
            field: Some("kind".into()),
            rule: "a Facebook kind".into(),
        },
        format!("{} is not a Facebook post kind", spec.kind),
    )
}

pub async fn run(
    publisher: &FacebookPublisher,
    session: &Session<'_>,
    spec: &PostSpec,
    checkpoint: &mut Checkpoint,
    mut state: FbCheckpoint,
) -> Result<StepOutcome, PublishError> {
    let page = session.object_id().to_owned();
    let first = spec.media.first();
    match spec.kind {
        PostKind::FbFeed => {
            let mut form: Form = Vec::new();
            if !spec.caption.is_empty() {
                form.push(("message", spec.caption.clone()));
            }
            if let Some(link) = &spec.options.link {
                form.push(("link", link.clone()));
            }
            go_live(
                session,
                checkpoint,
                &mut state,
                "feed",
                &format!("{page}/feed"),
                &form,
                None,
            )
            .await
        }
        PostKind::FbPhotos => {
            if state.photo_ids.len() < spec.media.len() {
                return upload_photo(session, spec, checkpoint, &mut state).await;
            }
            let attached: Vec<Value> = state
                .photo_ids
                .iter()
                .map(|id| serde_json::json!({ "media_fbid": id }))
                .collect();
            let mut form: Form = vec![("attached_media", Value::Array(attached).to_string())];
            if !spec.caption.is_empty() {
                form.push(("message", spec.caption.clone()));
            }
            go_live(
                session,
                checkpoint,
                &mut state,
                "feed",
                &format!("{page}/feed"),
                &form,
                None,
            )
            .await
        }
        PostKind::FbVideo => {
            let media = first.ok_or_else(|| wrong_kind(spec))?;
            if media.facts.size_bytes >= publisher.config().resumable_from_bytes {
                return upload::resumable(session, spec, checkpoint, &mut state).await;
            }
            let mut form: Form = vec![("file_url", media.url.clone())];
            if !spec.caption.is_empty() {
                form.push(("description", spec.caption.clone()));
            }
            if let Some(title) = &spec.options.title {
                form.push(("title", title.clone()));
            }
            go_live(
                session,
                checkpoint,
                &mut state,
                "videos",
                &format!("{page}/videos"),
                &form,
                None,
            )
            .await
        }
        PostKind::FbReel => {
            upload::phased(
                publisher,
                session,
                spec,
                checkpoint,
                &mut state,
                "video_reels",
            )
            .await
        }
        PostKind::FbStory => match first.map(|m| m.facts.media_type) {
            Some(MediaType::Image) => {
                if state.photo_ids.is_empty() {
                    return upload_photo(session, spec, checkpoint, &mut state).await;
                }
                let form: Form = vec![("photo_id", state.photo_ids[0].clone())];
                let path = format!("{page}/photo_stories");
                go_live(
                    session,
                    checkpoint,
                    &mut state,
                    "photo_stories",
                    &path,
                    &form,
                    None,
                )
                .await
            }
            _ => {
                upload::phased(
                    publisher,
                    session,
                    spec,
                    checkpoint,
                    &mut state,
                    "video_stories",
                )
                .await
            }
        },
        _ => Err(wrong_kind(spec)),
    }
}

/// Uploads the next photo unpublished, for `attached_media` or a photo story.
async fn upload_photo(
    session: &Session<'_>,
    spec: &PostSpec,
    checkpoint: &mut Checkpoint,
    state: &mut FbCheckpoint,
) -> Result<StepOutcome, PublishError> {
    let index = state.photo_ids.len();
    let media = &spec.media[index];
    let form: Form = vec![
        ("url", media.url.clone()),
        ("published", "false".to_owned()),
    ];
    let path = format!("{}/photos", session.object_id());
    let body = prepare(session, checkpoint, state, "photos", &path, &form).await?;
    let id = str_field(&body, "id").ok_or_else(|| missing_field("photos", "id"))?;
    state.photo_ids.push(id);
    persist(session.ctx(), checkpoint, state).await?;
    Ok(StepOutcome::Continue {
        phase: Phase::Preparing,
        detail: format!("uploaded photo {} of {}", index + 1, spec.media.len()),
    })
}

/// A preparatory, non-idempotent call (an unpublished photo, an upload start): recorded as
/// in flight before it is sent. Losing its answer leaves at most an unused object behind.
pub async fn prepare(
    session: &Session<'_>,
    checkpoint: &mut Checkpoint,
    state: &mut FbCheckpoint,
    endpoint: &str,
    path: &str,
    form: &[(&'static str, String)],
) -> Result<Value, PublishError> {
    let ctx = session.ctx();
    state.in_flight = Some(InFlight {
        call: endpoint.to_owned(),
        sent_at: ctx.now(),
    });
    persist(ctx, checkpoint, state).await?;
    let result = session.post(path, endpoint, form, false).await;
    match &result {
        Err(err) if err.verdict == Verdict::OutcomeUnknown => {}
        _ => {
            state.in_flight = None;
            persist(ctx, checkpoint, state).await?;
        }
    }
    result
}

/// The call that makes the post live: its sending time is saved first; once Meta answers,
/// the post's id is saved. `known_id` is the id when the answer carries none (a finished
/// upload answers `success: true`).
pub async fn go_live(
    session: &Session<'_>,
    checkpoint: &mut Checkpoint,
    state: &mut FbCheckpoint,
    endpoint: &str,
    path: &str,
    form: &[(&'static str, String)],
    known_id: Option<String>,
) -> Result<StepOutcome, PublishError> {
    let ctx = session.ctx();
    state.publish_sent_at = Some(ctx.now());
    persist(ctx, checkpoint, state).await?;

    match session.post(path, endpoint, form, false).await {
        Ok(body) => {
            let post_id = str_field(&body, "post_id")
                .or_else(|| str_field(&body, "id"))
                .or(known_id)
                .ok_or_else(|| missing_field(endpoint, "id"))?;
            state.post_id = Some(post_id.clone());
            persist(ctx, checkpoint, state).await?;
            let permalink = FacebookPublisher::permalink_best_effort(session, &post_id).await;
            Ok(StepOutcome::Published {
                external_id: post_id,
                permalink,
            })
        }
        // Lost in transit, or a duplicate (506): reconcile before anything else.
        Err(err) if err.verdict == Verdict::OutcomeUnknown => Err(err),
        Err(err) => {
            state.publish_sent_at = None;
            persist(ctx, checkpoint, state).await?;
            Err(err)
        }
    }
}
