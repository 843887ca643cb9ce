//! Connect links: the URL an agency sends a client so the client can connect Meta
//! accounts to one tenant. The link's token is 32 random bytes (it cannot be guessed or
//! altered to point at another tenant); only its hash is stored, with the tenant and the
//! expiry it is bound to. The dashboard's `/connect/*` pages call [`resolve_connect_link`].

use chrono::{DateTime, Duration, Utc};
use herald_platform::ids::{ConnectLinkId, TenantId};
use herald_platform::store::connect_links_api::{self, ConnectLinkRecord};
use rand::RngCore;
use sha2::{Digest, Sha256};

use super::{Caller, ServiceError, ServiceResult, Services};

/// How long a link works.
pub const CONNECT_LINK_TTL: Duration = Duration::days(7);

/// The path a link's URL starts with.
pub const CONNECT_PATH: &str = "/connect";

/// A link just made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewConnectLink {
    pub id: ConnectLinkId,
    pub tenant_id: TenantId,
    pub url: String,
    pub expires_at: DateTime<Utc>,
}

fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Makes a link for one of the caller's tenants.
pub fn create_connect_link(
    s: &Services,
    caller: &Caller,
    tenant: TenantId,
) -> ServiceResult<NewConnectLink> {
    let mut conn = s.conn()?;
    caller.tenant(&mut conn, tenant)?;

    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    let token = hex::encode(bytes);
    let now = s.clock.now();
    let record = ConnectLinkRecord {
        id: ConnectLinkId::new(),
        tenant_id: tenant,
        created_at: now,
        expires_at: now + CONNECT_LINK_TTL,
        used_at: None,
    };
    connect_links_api::insert_connect_link(&mut conn, &record, &token_hash(&token))?;
    Ok(NewConnectLink {
        id: record.id,
        tenant_id: tenant,
        url: format!("{}{CONNECT_PATH}/{token}", s.public_url),
        expires_at: record.expires_at,
    })
}

/// The link a token from a URL stands for, if it exists and has not expired. Unknown and
/// expired tokens are both "not found".
pub fn resolve_connect_link(s: &Services, token: &str) -> ServiceResult<ConnectLinkRecord> {
    let plausible = token.len() == 64 && token.bytes().all(|b| b.is_ascii_hexdigit());
    if !plausible {
        return Err(ServiceError::NotFound("connect link"));
    }
    let found = connect_links_api::find_connect_link(&mut *s.conn()?, &token_hash(token))?;
    match found {
        Some(link) if link.expires_at > s.clock.now() => Ok(link),
        _ => Err(ServiceError::NotFound("connect link")),
    }
}
