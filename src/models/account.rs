//! User accounts.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use diesel::pg::Pg;
use diesel::sql_types::Bool;

use super::jurisdiction::escape_like;
use super::page::{keyset_page, scoped_list, Page, PageRequest, TimeKey};
use crate::db::schema::{accounts, jurisdictions, refresh_tokens, units};
use crate::domain::ids::AccountId;
use crate::domain::ids::UnitId;
use crate::domain::organisation::UnitKind;
use crate::domain::permission::Decision;
use crate::domain::role::Role;
use crate::domain::scope::{AccountScope, Caller};

#[derive(Queryable, Selectable, Clone, Debug)]
#[diesel(table_name = accounts, check_for_backend(diesel::pg::Pg))]
pub struct Account {
    pub id: AccountId,
    pub username: String,
    pub password_hash: String,
    pub display_name: String,
    pub roles: Vec<Role>,
    pub unit_id: Option<UnitId>,
    pub jurisdiction_code: Option<String>,
    pub token_version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// A deactivated account cannot sign in; it stays for the history.
    pub active: bool,
    /// Signed in with a temporary password an admin set: nothing but changing it is allowed.
    pub must_change_password: bool,
}

pub fn find_by_username(conn: &mut PgConnection, username: &str) -> QueryResult<Option<Account>> {
    accounts::table.filter(accounts::username.eq(username)).select(Account::as_select()).first(conn).optional()
}

pub fn find(conn: &mut PgConnection, id: AccountId) -> QueryResult<Option<Account>> {
    accounts::table.find(id).select(Account::as_select()).first(conn).optional()
}

/// The display names of the accounts in `ids` (those that exist).
pub fn display_names(conn: &mut PgConnection, ids: &[AccountId]) -> QueryResult<Vec<(AccountId, String)>> {
    accounts::table.filter(accounts::id.eq_any(ids)).select((accounts::id, accounts::display_name)).load(conn)
}

pub struct NewAccount<'a> {
    pub username: &'a str,
    pub password_hash: &'a str,
    pub display_name: &'a str,
    pub roles: &'a [Role],
    pub unit_id: Option<UnitId>,
    pub jurisdiction_code: Option<&'a str>,
    /// The password is a temporary one an admin hands over: it must be changed at the first sign-in.
    pub temporary_password: bool,
}

/// What an admin changes on a staff account; `None` leaves it.
#[derive(Default)]
pub struct StaffChange<'a> {
    pub display_name: Option<&'a str>,
    pub roles: Option<&'a [Role]>,
    /// The new unit and its jurisdiction.
    pub unit: Option<(UnitId, &'a str)>,
}

/// Applies `change` to `current` (read, and locked, by the caller). A change of roles or unit bumps the token
/// version: tokens carry them, so older ones must stop working.
pub fn update_staff(
    conn: &mut PgConnection,
    _decided: &impl Decision,
    current: &Account,
    change: &StaffChange<'_>,
) -> QueryResult<Account> {
    let moves = change.roles.is_some_and(|r| r != current.roles.as_slice())
        || change.unit.is_some_and(|(unit, _)| Some(unit) != current.unit_id);
    diesel::update(accounts::table.find(current.id))
        .set((
            accounts::display_name.eq(change.display_name.unwrap_or(&current.display_name)),
            accounts::roles.eq(change.roles.unwrap_or(&current.roles)),
            accounts::unit_id.eq(change.unit.map(|(u, _)| u).or(current.unit_id)),
            accounts::jurisdiction_code.eq(change.unit.map(|(_, j)| j).or(current.jurisdiction_code.as_deref())),
            accounts::token_version.eq(accounts::token_version + i32::from(moves)),
            accounts::updated_at.eq(diesel::dsl::now),
        ))
        .returning(Account::as_returning())
        .get_result(conn)
}

/// Deactivates or reactivates the account. Either way its token version moves on, so every token it holds ends.
pub fn set_active(
    conn: &mut PgConnection,
    _decided: &impl Decision,
    id: AccountId,
    active: bool,
) -> QueryResult<Account> {
    diesel::update(accounts::table.find(id))
        .set((
            accounts::active.eq(active),
            accounts::token_version.eq(accounts::token_version + 1),
            accounts::updated_at.eq(diesel::dsl::now),
        ))
        .returning(Account::as_returning())
        .get_result(conn)
}

/// Locks the account row for the rest of the transaction (one administrative change at a time per account).
pub fn lock(conn: &mut PgConnection, id: AccountId) -> QueryResult<Option<Account>> {
    accounts::table.find(id).select(Account::as_select()).for_update().first(conn).optional()
}

/// How many active admins besides `except` sit in `jurisdiction_code`.
pub fn other_active_admins(conn: &mut PgConnection, jurisdiction_code: &str, except: AccountId) -> QueryResult<i64> {
    accounts::table
        .filter(accounts::jurisdiction_code.eq(jurisdiction_code))
        .filter(accounts::active)
        .filter(accounts::roles.contains(vec![Role::Admin]))
        .filter(accounts::id.ne(except))
        .count()
        .get_result(conn)
}

/// Filters on the accounts list.
#[derive(Clone, Debug, Default)]
pub struct AccountFilter {
    pub role: Option<Role>,
    pub unit_id: Option<UnitId>,
    pub active: Option<bool>,
    /// Part of the username or display name.
    pub search: Option<String>,
    pub within_path: Option<String>,
}

type AccountCondition = Box<dyn BoxableExpression<accounts::table, Pg, SqlType = Bool>>;

fn in_subtree(path: &str) -> AccountCondition {
    let codes = jurisdictions::table
        .filter(jurisdictions::path.like(format!("{}%", escape_like(path))))
        .select(jurisdictions::code);
    Box::new(accounts::jurisdiction_code.eq_any(codes.nullable()).assume_not_null())
}

/// The SQL form of [`AccountScope`]; an empty scope matches nothing.
fn visible_to(scope: &AccountScope) -> AccountCondition {
    let mut condition: AccountCondition = Box::new(diesel::dsl::sql::<Bool>("FALSE"));
    if let Some(path) = &scope.subtree {
        condition = Box::new(condition.or(in_subtree(path)));
    }
    if let Some(unit) = scope.unit {
        condition = Box::new(condition.or(accounts::unit_id.eq(unit).assume_not_null()));
    }
    condition
}

fn filtered(scope: &AccountScope, f: &AccountFilter) -> accounts::BoxedQuery<'static, Pg> {
    let mut q = accounts::table.filter(visible_to(scope)).into_boxed();
    if let Some(role) = f.role {
        q = q.filter(accounts::roles.contains(vec![role]));
    }
    if let Some(unit) = f.unit_id {
        q = q.filter(accounts::unit_id.eq(unit));
    }
    if let Some(active) = f.active {
        q = q.filter(accounts::active.eq(active));
    }
    if let Some(search) = &f.search {
        let pattern = format!("%{}%", escape_like(search));
        q = q.filter(accounts::username.ilike(pattern.clone()).or(accounts::display_name.ilike(pattern)));
    }
    if let Some(path) = &f.within_path {
        q = q.filter(in_subtree(path));
    }
    q
}

scoped_list!(AccountList, AccountScope, AccountFilter, TimeKey, Account);

pub fn key_of(a: &Account) -> TimeKey {
    (a.created_at, a.id.uuid())
}

/// Oldest first: the order a bureau onboarded its people in.
pub fn list_visible(
    conn: &mut PgConnection,
    scope: &AccountScope,
    filter: &AccountFilter,
    page: &PageRequest<TimeKey>,
) -> QueryResult<Page<Account>> {
    let q = filtered(scope, filter).select(Account::as_select());
    let q = keyset_page!(q, accounts::created_at, accounts::id, page, true);
    Ok(page.finish(q.load(conn)?))
}

pub fn count_visible(conn: &mut PgConnection, scope: &AccountScope, filter: &AccountFilter) -> QueryResult<i64> {
    filtered(scope, filter).count().get_result(conn)
}

pub fn find_visible(conn: &mut PgConnection, scope: &AccountScope, id: AccountId) -> QueryResult<Option<Account>> {
    filtered(scope, &AccountFilter::default())
        .filter(accounts::id.eq(id))
        .select(Account::as_select())
        .first(conn)
        .optional()
}

/// Inserts the account; `Ok(None)` when the username is taken.
pub fn insert(conn: &mut PgConnection, _decided: &impl Decision, new: &NewAccount<'_>) -> QueryResult<Option<Account>> {
    diesel::insert_into(accounts::table)
        .values((
            accounts::id.eq(Uuid::new_v4()),
            accounts::username.eq(new.username),
            accounts::password_hash.eq(new.password_hash),
            accounts::display_name.eq(new.display_name),
            accounts::roles.eq(new.roles),
            accounts::unit_id.eq(new.unit_id),
            accounts::jurisdiction_code.eq(new.jurisdiction_code),
            accounts::must_change_password.eq(new.temporary_password),
        ))
        .on_conflict(accounts::username)
        .do_nothing()
        .returning(Account::as_returning())
        .get_result(conn)
        .optional()
}

/// Whose password a new hash is: one the owner chose, or a temporary one an admin set, which must be changed at the
/// next sign-in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PasswordOrigin {
    ChosenByOwner,
    Temporary,
}

/// Sets a new password hash and bumps the token version, which invalidates every token issued before.
pub fn set_password(
    conn: &mut PgConnection,
    _decided: &impl Decision,
    id: AccountId,
    password_hash: &str,
    origin: PasswordOrigin,
) -> QueryResult<Account> {
    diesel::update(accounts::table.find(id))
        .set((
            accounts::password_hash.eq(password_hash),
            accounts::must_change_password.eq(origin == PasswordOrigin::Temporary),
            accounts::token_version.eq(accounts::token_version + 1),
            accounts::updated_at.eq(diesel::dsl::now),
        ))
        .returning(Account::as_returning())
        .get_result(conn)
}

/// Loads the caller behind a token in one query: the account (for its current token version) with its unit's
/// kind and its jurisdiction's path, and whether the token's session has ended. `None` when the account no longer
/// exists or was deactivated.
pub fn load_caller(conn: &mut PgConnection, id: AccountId, session: Option<Uuid>) -> QueryResult<Option<LoadedCaller>> {
    let row = accounts::table
        .left_join(units::table)
        .left_join(jurisdictions::table.on(accounts::jurisdiction_code.eq(jurisdictions::code.nullable())))
        .filter(accounts::id.eq(id))
        .filter(accounts::active)
        .select((
            accounts::username,
            accounts::display_name,
            accounts::roles,
            accounts::token_version,
            accounts::must_change_password,
            units::id.nullable(),
            units::kind.nullable(),
            jurisdictions::code.nullable(),
            jurisdictions::path.nullable(),
            session_ended(session),
        ))
        .first::<CallerRow>(conn)
        .optional()?;
    Ok(row.map(
        |(username, display_name, roles, version, provisional, unit_id, unit_kind, code, path, session_ended)| {
            let caller = Caller {
                account_id: id,
                username,
                display_name,
                roles: roles.iter().filter_map(|r| Role::parse(r)).collect(),
                unit: unit_id.zip(unit_kind.as_deref().and_then(UnitKind::parse)),
                jurisdiction: code.zip(path),
            };
            LoadedCaller { caller, version, session_ended, provisional }
        },
    ))
}

/// What [`load_caller`] reads: username, display name, roles, token version, temporary password, unit id and
/// kind, jurisdiction code and path, session ended.
type CallerRow =
    (String, String, Vec<String>, i32, bool, Option<UnitId>, Option<String>, Option<String>, Option<String>, bool);

/// The caller behind a token, as [`load_caller`] found it.
pub struct LoadedCaller {
    pub caller: Caller,
    /// The account's token version now: a token of another version is void.
    pub version: i32,
    /// The token's session (refresh-token family) was revoked.
    pub session_ended: bool,
    /// Signed in with a temporary password: may do nothing but change it.
    pub provisional: bool,
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
pub fn token_stands(conn: &mut PgConnection, id: AccountId, version: i32, session: Option<Uuid>) -> QueryResult<bool> {
    let found: Option<(i32, bool)> =
        accounts::table.find(id).select((accounts::token_version, session_ended(session))).first(conn).optional()?;
    Ok(found.is_some_and(|(current, ended)| current == version && !ended))
}
