//! Dashboard sessions, stored by the hash of the cookie's value (the value itself is never
//! stored), with a sliding expiry.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::convert::{at, id, ms};
use super::schema::sessions;
use super::{users, DbConnection, StoreError, StoreResult};
use crate::ids::UserId;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub id_hash: String,
    pub user_id: UserId,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = sessions)]
struct SessionRow {
    id_hash: String,
    user_id: String,
    created_at: i64,
    last_seen_at: i64,
    expires_at: i64,
}

impl TryFrom<SessionRow> for Session {
    type Error = StoreError;

    fn try_from(row: SessionRow) -> StoreResult<Self> {
        Ok(Session {
            user_id: id("sessions.user_id", &row.user_id, UserId::from_db)?,
            id_hash: row.id_hash,
            created_at: at(row.created_at),
            last_seen_at: at(row.last_seen_at),
            expires_at: at(row.expires_at),
        })
    }
}

pub fn create(
    conn: &mut DbConnection,
    id_hash: &str,
    user: UserId,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> StoreResult<Session> {
    let row = SessionRow {
        id_hash: id_hash.to_owned(),
        user_id: user.to_db(),
        created_at: ms(now),
        last_seen_at: ms(now),
        expires_at: ms(expires_at),
    };
    diesel::insert_into(sessions::table)
        .values(&row)
        .execute(conn)?;
    row.try_into()
}

/// The unexpired session with this hash and its user, or `None`.
pub fn find_active(
    conn: &mut DbConnection,
    id_hash: &str,
    now: DateTime<Utc>,
) -> StoreResult<Option<(Session, users::User)>> {
    let Some(row) = sessions::table
        .find(id_hash)
        .filter(sessions::expires_at.gt(ms(now)))
        .select(SessionRow::as_select())
        .first(conn)
        .optional()?
    else {
        return Ok(None);
    };
    let session: Session = row.try_into()?;
    let user = users::get_any(conn, session.user_id)?;
    Ok(Some((session, user)))
}

/// Records activity and slides the expiry.
pub fn touch(
    conn: &mut DbConnection,
    id_hash: &str,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> StoreResult<()> {
    diesel::update(sessions::table.find(id_hash))
        .set((
            sessions::last_seen_at.eq(ms(now)),
            sessions::expires_at.eq(ms(expires_at)),
        ))
        .execute(conn)?;
    Ok(())
}

/// Signs out one session.
pub fn delete(conn: &mut DbConnection, id_hash: &str) -> StoreResult<()> {
    diesel::delete(sessions::table.find(id_hash)).execute(conn)?;
    Ok(())
}

/// Signs a user out everywhere (after a password change).
pub fn delete_for_user(conn: &mut DbConnection, user: UserId) -> StoreResult<usize> {
    Ok(diesel::delete(sessions::table.filter(sessions::user_id.eq(user.to_db()))).execute(conn)?)
}

pub fn delete_expired(conn: &mut DbConnection, now: DateTime<Utc>) -> StoreResult<usize> {
    Ok(diesel::delete(sessions::table.filter(sessions::expires_at.le(ms(now)))).execute(conn)?)
}
