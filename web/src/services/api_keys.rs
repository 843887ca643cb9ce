//! API keys: `hrld_<12 hex>_<secret>`. The visible prefix (`hrld_<12 hex>`) finds the key;
//! only a SHA-256 of the whole key is stored, so the key is shown once, at creation.

use herald_platform::ids::{AgencyId, ApiKeyId, TenantId};
use herald_platform::secret::Secret;
use herald_platform::store::api_keys::{self, ApiKey};
use rand::RngCore;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::{Caller, ServiceError, ServiceResult, Services};

/// The start of every key.
pub const KEY_PREFIX: &str = "hrld_";

/// A key just made: the record and the key itself, to show once.
#[derive(Debug)]
pub struct NewApiKey {
    pub record: ApiKey,
    pub key: Secret,
}

fn hash(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

/// Makes a key for `agency`, limited to `tenant` when given.
pub fn create_api_key(
    s: &Services,
    agency: AgencyId,
    tenant: Option<TenantId>,
    name: &str,
) -> ServiceResult<NewApiKey> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(ServiceError::invalid("name", "must be 1 to 100 characters"));
    }
    let mut conn = s.conn()?;
    if let Some(tenant) = tenant {
        Caller::agency(agency).tenant(&mut conn, tenant)?;
    }

    let mut visible = [0u8; 6];
    let mut secret = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut visible);
    rand::thread_rng().fill_bytes(&mut secret);
    let prefix = format!("{KEY_PREFIX}{}", hex::encode(visible));
    let key = Secret::new(format!("{prefix}_{}", hex::encode(secret)));

    let record = api_keys::create(
        &mut conn,
        agency,
        tenant,
        &prefix,
        &hash(key.expose()),
        name,
        s.clock.now(),
    )?;
    Ok(NewApiKey { record, key })
}

/// The caller a presented key stands for; `None` for an unknown, malformed or revoked
/// key (the three look the same to the caller). Records the use.
pub fn authenticate(s: &Services, presented: &str) -> ServiceResult<Option<Caller>> {
    let Some(prefix) = visible_prefix(presented) else {
        return Ok(None);
    };
    let mut conn = s.conn()?;
    let Some(record) = api_keys::find_by_prefix(&mut conn, prefix)? else {
        return Ok(None);
    };
    let matches = bool::from(hash(presented).as_bytes().ct_eq(record.hash.as_bytes()));
    if !matches || record.revoked_at.is_some() {
        return Ok(None);
    }
    api_keys::touch(&mut conn, record.id, s.clock.now())?;
    Ok(Some(Caller {
        agency: record.agency_id,
        only_tenant: record.tenant_id,
    }))
}

/// `hrld_<12 hex>` of a well-formed key.
fn visible_prefix(key: &str) -> Option<&str> {
    let rest = key.strip_prefix(KEY_PREFIX)?;
    let (visible, secret) = rest.split_once('_')?;
    let ok = visible.len() == 12
        && secret.len() == 64
        && visible
            .bytes()
            .chain(secret.bytes())
            .all(|b| b.is_ascii_hexdigit());
    ok.then(|| &key[..KEY_PREFIX.len() + 12])
}

pub fn list_api_keys(s: &Services, agency: AgencyId) -> ServiceResult<Vec<ApiKey>> {
    Ok(api_keys::list(&mut *s.conn()?, agency)?)
}

pub fn revoke_api_key(s: &Services, agency: AgencyId, key: ApiKeyId) -> ServiceResult<()> {
    Ok(api_keys::revoke(
        &mut *s.conn()?,
        agency,
        key,
        s.clock.now(),
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_well_formed_keys_have_a_prefix() {
        let key = format!("hrld_0123456789ab_{}", "f".repeat(64));
        assert_eq!(visible_prefix(&key), Some("hrld_0123456789ab"));
        for bad in [
            "",
            "hrld_",
            "hrld_0123456789ab",
            "Bearer x",
            &key[..40],
            "hrld_zz3456789ab_x",
        ] {
            assert_eq!(visible_prefix(bad), None, "{bad}");
        }
    }
}
