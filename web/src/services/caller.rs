//! Who is asking: an agency, narrowed to one tenant when an API key is limited to it.

use herald_platform::ids::{AgencyId, TenantId};
use herald_platform::store::tenants_api::{self, TenantRecord};
use herald_platform::store::DbConnection;

use super::{ServiceError, ServiceResult};

/// The caller of a service: a dashboard user acts for the whole agency; an API key may be
/// limited to one tenant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Caller {
    pub agency: AgencyId,
    pub only_tenant: Option<TenantId>,
}

impl Caller {
    pub fn agency(agency: AgencyId) -> Self {
        Self {
            agency,
            only_tenant: None,
        }
    }

    /// The tenant, if the caller may see it. Another agency's tenant, or a tenant outside
    /// the key's limit, is "not found", exactly like a missing one.
    pub fn tenant(&self, conn: &mut DbConnection, tenant: TenantId) -> ServiceResult<TenantRecord> {
        if self.only_tenant.is_some_and(|only| only != tenant) {
            return Err(ServiceError::NotFound("tenant"));
        }
        Ok(tenants_api::get_tenant(conn, self.agency, tenant)?)
    }

    /// Refuses callers limited to one tenant (agency-wide operations).
    pub fn require_agency_wide(&self) -> ServiceResult<()> {
        match self.only_tenant {
            None => Ok(()),
            Some(_) => Err(ServiceError::Forbidden(
                "this API key is limited to one tenant; use an agency-wide key".into(),
            )),
        }
    }
}
