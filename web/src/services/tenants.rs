//! Tenants: an agency's clients.

use herald_platform::ids::TenantId;
use herald_platform::store::tenants_api::{self, TenantRecord};

use super::{Caller, ServiceError, ServiceResult, Services};

/// Longest tenant name.
pub const MAX_NAME_CHARS: usize = 200;

/// Checks a tenant name: 1 to 200 characters after trimming.
pub fn check_name(name: &str) -> ServiceResult<String> {
    let name = name.trim();
    if name.is_empty() {
        return Err(ServiceError::invalid("name", "must not be empty"));
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(ServiceError::invalid(
            "name",
            "must be at most 200 characters",
        ));
    }
    Ok(name.to_owned())
}

/// Creates a tenant. Agency-wide callers only.
pub fn create_tenant(s: &Services, caller: &Caller, name: &str) -> ServiceResult<TenantRecord> {
    caller.require_agency_wide()?;
    let name = check_name(name)?;
    let now = s.clock.now();
    Ok(tenants_api::insert_tenant(
        &mut *s.conn()?,
        caller.agency,
        &name,
        now,
    )?)
}

pub fn get_tenant(s: &Services, caller: &Caller, tenant: TenantId) -> ServiceResult<TenantRecord> {
    caller.tenant(&mut *s.conn()?, tenant)
}

/// The tenants the caller may see, newest first, up to `limit + 1` (for paging).
pub fn list_tenants(
    s: &Services,
    caller: &Caller,
    after: Option<&str>,
    limit: i64,
) -> ServiceResult<Vec<TenantRecord>> {
    Ok(tenants_api::list_tenants(
        &mut *s.conn()?,
        caller.agency,
        caller.only_tenant,
        after,
        limit,
    )?)
}
