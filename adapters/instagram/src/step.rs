//! One step of an Instagram publish: create the next container, read the status of the
//! current one, or publish it. Every result is saved before the next call; the moment
//! `media_publish` is sent is saved before sending it.

use herald_graph::steps::{persist, status_subcode};
use herald_graph::{
    classify_container_error, is_graph_error, missing_field, str_field, InFlight, Session,
};
use herald_platform::domain::{PostKind, PostSpec};
use herald_platform::publish::{Checkpoint, Phase, PublishError, Reconciled, StepOutcome, Verdict};

use crate::checkpoint::IgCheckpoint;
use crate::reconcile::reconcile;
use crate::{params, InstagramPublisher};

/// Subcodes meaning Meta could not download the media: the message names the URL.
const DOWNLOAD_SUBCODES: &[i64] = &[2207003, 2207052];

fn media_urls(spec: &PostSpec) -> String {
    spec.media
        .iter()
        .map(|m| m.url.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

pub async fn run(
    publisher: &InstagramPublisher,
    session: &Session<'_>,
    spec: &PostSpec,
    checkpoint: &mut Checkpoint,
    mut state: IgCheckpoint,
) -> Result<StepOutcome, PublishError> {
    let ctx = session.ctx();

    // Carousel items first, one per step.
    let is_carousel = spec.kind == PostKind::IgCarousel;
    if is_carousel && state.container_id.is_none() && state.children.len() < spec.media.len() {
        let index = state.children.len();
        let form = params::carousel_item(spec, &spec.media[index]);
        let id = create(session, spec, checkpoint, &mut state, &form).await?;
        state.children.push(id);
        persist(ctx, checkpoint, &state).await?;
        return Ok(StepOutcome::Continue {
            phase: Phase::Preparing,
            detail: format!(
                "created carousel item {} of {}",
                index + 1,
                spec.media.len()
            ),
        });
    }

    // The container to publish.
    let Some(container) = state.container_id.clone() else {
        let form = if is_carousel {
            params::carousel_parent(spec, &state.children)
        } else {
            let media = spec.media.first().ok_or_else(|| {
                PublishError::new(
                    Verdict::InvalidInput {
                        field: Some("media".into()),
                        rule: "one file".into(),
                    },
                    "the post has no media",
                )
            })?;
            params::single(spec, media)
        };
        let id = create(session, spec, checkpoint, &mut state, &form).await?;
        let now = ctx.now();
        state.container_id = Some(id);
        state.container_created_at = Some(now);
        state.polls = 0;
        persist(ctx, checkpoint, &state).await?;
        return Ok(StepOutcome::WaitUntil {
            phase: Phase::Processing,
            at: now + publisher.config().poll.first(spec),
            detail: "Meta is processing the media".into(),
        });
    };

    // Where is Meta with it?
    let status = session
        .get(
            &container,
            "container status",
            &[("fields", "status_code,status")],
        )
        .await?;
    let code = str_field(&status, "status_code").unwrap_or_default();
    let text = str_field(&status, "status").unwrap_or_default();
    state.polls += 1;
    let now = ctx.now();
    match code.as_str() {
        "FINISHED" => publish(publisher, session, spec, checkpoint, &mut state, &container).await,
        "PUBLISHED" => {
            // Published by an earlier attempt whose answer was lost: never publish again.
            match reconcile(publisher, session, spec, &state).await? {
                Reconciled::Published {
                    external_id,
                    permalink,
                } => {
                    state.media_id = Some(external_id.clone());
                    persist(ctx, checkpoint, &state).await?;
                    Ok(StepOutcome::Published {
                        external_id,
                        permalink,
                    })
                }
                _ => Err(PublishError::new(
                    Verdict::OutcomeUnknown,
                    format!("container {container} is published but its media was not found yet"),
                )),
            }
        }
        "EXPIRED" => recreate(publisher, session, spec, checkpoint, &mut state, "expired").await,
        "ERROR" => match classify_container_error(status_subcode(&text)) {
            verdict @ Verdict::InvalidInput { .. } => {
                state.forget_containers();
                persist(ctx, checkpoint, &state).await?;
                Err(PublishError::new(
                    verdict,
                    format!("Meta refused the media: {text}"),
                ))
            }
            _ => {
                let reason = format!("failed at Meta ({text}; media {})", media_urls(spec));
                recreate(publisher, session, spec, checkpoint, &mut state, &reason).await
            }
        },
        _ => {
            let created = state.container_created_at.unwrap_or(now);
            if now - created > publisher.config().poll.stuck_after {
                let reason = "stuck in processing";
                return recreate(publisher, session, spec, checkpoint, &mut state, reason).await;
            }
            persist(ctx, checkpoint, &state).await?;
            Ok(StepOutcome::WaitUntil {
                phase: Phase::Processing,
                at: now + publisher.config().poll.backoff(state.polls),
                detail: format!("Meta is still processing the media ({code})"),
            })
        }
    }
}

/// Creates one container, recording the call before it is sent.
async fn create(
    session: &Session<'_>,
    spec: &PostSpec,
    checkpoint: &mut Checkpoint,
    state: &mut IgCheckpoint,
    form: &[(&'static str, String)],
) -> Result<String, PublishError> {
    let ctx = session.ctx();
    state.in_flight = Some(InFlight {
        call: "media".into(),
        sent_at: ctx.now(),
    });
    persist(ctx, checkpoint, state).await?;

    let path = format!("{}/media", session.object_id());
    match session.post(&path, "media", form, false).await {
        Ok(body) => {
            state.in_flight = None;
            str_field(&body, "id").ok_or_else(|| missing_field("media", "id"))
        }
        Err(mut err) => {
            if err.verdict != Verdict::OutcomeUnknown {
                state.in_flight = None;
                persist(ctx, checkpoint, state).await?;
            }
            let subcode = err.graph.as_ref().and_then(|g| g.subcode);
            let download = subcode.is_some_and(|s| DOWNLOAD_SUBCODES.contains(&s));
            if download {
                err.message = format!(
                    "Meta could not download {}: {}",
                    media_urls(spec),
                    err.message
                );
            }
            Err(err)
        }
    }
}

/// Publishes a `FINISHED` container once.
async fn publish(
    publisher: &InstagramPublisher,
    session: &Session<'_>,
    spec: &PostSpec,
    checkpoint: &mut Checkpoint,
    state: &mut IgCheckpoint,
    container: &str,
) -> Result<StepOutcome, PublishError> {
    let ctx = session.ctx();
    state.publish_sent_at = Some(ctx.now());
    persist(ctx, checkpoint, state).await?;

    let path = format!("{}/media_publish", session.object_id());
    let form = [("creation_id", container.to_owned())];
    match session.post(&path, "media_publish", &form, false).await {
        Ok(body) => {
            let media_id =
                str_field(&body, "id").ok_or_else(|| missing_field("media_publish", "id"))?;
            state.media_id = Some(media_id.clone());
            persist(ctx, checkpoint, state).await?;
            let permalink = InstagramPublisher::permalink_best_effort(session, &media_id).await;
            Ok(StepOutcome::Published {
                external_id: media_id,
                permalink,
            })
        }
        Err(err) if err.verdict == Verdict::OutcomeUnknown => Err(err),
        Err(err) => {
            // Meta answered: nothing was published.
            state.publish_sent_at = None;
            persist(ctx, checkpoint, state).await?;
            if err.verdict == Verdict::RecreateContainer {
                let reason = format!("was refused at publish ({})", err.message);
                return recreate(publisher, session, spec, checkpoint, state, &reason).await;
            }
            if is_graph_error(&err, 9007, Some(2207027)) {
                return Ok(StepOutcome::WaitUntil {
                    phase: Phase::Processing,
                    at: ctx.now() + publisher.config().poll.backoff(state.polls.max(1)),
                    detail: "the container is not finished yet".into(),
                });
            }
            Err(err)
        }
    }
}

/// Gives up on the current containers and starts again, up to the configured limit.
async fn recreate(
    publisher: &InstagramPublisher,
    session: &Session<'_>,
    spec: &PostSpec,
    checkpoint: &mut Checkpoint,
    state: &mut IgCheckpoint,
    reason: &str,
) -> Result<StepOutcome, PublishError> {
    let ctx = session.ctx();
    state.forget_containers();
    state.recreated += 1;
    persist(ctx, checkpoint, state).await?;
    if state.recreated > publisher.config().max_recreate {
        return Err(PublishError::new(
            Verdict::InvalidInput {
                field: Some("media".into()),
                rule: reason.to_owned(),
            },
            format!(
                "the container {reason}; gave up after {} new containers (media {})",
                publisher.config().max_recreate,
                media_urls(spec)
            ),
        ));
    }
    Ok(StepOutcome::Continue {
        phase: Phase::Preparing,
        detail: format!("the container {reason}; creating a new one"),
    })
}
