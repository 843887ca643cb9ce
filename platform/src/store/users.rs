//! Dashboard users: one agency each, an argon2id password hash, a role.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::convert::{at, id, ms, name, require_text, stored_enum};
use super::schema::users;
use super::{DbConnection, StoreError, StoreResult};
use crate::ids::{AgencyId, UserId};

stored_enum!(
    /// What a user may do in their agency.
    Role, "role" {
        Owner => "owner",
        Member => "member",
    }
);

/// A user, without the password hash (see [`credentials_by_email`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: UserId,
    pub agency_id: AgencyId,
    pub email: String,
    pub role: Role,
    pub created_at: DateTime<Utc>,
}

/// A user with the stored hash, for signing in only.
pub struct Credentials {
    pub user: User,
    pub password_hash: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("user", &self.user)
            .finish_non_exhaustive()
    }
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = users)]
struct UserRow {
    id: String,
    agency_id: String,
    email: String,
    password_hash: String,
    role: String,
    created_at: i64,
}

impl UserRow {
    fn into_credentials(self) -> StoreResult<Credentials> {
        let user = User {
            id: id("users.id", &self.id, UserId::from_db)?,
            agency_id: id("users.agency_id", &self.agency_id, AgencyId::from_db)?,
            email: self.email,
            role: name("users.role", &self.role)?,
            created_at: at(self.created_at),
        };
        Ok(Credentials {
            user,
            password_hash: self.password_hash,
        })
    }
}

/// Emails are compared case-insensitively: stored trimmed and lowercased.
pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

/// Adds a user. A taken email is a `Conflict`.
pub fn create(
    conn: &mut DbConnection,
    agency: AgencyId,
    email: &str,
    password_hash: &str,
    role: Role,
    now: DateTime<Utc>,
) -> StoreResult<User> {
    let email = normalize_email(email);
    require_text("email", &email, 254)?;
    if !email.contains('@') {
        return Err(StoreError::invalid("email", "must contain `@`"));
    }
    require_text("password_hash", password_hash, 512)?;
    let row = UserRow {
        id: UserId::new().to_db(),
        agency_id: agency.to_db(),
        email,
        password_hash: password_hash.to_owned(),
        role: role.as_str().to_owned(),
        created_at: ms(now),
    };
    diesel::insert_into(users::table)
        .values(&row)
        .execute(conn)
        .map_err(|e| match StoreError::from(e) {
            StoreError::Conflict { .. } => StoreError::conflict("a user with this email exists"),
            other => other,
        })?;
    Ok(row.into_credentials()?.user)
}

/// A user of `agency`; another agency's user is `NotFound`.
pub fn get(conn: &mut DbConnection, agency: AgencyId, user: UserId) -> StoreResult<User> {
    let row = users::table
        .filter(users::id.eq(user.to_db()))
        .filter(users::agency_id.eq(agency.to_db()))
        .select(UserRow::as_select())
        .first(conn)
        .map_err(|e| StoreError::from_diesel("user", e))?;
    Ok(row.into_credentials()?.user)
}

/// The user and hash for an email (sign-in), or `None`.
pub fn credentials_by_email(
    conn: &mut DbConnection,
    email: &str,
) -> StoreResult<Option<Credentials>> {
    users::table
        .filter(users::email.eq(normalize_email(email)))
        .select(UserRow::as_select())
        .first(conn)
        .optional()?
        .map(UserRow::into_credentials)
        .transpose()
}

pub fn list(conn: &mut DbConnection, agency: AgencyId) -> StoreResult<Vec<User>> {
    users::table
        .filter(users::agency_id.eq(agency.to_db()))
        .order(users::id.asc())
        .select(UserRow::as_select())
        .load(conn)?
        .into_iter()
        .map(|row| Ok(row.into_credentials()?.user))
        .collect()
}

pub fn set_password_hash(
    conn: &mut DbConnection,
    agency: AgencyId,
    user: UserId,
    password_hash: &str,
) -> StoreResult<()> {
    require_text("password_hash", password_hash, 512)?;
    let changed = diesel::update(
        users::table
            .filter(users::id.eq(user.to_db()))
            .filter(users::agency_id.eq(agency.to_db())),
    )
    .set(users::password_hash.eq(password_hash))
    .execute(conn)?;
    if changed == 0 {
        return Err(StoreError::not_found("user"));
    }
    Ok(())
}

/// A user by id alone, for resolving a session (the session is the proof of access).
pub fn get_any(conn: &mut DbConnection, user: UserId) -> StoreResult<User> {
    let row = users::table
        .find(user.to_db())
        .select(UserRow::as_select())
        .first(conn)
        .map_err(|e| StoreError::from_diesel("user", e))?;
    Ok(row.into_credentials()?.user)
}
