//! Invitations for people to join an agency, stored by the token's hash, accepted once.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::convert::{at, id, ms, name, opt_at, opt_id};
use super::schema::invitations as i;
use super::tx::write_transaction;
use super::users::{normalize_email, Role};
use super::{DbConnection, StoreError, StoreResult};
use crate::ids::{AgencyId, InvitationId, UserId};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invitation {
    pub id: InvitationId,
    pub agency_id: AgencyId,
    pub email: String,
    pub role: Role,
    pub invited_by: Option<UserId>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub accepted_at: Option<DateTime<Utc>>,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = i)]
struct InvitationRow {
    id: String,
    agency_id: String,
    email: String,
    role: String,
    token_hash: String,
    invited_by: Option<String>,
    created_at: i64,
    expires_at: i64,
    accepted_at: Option<i64>,
}

impl TryFrom<InvitationRow> for Invitation {
    type Error = StoreError;

    fn try_from(row: InvitationRow) -> StoreResult<Self> {
        Ok(Invitation {
            id: id("invitations.id", &row.id, InvitationId::from_db)?,
            agency_id: id("invitations.agency_id", &row.agency_id, AgencyId::from_db)?,
            email: row.email,
            role: name("invitations.role", &row.role)?,
            invited_by: opt_id(
                "invitations.invited_by",
                row.invited_by.as_deref(),
                UserId::from_db,
            )?,
            created_at: at(row.created_at),
            expires_at: at(row.expires_at),
            accepted_at: opt_at(row.accepted_at),
        })
    }
}

#[allow(clippy::too_many_arguments)]
pub fn create(
    conn: &mut DbConnection,
    agency: AgencyId,
    email: &str,
    role: Role,
    token_hash: &str,
    invited_by: Option<UserId>,
    expires_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> StoreResult<Invitation> {
    let email = normalize_email(email);
    if !email.contains('@') {
        return Err(StoreError::invalid("email", "must contain `@`"));
    }
    let row = InvitationRow {
        id: InvitationId::new().to_db(),
        agency_id: agency.to_db(),
        email,
        role: role.as_str().to_owned(),
        token_hash: token_hash.to_owned(),
        invited_by: invited_by.map(|u| u.to_db()),
        created_at: ms(now),
        expires_at: ms(expires_at),
        accepted_at: None,
    };
    diesel::insert_into(i::table).values(&row).execute(conn)?;
    row.try_into()
}

/// Accepts the invitation with this token hash once, before it expires.
pub fn accept(
    conn: &mut DbConnection,
    token_hash: &str,
    now: DateTime<Utc>,
) -> StoreResult<Invitation> {
    write_transaction(conn, |conn| {
        let invitation: Invitation = i::table
            .filter(i::token_hash.eq(token_hash))
            .select(InvitationRow::as_select())
            .first(conn)
            .map_err(|e| StoreError::from_diesel("invitation", e))?
            .try_into()?;
        if invitation.accepted_at.is_some() {
            return Err(StoreError::conflict("this invitation was already accepted"));
        }
        if invitation.expires_at <= now {
            return Err(StoreError::invalid(
                "invitation",
                "has expired; ask for a new one",
            ));
        }
        diesel::update(i::table.find(invitation.id.to_db()))
            .set(i::accepted_at.eq(Some(ms(now))))
            .execute(conn)?;
        Ok(Invitation {
            accepted_at: Some(now),
            ..invitation
        })
    })
}

pub fn list(conn: &mut DbConnection, agency: AgencyId) -> StoreResult<Vec<Invitation>> {
    i::table
        .filter(i::agency_id.eq(agency.to_db()))
        .order(i::id.desc())
        .select(InvitationRow::as_select())
        .load(conn)?
        .into_iter()
        .map(Invitation::try_from)
        .collect()
}
