//! Posts: create (validated by the network's `Publisher` before anything is stored),
//! cancel and retry. Each change is written with its timeline entry and its outbox event
//! in one transaction, then the engine is woken.

use chrono::{DateTime, Duration, Utc};
use herald_platform::domain::{PostKind, PostOptions, PostSpec, PostState};
use herald_platform::ids::{AccountId, MediaId, PostId, TenantId};
use herald_platform::store::posts_api::{self, PostEventRecord, PostFilter, PostRecord};
use herald_platform::store::{accounts_api, media_api, DbConnection, StoreError};
use herald_platform::webhooks::{queue, EventType};

use super::media::spec_media;
use super::{Caller, ServiceError, ServiceResult, Services};

/// How far in the past `publish_at` may be (clock skew); older is refused.
pub const PAST_TOLERANCE: Duration = Duration::minutes(5);

/// A post to create.
#[derive(Debug, Clone)]
pub struct NewPost {
    pub account_id: AccountId,
    pub kind: PostKind,
    pub caption: String,
    pub media: Vec<MediaId>,
    pub options: PostOptions,
    /// `None`: as soon as possible.
    pub publish_at: Option<DateTime<Utc>>,
}

/// Validates and stores a post.
pub fn create_post(
    s: &Services,
    caller: &Caller,
    tenant: TenantId,
    new: NewPost,
    idempotency_key: Option<&str>,
) -> ServiceResult<PostRecord> {
    let now = s.clock.now();
    let mut conn = s.conn()?;
    let tenant_record = caller.tenant(&mut conn, tenant)?;

    // A retry of a request whose server died after saving the post but before answering:
    // the post exists, so it is the answer (the request's hash matched its key's).
    if let Some(key) = idempotency_key {
        if let Some(existing) =
            herald_platform::store::posts::find_by_idempotency_key(&mut conn, tenant, key)?
        {
            return Ok(posts_api::get_post(&mut conn, tenant, existing.id)?);
        }
    }

    // The account must be the tenant's, on the kind's network, and usable.
    let account = accounts_api::get_tenant_account(&mut conn, tenant, new.account_id)
        .map_err(|_| ServiceError::invalid("account_id", "no such account for this tenant"))?;
    if account.network != new.kind.network() {
        return Err(ServiceError::invalid(
            "kind",
            format!(
                "a {} post cannot go to a {} account",
                new.kind, account.network
            ),
        ));
    }
    if account.status != "active" {
        return Err(ServiceError::invalid(
            "account_id",
            format!(
                "the account is {}: the client must reconnect it",
                account.status
            ),
        ));
    }

    let publish_at = new.publish_at.unwrap_or(now);
    if publish_at < now - PAST_TOLERANCE {
        return Err(ServiceError::invalid(
            "publish_at",
            "must not be in the past",
        ));
    }

    let spec = build_spec(s, &mut conn, tenant, &new, publish_at)?;
    let publisher = s.publishers.get(&account.network).ok_or_else(|| {
        ServiceError::invalid(
            "kind",
            format!("{} publishing is not available", account.network),
        )
    })?;
    publisher
        .validate(&spec, &s.limits)
        .map_err(ServiceError::Violations)?;

    let state = if publish_at > now {
        PostState::Scheduled
    } else {
        PostState::Queued
    };
    let spec_json = serde_json::to_string(&spec)
        .map_err(|err| ServiceError::Internal(format!("cannot encode the spec: {err}")))?;
    let post = PostRecord {
        id: PostId::new(),
        tenant_id: tenant,
        account_id: account.id,
        kind: new.kind,
        caption: new.caption,
        spec: spec_json,
        publish_at,
        state,
        attempts: 0,
        external_id: None,
        permalink: None,
        last_error: None,
        created_at: now,
        updated_at: now,
    };
    let detail = match state {
        PostState::Scheduled => format!("scheduled for {}", publish_at.to_rfc3339()),
        _ => "queued to publish now".to_owned(),
    };

    herald_platform::store::transaction_api::transaction(&mut conn, |conn| -> ServiceResult<()> {
        posts_api::insert_post(conn, &post, idempotency_key, &detail).map_err(|err| match err {
            StoreError::Conflict { .. } => ServiceError::Conflict {
                code: "idempotency_key_reused",
                message: "a post with this Idempotency-Key already exists".into(),
            },
            other => other.into(),
        })?;
        let payload = post_event_payload(&post);
        let tenant_db = tenant.to_db();
        queue::insert_event(
            conn,
            &tenant_record.agency_id.to_db(),
            Some(&tenant_db),
            EventType::PostScheduled,
            &payload,
            now,
        )?;
        Ok(())
    })?;

    (s.wake_engine)();
    Ok(post)
}

fn build_spec(
    s: &Services,
    conn: &mut DbConnection,
    tenant: TenantId,
    new: &NewPost,
    due: DateTime<Utc>,
) -> ServiceResult<PostSpec> {
    let mut media = Vec::with_capacity(new.media.len());
    for (i, id) in new.media.iter().enumerate() {
        let record = media_api::get_media(conn, tenant, *id).map_err(|_| {
            ServiceError::invalid(format!("media[{i}]"), "no such media for this tenant")
        })?;
        media.push(spec_media(s, &record, due));
    }
    let cover = match new.options.cover {
        None => None,
        Some(id) => {
            let record = media_api::get_media(conn, tenant, id).map_err(|_| {
                ServiceError::invalid("options.cover", "no such media for this tenant")
            })?;
            Some(spec_media(s, &record, due))
        }
    };
    Ok(PostSpec {
        kind: new.kind,
        caption: new.caption.clone(),
        media,
        options: new.options.clone(),
        cover,
    })
}

/// The `data` of a post event.
pub fn post_event_payload(post: &PostRecord) -> serde_json::Value {
    serde_json::json!({
        "post_id": post.id.to_string(),
        "tenant_id": post.tenant_id.to_string(),
        "account_id": post.account_id.to_string(),
        "kind": post.kind.as_str(),
        "state": post.state.as_str(),
        "publish_at": post.publish_at.to_rfc3339(),
        "external_id": post.external_id,
        "permalink": post.permalink,
    })
}

/// A post with its timeline.
pub fn get_post(
    s: &Services,
    caller: &Caller,
    tenant: TenantId,
    post: PostId,
) -> ServiceResult<(PostRecord, Vec<PostEventRecord>)> {
    let mut conn = s.conn()?;
    caller.tenant(&mut conn, tenant)?;
    let record = posts_api::get_post(&mut conn, tenant, post)?;
    let timeline = posts_api::post_timeline(&mut conn, tenant, post)?;
    Ok((record, timeline))
}

/// The tenant's posts, newest first, up to `limit + 1` rows.
pub fn list_posts(
    s: &Services,
    caller: &Caller,
    tenant: TenantId,
    filter: &PostFilter,
    after: Option<&str>,
    limit: i64,
) -> ServiceResult<Vec<PostRecord>> {
    let mut conn = s.conn()?;
    caller.tenant(&mut conn, tenant)?;
    Ok(posts_api::list_posts(
        &mut conn, tenant, filter, after, limit,
    )?)
}

/// Cancels a post that has not started publishing.
pub fn cancel_post(
    s: &Services,
    caller: &Caller,
    tenant: TenantId,
    post: PostId,
) -> ServiceResult<PostRecord> {
    move_to(
        s,
        caller,
        tenant,
        post,
        PostState::Canceled,
        "canceled by request",
        Some(EventType::PostCanceled),
    )
}

/// Queues a failed or unconfirmed post again. The engine reconciles an unconfirmed post
/// before acting, so a retry never publishes twice.
pub fn retry_post(
    s: &Services,
    caller: &Caller,
    tenant: TenantId,
    post: PostId,
) -> ServiceResult<PostRecord> {
    let moved = move_to(
        s,
        caller,
        tenant,
        post,
        PostState::Queued,
        "retry requested",
        None,
    )?;
    (s.wake_engine)();
    Ok(moved)
}

fn move_to(
    s: &Services,
    caller: &Caller,
    tenant: TenantId,
    post: PostId,
    to: PostState,
    detail: &str,
    event: Option<EventType>,
) -> ServiceResult<PostRecord> {
    let now = s.clock.now();
    let mut conn = s.conn()?;
    let tenant_record = caller.tenant(&mut conn, tenant)?;
    let current = posts_api::get_post(&mut conn, tenant, post)?;
    let allowed = current.state.can_move_to(to)
        && (to != PostState::Queued
            || matches!(current.state, PostState::Failed | PostState::Unconfirmed));
    if !allowed {
        return Err(ServiceError::Conflict {
            code: "invalid_state",
            message: format!(
                "a {} post cannot be {}",
                current.state,
                match to {
                    PostState::Canceled => "canceled",
                    _ => "retried",
                }
            ),
        });
    }

    herald_platform::store::transaction_api::transaction(&mut conn, |conn| -> ServiceResult<()> {
        posts_api::move_post(conn, &current, to, detail, now).map_err(|err| match err {
            StoreError::Conflict { .. } => ServiceError::Conflict {
                code: "invalid_state",
                message: "the post changed state meanwhile; read it again".into(),
            },
            other => other.into(),
        })?;
        if let Some(event) = event {
            let mut moved = current.clone();
            moved.state = to;
            let tenant_db = tenant.to_db();
            queue::insert_event(
                conn,
                &tenant_record.agency_id.to_db(),
                Some(&tenant_db),
                event,
                &post_event_payload(&moved),
                now,
            )?;
        }
        Ok(())
    })?;
    Ok(posts_api::get_post(&mut conn, tenant, post)?)
}
