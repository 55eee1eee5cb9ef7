//! User accounts.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use crate::db::schema::{accounts, jurisdictions, refresh_tokens, units};
use crate::domain::organisation::UnitKind;
use crate::domain::role::Role;
use crate::domain::scope::Caller;

#[derive(Queryable, Selectable, Clone, Debug)]
#[diesel(table_name = accounts, check_for_backend(diesel::pg::Pg))]
pub struct Account {
    pub id: Uuid,
    pub username: String,
    pub password_hash: String,
    pub display_name: String,
    pub roles: Vec<Role>,
    pub unit_id: Option<Uuid>,
    pub jurisdiction_code: Option<String>,
    pub token_version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

pub fn find_by_username(conn: &mut PgConnection, username: &str) -> QueryResult<Option<Account>> {
    accounts::table.filter(accounts::username.eq(username)).select(Account::as_select()).first(conn).optional()
}

pub fn find(conn: &mut PgConnection, id: Uuid) -> QueryResult<Option<Account>> {
    accounts::table.find(id).select(Account::as_select()).first(conn).optional()
}

pub struct NewAccount<'a> {
    pub username: &'a str,
    pub password_hash: &'a str,
    pub display_name: &'a str,
    pub roles: &'a [Role],
    pub unit_id: Option<Uuid>,
    pub jurisdiction_code: Option<&'a str>,
}

/// Inserts the account; `Ok(None)` when the username is taken.
pub fn insert(conn: &mut PgConnection, new: &NewAccount<'_>) -> QueryResult<Option<Account>> {
    diesel::insert_into(accounts::table)
        .values((
            accounts::id.eq(Uuid::new_v4()),
            accounts::username.eq(new.username),
            accounts::password_hash.eq(new.password_hash),
            accounts::display_name.eq(new.display_name),
            accounts::roles.eq(new.roles),
            accounts::unit_id.eq(new.unit_id),
            accounts::jurisdiction_code.eq(new.jurisdiction_code),
        ))
        .on_conflict(accounts::username)
        .do_nothing()
        .returning(Account::as_returning())
        .get_result(conn)
        .optional()
}

/// Sets a new password hash and bumps the token version, which invalidates every token issued before.
pub fn set_password(conn: &mut PgConnection, id: Uuid, password_hash: &str) -> QueryResult<Account> {
    diesel::update(accounts::table.find(id))
        .set((
            accounts::password_hash.eq(password_hash),
            accounts::token_version.eq(accounts::token_version + 1),
            accounts::updated_at.eq(diesel::dsl::now),
        ))
        .returning(Account::as_returning())
        .get_result(conn)
}

/// Replaces the roles and bumps the token version (tokens carry roles, so older ones must stop working).
pub fn set_roles(conn: &mut PgConnection, id: Uuid, roles: &[Role]) -> QueryResult<Account> {
    let roles: Vec<String> = roles.iter().map(|r| r.as_str().to_owned()).collect();
    diesel::update(accounts::table.find(id))
        .set((
            accounts::roles.eq(roles),
            accounts::token_version.eq(accounts::token_version + 1),
            accounts::updated_at.eq(diesel::dsl::now),
        ))
        .returning(Account::as_returning())
        .get_result(conn)
}

/// Loads the caller behind a token in one query: the account (for its current token version) with its unit's
/// kind and its jurisdiction's path, and whether the token's session has ended. `None` when the account no longer
/// exists.
pub fn load_caller(conn: &mut PgConnection, id: Uuid, session: Option<Uuid>) -> QueryResult<Option<LoadedCaller>> {
    let row = accounts::table
        .left_join(units::table)
        .left_join(jurisdictions::table.on(accounts::jurisdiction_code.eq(jurisdictions::code.nullable())))
        .filter(accounts::id.eq(id))
        .select((
            accounts::username,
            accounts::roles,
            accounts::token_version,
            units::id.nullable(),
            units::kind.nullable(),
            jurisdictions::code.nullable(),
            jurisdictions::path.nullable(),
            session_ended(session),
        ))
        .first::<(String, Vec<String>, i32, Option<Uuid>, Option<String>, Option<String>, Option<String>, bool)>(conn)
        .optional()?;
    Ok(row.map(|(username, roles, version, unit_id, unit_kind, code, path, session_ended)| {
        let caller = Caller {
            account_id: id,
            username,
            roles: roles.iter().filter_map(|r| Role::parse(r)).collect(),
            unit: unit_id.zip(unit_kind.as_deref().and_then(UnitKind::parse)),
            jurisdiction: code.zip(path),
        };
        LoadedCaller { caller, version, session_ended }
    }))
}

/// The caller behind a token, as [`load_caller`] found it.
pub struct LoadedCaller {
    pub caller: Caller,
    /// The account's token version now: a token of another version is void.
    pub version: i32,
    /// The token's session (refresh-token family) was revoked.
    pub session_ended: bool,
}

/// Whether `session` was revoked (signed out, or its refresh token reused). Tokens without a session have none
/// to end.
#[allow(clippy::type_complexity)]
fn session_ended(
    session: Option<Uuid>,
) -> diesel::dsl::exists<
    diesel::dsl::Filter<
        diesel::dsl::Filter<refresh_tokens::table, diesel::dsl::Eq<refresh_tokens::family_id, Uuid>>,
        diesel::dsl::IsNotNull<refresh_tokens::revoked_at>,
    >,
> {
    diesel::dsl::exists(
        refresh_tokens::table
            .filter(refresh_tokens::family_id.eq(session.unwrap_or(Uuid::nil())))
            .filter(refresh_tokens::revoked_at.is_not_null()),
    )
}

/// Whether a token issued under `version` in `session` still stands: the account's token version has not moved
/// and the session was not ended.
pub fn token_stands(conn: &mut PgConnection, id: Uuid, version: i32, session: Option<Uuid>) -> QueryResult<bool> {
    let found: Option<(i32, bool)> =
        accounts::table.find(id).select((accounts::token_version, session_ended(session))).first(conn).optional()?;
    Ok(found.is_some_and(|(current, ended)| current == version && !ended))
}
