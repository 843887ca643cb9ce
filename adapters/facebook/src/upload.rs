//! Video uploads: the resumable `/videos` protocol (start, transfer chunks until the
//! offsets meet, finish) and the three phases of reels and video stories (start, bytes to
//! the rupload host by `file_url`, finish).

use herald_graph::steps::persist;
use herald_graph::{missing_field, str_field, Body, Request, Session};
use herald_platform::domain::PostSpec;
use herald_platform::publish::{Checkpoint, Phase, PublishError, StepOutcome, Verdict};
use serde_json::Value;
use url::Url;

use crate::checkpoint::FbCheckpoint;
use crate::step::{go_live, prepare, Form};
use crate::FacebookPublisher;

/// Offsets come as strings or numbers.
fn offset(body: &Value, field: &str) -> Option<u64> {
    str_field(body, field).and_then(|s| s.parse().ok())
}

fn media_url(spec: &PostSpec) -> Result<&str, PublishError> {
    spec.media.first().map(|m| m.url.as_str()).ok_or_else(|| {
        PublishError::new(
            Verdict::InvalidInput {
                field: Some("media".into()),
                rule: "one video".into(),
            },
            "the post has no video",
        )
    })
}

/// The resumable `/videos` protocol, one call per step.
pub async fn resumable(
    session: &Session<'_>,
    spec: &PostSpec,
    checkpoint: &mut Checkpoint,
    state: &mut FbCheckpoint,
) -> Result<StepOutcome, PublishError> {
    let ctx = session.ctx();
    let url = media_url(spec)?.to_owned();
    let size = spec.media.first().map_or(0, |m| m.facts.size_bytes);
    let path = format!("{}/videos", session.object_id());

    let Some(session_id) = state.upload_session_id.clone() else {
        let form: Form = vec![
            ("upload_phase", "start".to_owned()),
            ("file_size", size.to_string()),
        ];
        let body = prepare(session, checkpoint, state, "videos start", &path, &form).await?;
        state.upload_session_id = Some(
            str_field(&body, "upload_session_id")
                .ok_or_else(|| missing_field("videos start", "upload_session_id"))?,
        );
        state.video_id = str_field(&body, "video_id");
        state.start_offset = offset(&body, "start_offset").unwrap_or(0);
        state.end_offset = offset(&body, "end_offset").unwrap_or(size);
        persist(ctx, checkpoint, state).await?;
        return Ok(StepOutcome::Continue {
            phase: Phase::Preparing,
            detail: format!("upload of {size} bytes started"),
        });
    };

    if state.start_offset < state.end_offset {
        let chunk = session
            .client()
            .fetch_media_range(&url, state.start_offset, state.end_offset)
            .await
            .map_err(|detail| PublishError::new(Verdict::RetryLater, detail))?;
        let fields = vec![
            ("upload_phase".to_owned(), "transfer".to_owned()),
            ("upload_session_id".to_owned(), session_id.clone()),
            ("start_offset".to_owned(), state.start_offset.to_string()),
        ];
        let request = Request::post(session.url(&path), "videos transfer", Vec::new())
            .body(Body::Multipart {
                fields,
                file_field: "video_file_chunk".into(),
                bytes: chunk,
            })
            // The same chunk at the same offset can be sent again.
            .idempotent(true);
        let body = session.send(request).await?;
        state.start_offset = offset(&body, "start_offset")
            .ok_or_else(|| missing_field("videos transfer", "start_offset"))?;
        state.end_offset = offset(&body, "end_offset").unwrap_or(state.start_offset);
        persist(ctx, checkpoint, state).await?;
        return Ok(StepOutcome::Continue {
            phase: Phase::Preparing,
            detail: format!("uploaded {} of {size} bytes", state.start_offset),
        });
    }

    let mut form: Form = vec![
        ("upload_phase", "finish".to_owned()),
        ("upload_session_id", session_id),
    ];
    if !spec.caption.is_empty() {
        form.push(("description", spec.caption.clone()));
    }
    if let Some(title) = &spec.options.title {
        form.push(("title", title.clone()));
    }
    let known = state
        .video_id
        .clone()
        .or_else(|| state.upload_session_id.clone());
    go_live(
        session,
        checkpoint,
        state,
        "videos finish",
        &path,
        &form,
        known,
    )
    .await
}

/// Reels (`video_reels`) and video stories (`video_stories`): start, upload, finish.
pub async fn phased(
    publisher: &FacebookPublisher,
    session: &Session<'_>,
    spec: &PostSpec,
    checkpoint: &mut Checkpoint,
    state: &mut FbCheckpoint,
    edge: &'static str,
) -> Result<StepOutcome, PublishError> {
    let ctx = session.ctx();
    let media = media_url(spec)?.to_owned();
    let path = format!("{}/{edge}", session.object_id());

    // 1. Start: Meta answers with the video id and where the bytes go.
    let Some(video_id) = state.video_id.clone() else {
        let form: Form = vec![("upload_phase", "start".to_owned())];
        let label = format!("{edge} start");
        let body = prepare(session, checkpoint, state, &label, &path, &form).await?;
        state.video_id =
            Some(str_field(&body, "video_id").ok_or_else(|| missing_field(&label, "video_id"))?);
        state.upload_url = str_field(&body, "upload_url");
        persist(ctx, checkpoint, state).await?;
        return Ok(StepOutcome::Continue {
            phase: Phase::Preparing,
            detail: "upload started".into(),
        });
    };

    // 2. Upload: Meta fetches the file from its URL.
    if !state.upload_sent {
        let config = session.client().config();
        let fallback = config.unversioned(
            herald_graph::Host::Rupload,
            &format!("video-upload/{}/{video_id}", config.version),
        );
        let target = state
            .upload_url
            .as_deref()
            .and_then(|u| Url::parse(u).ok())
            .unwrap_or(fallback);
        let request = Request::post(target, "rupload", Vec::new())
            .body(Body::Empty)
            .header("file_url", media.clone())
            .header("offset", "0")
            // Sending the same file again replaces it: harmless.
            .idempotent(true);
        let body = session.send(request).await?;
        state.upload_sent = true;
        state.uploaded = body
            .get("success")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        persist(ctx, checkpoint, state).await?;
        if !state.uploaded {
            return Ok(StepOutcome::WaitUntil {
                phase: Phase::Processing,
                at: ctx.now() + publisher.config().upload_poll,
                detail: "Meta is fetching the video".into(),
            });
        }
    }

    // 2b. Only when Meta did not confirm the upload: wait for it.
    if !state.uploaded {
        let status = session
            .get(&video_id, "video status", &[("fields", "status")])
            .await?;
        let uploading = status
            .pointer("/status/uploading_phase/status")
            .and_then(Value::as_str);
        let processing = status
            .pointer("/status/processing_phase/status")
            .and_then(Value::as_str);
        state.polls += 1;
        if processing == Some("error") || uploading == Some("error") {
            persist(ctx, checkpoint, state).await?;
            return Err(PublishError::new(
                Verdict::InvalidInput {
                    field: Some("media".into()),
                    rule: "a usable video".into(),
                },
                format!("Meta could not use the video at {media}"),
            ));
        }
        if uploading != Some("complete") {
            persist(ctx, checkpoint, state).await?;
            let factor = 2_i32.saturating_pow(state.polls.min(8));
            return Ok(StepOutcome::WaitUntil {
                phase: Phase::Processing,
                at: ctx.now() + publisher.config().upload_poll * factor,
                detail: "Meta is still fetching the video".into(),
            });
        }
        state.uploaded = true;
        persist(ctx, checkpoint, state).await?;
    }

    // 3. Finish: the reel or story goes live.
    let mut form: Form = vec![
        ("upload_phase", "finish".to_owned()),
        ("video_id", video_id.clone()),
    ];
    if edge == "video_reels" {
        form.push(("video_state", "PUBLISHED".to_owned()));
        if let Some(title) = &spec.options.title {
            form.push(("title", title.clone()));
        }
    }
    if !spec.caption.is_empty() {
        form.push(("description", spec.caption.clone()));
    }
    let label = format!("{edge} finish");
    go_live(
        session,
        checkpoint,
        state,
        &label,
        &path,
        &form,
        Some(video_id),
    )
    .await
}
