//! Reading a connect link's token from a URL: found, expired, or not a link at all. The
//! token is never stored; only its SHA-256 is looked up.

use herald_platform::clock::to_millis;
use herald_platform::store::connect_links_api::{self, ConnectLinkRecord};
use herald_platform::store::connect_ui;
use sha2::{Digest, Sha256};

use crate::dashboard::page::PageError;
use crate::services::Services;

/// A link's state when the client opens it.
pub enum LinkLookup {
    Open {
        link: ConnectLinkRecord,
        agency_name: String,
        tenant_name: String,
    },
    Expired {
        agency_name: String,
    },
    Unknown,
}

/// Looks a token up. Blocking.
pub fn lookup(s: &Services, token: &str) -> Result<LinkLookup, PageError> {
    let plausible = token.len() == 64 && token.bytes().all(|b| b.is_ascii_hexdigit());
    if !plausible {
        return Ok(LinkLookup::Unknown);
    }
    let hash = hex::encode(Sha256::digest(token.as_bytes()));
    let mut conn = s.conn()?;
    let Some(link) = connect_links_api::find_connect_link(&mut conn, &hash)? else {
        return Ok(LinkLookup::Unknown);
    };
    let names = connect_ui::names_for_tenant(&mut conn, link.tenant_id);
    let (agency_name, tenant_name) = match names {
        Ok(names) => names,
        Err(herald_platform::store::StoreError::NotFound { .. }) => return Ok(LinkLookup::Unknown),
        Err(other) => return Err(other.into()),
    };
    if to_millis(link.expires_at) <= to_millis(s.clock.now()) {
        return Ok(LinkLookup::Expired { agency_name });
    }
    Ok(LinkLookup::Open {
        link,
        agency_name,
        tenant_name,
    })
}
