//! User accounts.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use crate::db::schema::{accounts, jurisdictions, units};
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
/// kind and its jurisdiction's path. `None` when the account no longer exists.
pub fn load_caller(conn: &mut PgConnection, id: Uuid) -> QueryResult<Option<(Caller, i32)>> {
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
        ))
        .first::<(String, Vec<String>, i32, Option<Uuid>, Option<String>, Option<String>, Option<String>)>(conn)
        .optional()?;
    Ok(row.map(|(username, roles, version, unit_id, unit_kind, code, path)| {
        let caller = Caller {
            account_id: id,
            username,
            roles: roles.iter().filter_map(|r| Role::parse(r)).collect(),
            unit: unit_id.zip(unit_kind.as_deref().and_then(UnitKind::parse)),
            jurisdiction: code.zip(path),
        };
        (caller, version)
    }))
}

/// The account's token version (bumped by a password or role change), if the account exists.
pub fn token_version(conn: &mut PgConnection, id: Uuid) -> QueryResult<Option<i32>> {
    accounts::table.find(id).select(accounts::token_version).first(conn).optional()
}
