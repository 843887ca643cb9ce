//! Finding out what happened to a publish whose answer was lost, without sending anything
//! that could publish: the container's status says whether it was published, and the
//! account's recent media gives the published media's id.

use chrono::{DateTime, Utc};
use herald_graph::steps::{earliest, parse_meta_time};
use herald_graph::{is_graph_error, str_field, Session};
use herald_platform::domain::PostSpec;
use herald_platform::publish::{Checkpoint, PublishError, Reconciled};
use serde_json::Value;

use crate::checkpoint::IgCheckpoint;
use crate::params::product_type;
use crate::InstagramPublisher;

/// How many of the account's latest media are searched.
const RECENT_MEDIA: &str = "50";

pub async fn reconcile(
    publisher: &InstagramPublisher,
    session: &Session<'_>,
    spec: &PostSpec,
    state: &IgCheckpoint,
) -> Result<Reconciled, PublishError> {
    // A container creation lost in transit leaves at most an unused container behind.
    let mut resumed = state.clone();
    resumed.in_flight = None;
    let (Some(sent_at), Some(container)) = (state.publish_sent_at, state.container_id.clone())
    else {
        resumed.publish_sent_at = None;
        return Ok(Reconciled::NotPublished {
            checkpoint: Checkpoint::write(&resumed),
        });
    };

    let status = session
        .get(
            &container,
            "container status",
            &[("fields", "status_code,status")],
        )
        .await?;
    let code = str_field(&status, "status_code").unwrap_or_default();
    match code.as_str() {
        "PUBLISHED" => {
            let since = state.container_created_at.unwrap_or(sent_at).min(sent_at);
            match find_media(session, spec, since).await? {
                Some(media_id) => {
                    let permalink =
                        InstagramPublisher::permalink_best_effort(session, &media_id).await;
                    Ok(Reconciled::Published {
                        external_id: media_id,
                        permalink,
                    })
                }
                None => Ok(Reconciled::Unknown {
                    detail: format!(
                        "container {container} is published but its media is not listed yet"
                    ),
                }),
            }
        }
        "FINISHED" if session.ctx().now() - sent_at < publisher.config().publish_grace => {
            Ok(Reconciled::Unknown {
                detail: format!("container {container} may still be being published"),
            })
        }
        _ => {
            resumed.publish_sent_at = None;
            Ok(Reconciled::NotPublished {
                checkpoint: Checkpoint::write(&resumed),
            })
        }
    }
}

/// The published media among the account's recent media: same caption and product type,
/// published after `since`. `None` when there is not exactly one.
async fn find_media(
    session: &Session<'_>,
    spec: &PostSpec,
    since: DateTime<Utc>,
) -> Result<Option<String>, PublishError> {
    let path = format!("{}/media", session.object_id());
    let fields = "id,caption,timestamp,media_product_type";
    let listing = session
        .get(
            &path,
            "media list",
            &[("fields", fields), ("limit", RECENT_MEDIA)],
        )
        .await?;
    let wanted_product = product_type(spec.kind);
    let matches: Vec<String> = listing
        .get("data")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|item| {
            let caption = item
                .get("caption")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let product = item.get("media_product_type").and_then(Value::as_str);
            let at = item
                .get("timestamp")
                .and_then(Value::as_str)
                .and_then(parse_meta_time);
            caption == spec.caption
                && product.is_none_or(|p| p == wanted_product)
                && at.is_some_and(|t| t >= earliest(since))
        })
        .filter_map(|item| str_field(item, "id"))
        .collect();
    Ok(match matches.as_slice() {
        [only] => Some(only.clone()),
        _ => None,
    })
}

/// `GET /{media-id}?fields=permalink`; "not readable yet" (100/33) is `None`.
pub async fn permalink(
    session: &Session<'_>,
    media_id: &str,
) -> Result<Option<String>, PublishError> {
    match session
        .get(media_id, "permalink", &[("fields", "permalink,timestamp")])
        .await
    {
        Ok(body) => Ok(str_field(&body, "permalink")),
        Err(err) if is_graph_error(&err, 100, Some(33)) => Ok(None),
        Err(err) => Err(err),
    }
}
