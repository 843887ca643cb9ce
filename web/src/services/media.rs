//! Media: bytes uploaded or fetched from a URL (through the SSRF-guarded client), probed,
//! stored by content hash, and served back to Meta through signed URLs.

use chrono::{DateTime, Duration, Utc};
use herald_platform::domain::SpecMedia;
use herald_platform::ids::{MediaId, TenantId};
use herald_platform::media::probe;
use herald_platform::store::media_api::{self, MediaRecord};

use super::{Caller, ServiceError, ServiceResult, Services};
use crate::outbound::OutboundError;

/// How long a signed media URL handed to Meta stays valid after the post is due.
pub const URL_VALIDITY_AFTER_DUE: Duration = Duration::days(7);

/// Stores uploaded bytes for a tenant. Blocking.
pub fn create_media_from_bytes(
    s: &Services,
    caller: &Caller,
    tenant: TenantId,
    bytes: &[u8],
    source_url: Option<&str>,
) -> ServiceResult<MediaRecord> {
    let field = if source_url.is_some() { "url" } else { "file" };
    let mut conn = s.conn()?;
    caller.tenant(&mut conn, tenant)?;
    if bytes.len() as u64 > s.max_media_bytes {
        return Err(ServiceError::invalid(
            field,
            format!("must be at most {} bytes", s.max_media_bytes),
        ));
    }

    let facts = probe(bytes).map_err(|err| ServiceError::invalid(field, err.to_string()))?;
    let sha256 = s
        .media_storage
        .put(bytes)
        .map_err(|err| ServiceError::Internal(format!("cannot store media: {err}")))?;
    Ok(media_api::insert_media(
        &mut conn,
        tenant,
        &sha256,
        &facts,
        source_url,
        s.clock.now(),
    )?)
}

/// Fetches a media URL through the guarded client, then stores it like an upload.
pub async fn create_media_from_url(
    s: &Services,
    caller: &Caller,
    tenant: TenantId,
    url: &str,
) -> ServiceResult<MediaRecord> {
    let (bytes, _declared_type) =
        s.outbound
            .fetch(url, s.max_media_bytes)
            .await
            .map_err(|err| match err {
                OutboundError::Blocked(why) => ServiceError::invalid("url", why),
                OutboundError::TooLarge { limit } => {
                    ServiceError::invalid("url", format!("the file must be at most {limit} bytes"))
                }
                other => ServiceError::invalid("url", format!("could not fetch the file: {other}")),
            })?;
    let services = s.clone();
    let caller = *caller;
    let url = url.to_owned();
    tokio::task::spawn_blocking(move || {
        create_media_from_bytes(&services, &caller, tenant, &bytes, Some(&url))
    })
    .await
    .map_err(|err| ServiceError::Internal(format!("media task failed: {err}")))?
}

pub fn get_media(
    s: &Services,
    caller: &Caller,
    tenant: TenantId,
    media: MediaId,
) -> ServiceResult<MediaRecord> {
    let mut conn = s.conn()?;
    caller.tenant(&mut conn, tenant)?;
    Ok(media_api::get_media(&mut conn, tenant, media)?)
}

/// A signed URL for a media file, valid until `until`.
pub fn signed_url(s: &Services, media: MediaId, until: DateTime<Utc>) -> String {
    s.media_signer.url(&s.public_url, media, until)
}

/// The media as a post spec carries it: facts, and a URL Meta can fetch until a week
/// after `due`.
pub fn spec_media(s: &Services, record: &MediaRecord, due: DateTime<Utc>) -> SpecMedia {
    SpecMedia {
        id: record.id,
        url: signed_url(s, record.id, due + URL_VALIDITY_AFTER_DUE),
        facts: record.facts.clone(),
    }
}

/// The bytes and content type behind a signed URL, or "not found" when the signature is
/// wrong or expired. Blocking.
pub fn open_signed(
    s: &Services,
    media: MediaId,
    expires: i64,
    sig: &str,
) -> ServiceResult<(Vec<u8>, String)> {
    if !s.media_signer.verify(media, expires, sig, s.clock.now()) {
        return Err(ServiceError::NotFound("media"));
    }
    let record = media_api::get_media_unscoped(&mut *s.conn()?, media)?;
    let bytes = s
        .media_storage
        .read(&record.sha256)
        .map_err(|_| ServiceError::NotFound("media"))?;
    Ok((bytes, record.facts.mime))
}
