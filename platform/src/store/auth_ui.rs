//! Agencies, their users and dashboard sessions, as the dashboard's sign-up, log-in and
//! session checks need them.
//!
//! Sessions are stored by the SHA-256 of their cookie value (`id_hash`), never the value
//! itself. `expires_at` is the absolute expiry; the idle expiry is judged by the caller
//! from `last_seen_at`.

use diesel::prelude::*;

use super::schema::{agencies, sessions, users};
use super::{DbConnection, StoreError, StoreResult};
use crate::ids::{AgencyId, UserId};

/// A user of the dashboard, with what log-in needs.
#[derive(Clone)]
pub struct UserRecord {
    pub id: UserId,
    pub agency_id: AgencyId,
    pub email: String,
    /// `owner` or `member`.
    pub role: String,
    /// An argon2id PHC string.
    pub password_hash: String,
}

impl std::fmt::Debug for UserRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserRecord")
            .field("id", &self.id)
            .field("agency_id", &self.agency_id)
            .field("role", &self.role)
            .finish_non_exhaustive()
    }
}

/// An agency as the dashboard shows it.
#[derive(Debug, Clone)]
pub struct AgencyRecord {
    pub id: AgencyId,
    pub name: String,
    /// An IANA time zone name, such as `Europe/Paris`.
    pub time_zone: String,
}

/// A session row joined with its user and agency.
#[derive(Debug, Clone)]
pub struct SessionRecord {
    pub user: UserRecord,
    pub agency: AgencyRecord,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub expires_at: i64,
}

type UserRow = (String, String, String, String, String);

/// `(created_at, last_seen_at, expires_at)`, the user, and `(agency id, name, time zone)`.
type SessionRow = ((i64, i64, i64), UserRow, (String, String, String));

fn user_from_row(row: UserRow) -> StoreResult<UserRecord> {
    let (id, agency_id, email, role, password_hash) = row;
    Ok(UserRecord {
        id: UserId::from_db(&id).map_err(|e| StoreError::corrupt("users.id", e))?,
        agency_id: AgencyId::from_db(&agency_id)
            .map_err(|e| StoreError::corrupt("users.agency_id", e))?,
        email,
        role,
        password_hash,
    })
}

const USER_COLUMNS: (
    users::id,
    users::agency_id,
    users::email,
    users::role,
    users::password_hash,
) = (
    users::id,
    users::agency_id,
    users::email,
    users::role,
    users::password_hash,
);

/// Creates an agency and its first user, the owner, in one transaction. An e-mail address
/// already in use is a [`StoreError::Conflict`].
pub fn create_agency_with_owner(
    conn: &mut DbConnection,
    agency_name: &str,
    time_zone: &str,
    email: &str,
    password_hash: &str,
    now_ms: i64,
) -> StoreResult<(AgencyId, UserId)> {
    let agency = AgencyId::new();
    let user = UserId::new();
    conn.transaction::<_, StoreError, _>(|conn| {
        let taken: i64 = users::table
            .filter(users::email.eq(email))
            .count()
            .get_result(conn)?;
        if taken > 0 {
            return Err(StoreError::conflict("email already in use"));
        }
        diesel::insert_into(agencies::table)
            .values((
                agencies::id.eq(agency.to_db()),
                agencies::name.eq(agency_name),
                agencies::time_zone.eq(time_zone),
                agencies::created_at.eq(now_ms),
            ))
            .execute(conn)?;
        diesel::insert_into(users::table)
            .values((
                users::id.eq(user.to_db()),
                users::agency_id.eq(agency.to_db()),
                users::email.eq(email),
                users::password_hash.eq(password_hash),
                users::role.eq("owner"),
                users::created_at.eq(now_ms),
            ))
            .execute(conn)?;
        Ok(())
    })?;
    Ok((agency, user))
}

/// Adds a user to an existing agency (an accepted invitation).
pub fn add_user(
    conn: &mut DbConnection,
    agency: AgencyId,
    email: &str,
    password_hash: &str,
    role: &str,
    now_ms: i64,
) -> StoreResult<UserId> {
    let user = UserId::new();
    diesel::insert_into(users::table)
        .values((
            users::id.eq(user.to_db()),
            users::agency_id.eq(agency.to_db()),
            users::email.eq(email),
            users::password_hash.eq(password_hash),
            users::role.eq(role),
            users::created_at.eq(now_ms),
        ))
        .execute(conn)?;
    Ok(user)
}

/// The user with this (already normalised) e-mail address.
pub fn user_by_email(conn: &mut DbConnection, email: &str) -> StoreResult<Option<UserRecord>> {
    let row: Option<UserRow> = users::table
        .filter(users::email.eq(email))
        .select(USER_COLUMNS)
        .first(conn)
        .optional()?;
    row.map(user_from_row).transpose()
}

/// Every user of an agency, oldest first.
pub fn users_of_agency(conn: &mut DbConnection, agency: AgencyId) -> StoreResult<Vec<UserRecord>> {
    let rows: Vec<UserRow> = users::table
        .filter(users::agency_id.eq(agency.to_db()))
        .order(users::created_at.asc())
        .select(USER_COLUMNS)
        .load(conn)?;
    rows.into_iter().map(user_from_row).collect()
}

/// Records a new session.
pub fn insert_session(
    conn: &mut DbConnection,
    id_hash: &str,
    user: UserId,
    now_ms: i64,
    expires_at_ms: i64,
) -> StoreResult<()> {
    diesel::insert_into(sessions::table)
        .values((
            sessions::id_hash.eq(id_hash),
            sessions::user_id.eq(user.to_db()),
            sessions::created_at.eq(now_ms),
            sessions::last_seen_at.eq(now_ms),
            sessions::expires_at.eq(expires_at_ms),
        ))
        .execute(conn)?;
    Ok(())
}

/// The session with this hash, with its user and agency; `None` when there is none.
pub fn session_by_hash(
    conn: &mut DbConnection,
    id_hash: &str,
) -> StoreResult<Option<SessionRecord>> {
    let row: Option<SessionRow> = sessions::table
        .inner_join(users::table.on(users::id.eq(sessions::user_id)))
        .inner_join(agencies::table.on(agencies::id.eq(users::agency_id)))
        .filter(sessions::id_hash.eq(id_hash))
        .select((
            (
                sessions::created_at,
                sessions::last_seen_at,
                sessions::expires_at,
            ),
            USER_COLUMNS,
            (agencies::id, agencies::name, agencies::time_zone),
        ))
        .first(conn)
        .optional()?;
    let Some(((created_at, last_seen_at, expires_at), user, (agency_id, name, time_zone))) = row
    else {
        return Ok(None);
    };
    Ok(Some(SessionRecord {
        user: user_from_row(user)?,
        agency: AgencyRecord {
            id: AgencyId::from_db(&agency_id).map_err(|e| StoreError::corrupt("agencies.id", e))?,
            name,
            time_zone,
        },
        created_at,
        last_seen_at,
        expires_at,
    }))
}

/// Moves a session's `last_seen_at` forward.
pub fn touch_session(conn: &mut DbConnection, id_hash: &str, now_ms: i64) -> StoreResult<()> {
    diesel::update(sessions::table.filter(sessions::id_hash.eq(id_hash)))
        .set(sessions::last_seen_at.eq(now_ms))
        .execute(conn)?;
    Ok(())
}

/// Ends one session (log out, or an expired one found at use).
pub fn delete_session(conn: &mut DbConnection, id_hash: &str) -> StoreResult<()> {
    diesel::delete(sessions::table.filter(sessions::id_hash.eq(id_hash))).execute(conn)?;
    Ok(())
}

/// Removes sessions past their absolute expiry or idle since before `idle_before_ms`.
pub fn delete_stale_sessions(
    conn: &mut DbConnection,
    now_ms: i64,
    idle_before_ms: i64,
) -> StoreResult<usize> {
    Ok(diesel::delete(
        sessions::table.filter(
            sessions::expires_at
                .le(now_ms)
                .or(sessions::last_seen_at.lt(idle_before_ms)),
        ),
    )
    .execute(conn)?)
}

/// The agency's time zone and name.
pub fn agency(conn: &mut DbConnection, agency: AgencyId) -> StoreResult<AgencyRecord> {
    let (name, time_zone): (String, String) = agencies::table
        .filter(agencies::id.eq(agency.to_db()))
        .select((agencies::name, agencies::time_zone))
        .first(conn)
        .map_err(|e| StoreError::from_diesel("agency", e))?;
    Ok(AgencyRecord {
        id: agency,
        name,
        time_zone,
    })
}

/// Changes the agency's time zone (an IANA name, checked by the caller).
pub fn set_agency_time_zone(
    conn: &mut DbConnection,
    agency: AgencyId,
    time_zone: &str,
) -> StoreResult<()> {
    diesel::update(agencies::table.filter(agencies::id.eq(agency.to_db())))
        .set(agencies::time_zone.eq(time_zone))
        .execute(conn)?;
    Ok(())
}
