//! What every signed-in page shows around its content: the agency, the user, the
//! log-out form's CSRF token and which section is open.

use crate::auth::CurrentUser;

/// The page frame of a signed-in page.
#[derive(Debug, Clone)]
pub struct Chrome {
    pub agency_name: String,
    pub email: String,
    pub csrf: String,
    /// The open section of the navigation (`tenants`, `timeline`, …).
    pub section: &'static str,
}

impl Chrome {
    pub fn new(user: &CurrentUser, section: &'static str) -> Self {
        Self {
            agency_name: user.agency_name.clone(),
            email: user.email.clone(),
            csrf: user.csrf.clone(),
            section,
        }
    }
}
