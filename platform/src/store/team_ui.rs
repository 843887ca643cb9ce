//! Agency members and invitations: an owner invites a person by e-mail; the invitation's
//! token (only its hash is stored) lets that person set a password once, before it
//! expires.

use diesel::prelude::*;

use super::auth_ui::add_user;
use super::schema::{invitations, users};
use super::{DbConnection, StoreError, StoreResult};
use crate::ids::{AgencyId, UserId};

/// An invitation as its page needs it.
#[derive(Debug, Clone)]
pub struct InvitationRecord {
    pub id: String,
    pub agency_id: AgencyId,
    pub email: String,
    pub role: String,
    pub expires_at: i64,
    pub accepted_at: Option<i64>,
}

/// Records an invitation. An e-mail address that already has an account is a conflict.
#[allow(clippy::too_many_arguments)]
pub fn insert_invitation(
    conn: &mut DbConnection,
    agency: AgencyId,
    email: &str,
    role: &str,
    token_hash: &str,
    invited_by: UserId,
    now_ms: i64,
    expires_at_ms: i64,
) -> StoreResult<()> {
    let taken: i64 = users::table
        .filter(users::email.eq(email))
        .count()
        .get_result(conn)?;
    if taken > 0 {
        return Err(StoreError::conflict("email already in use"));
    }
    diesel::insert_into(invitations::table)
        .values((
            invitations::id.eq(uuid::Uuid::now_v7().to_string()),
            invitations::agency_id.eq(agency.to_db()),
            invitations::email.eq(email),
            invitations::role.eq(role),
            invitations::token_hash.eq(token_hash),
            invitations::invited_by.eq(Some(invited_by.to_db())),
            invitations::created_at.eq(now_ms),
            invitations::expires_at.eq(expires_at_ms),
        ))
        .execute(conn)?;
    Ok(())
}

/// The invitation whose token hashes to `token_hash`.
pub fn invitation_by_hash(
    conn: &mut DbConnection,
    token_hash: &str,
) -> StoreResult<Option<InvitationRecord>> {
    let row: Option<(String, String, String, String, i64, Option<i64>)> = invitations::table
        .filter(invitations::token_hash.eq(token_hash))
        .select((
            invitations::id,
            invitations::agency_id,
            invitations::email,
            invitations::role,
            invitations::expires_at,
            invitations::accepted_at,
        ))
        .first(conn)
        .optional()?;
    row.map(|(id, agency, email, role, expires_at, accepted_at)| {
        Ok(InvitationRecord {
            id,
            agency_id: AgencyId::from_db(&agency)
                .map_err(|e| StoreError::corrupt("invitations.agency_id", e))?,
            email,
            role,
            expires_at,
            accepted_at,
        })
    })
    .transpose()
}

/// Accepts an invitation once: creates the user and marks it accepted, in one
/// transaction. A second acceptance is a conflict.
pub fn accept_invitation(
    conn: &mut DbConnection,
    invitation: &InvitationRecord,
    password_hash: &str,
    now_ms: i64,
) -> StoreResult<UserId> {
    conn.transaction::<_, StoreError, _>(|conn| {
        let taken = diesel::update(
            invitations::table
                .filter(invitations::id.eq(&invitation.id))
                .filter(invitations::accepted_at.is_null())
                .filter(invitations::expires_at.gt(now_ms)),
        )
        .set(invitations::accepted_at.eq(Some(now_ms)))
        .execute(conn)?;
        if taken == 0 {
            return Err(StoreError::conflict("invitation already used or expired"));
        }
        add_user(
            conn,
            invitation.agency_id,
            &invitation.email,
            password_hash,
            &invitation.role,
            now_ms,
        )
    })
}

/// The agency's open (not accepted, not expired) invitations: `(email, role, expires_at)`.
pub fn open_invitations(
    conn: &mut DbConnection,
    agency: AgencyId,
    now_ms: i64,
) -> StoreResult<Vec<(String, String, i64)>> {
    Ok(invitations::table
        .filter(invitations::agency_id.eq(agency.to_db()))
        .filter(invitations::accepted_at.is_null())
        .filter(invitations::expires_at.gt(now_ms))
        .order(invitations::created_at.desc())
        .select((
            invitations::email,
            invitations::role,
            invitations::expires_at,
        ))
        .load(conn)?)
}
