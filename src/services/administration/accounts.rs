//! Staff accounts: created with a temporary password, changed, deactivated and reactivated, their passwords reset.
//! Each change is one transaction with its log entry; a change that ends the account's tokens ends them on every
//! server at once (the token version moves on and the sessions are revoked, both announced at commit).

use chrono::{DateTime, Utc};
use diesel::PgConnection;

use super::{log, Actor, Change};
use crate::auth::password;
use crate::domain::administration::{AdminAction, AdminSubject};
use crate::domain::credentials::{parse_display_name, Username};
use crate::domain::ids::AccountId;
use crate::domain::ids::UnitId;
use crate::domain::permission::{
    act, authorize_administration, may_administer, may_give_up_administration, Authorized,
};
use crate::domain::role::Role;
use crate::domain::scope::Caller;
use crate::error::{AppError, AppResult, ErrorCode, Message};
use crate::models::account::{self, Account, NewAccount, PasswordOrigin, StaffChange};
use crate::models::{jurisdiction, refresh_token, unit};
use crate::services::WorkContext;

/// A new member of staff.
pub struct NewStaff {
    pub username: String,
    pub display_name: String,
    pub unit_id: UnitId,
    pub roles: Vec<Role>,
}

/// What to change on a staff account; `None` leaves it.
#[derive(Default)]
pub struct StaffUpdate {
    pub display_name: Option<String>,
    pub unit_id: Option<UnitId>,
    pub roles: Option<Vec<Role>>,
}

/// An account and the temporary password to hand its holder (shown once, never stored in clear).
pub struct WithTemporaryPassword {
    pub account: Account,
    pub temporary_password: String,
}

/// Logs a change of an account, keeping everything of it but its secrets.
pub(super) fn record(
    conn: &mut PgConnection,
    proof: &Authorized<act::Administer>,
    actor: Actor<'_>,
    action: AdminAction,
    (before, after): (Option<&Account>, &Account),
    now: DateTime<Utc>,
) -> AppResult<()> {
    let change = Change {
        action,
        subject_kind: AdminSubject::Account,
        subject_id: after.id.uuid(),
        jurisdiction_code: after.jurisdiction_code.as_deref().unwrap_or_default(),
        before: before.map(snapshot),
        after: Some(snapshot(after)),
    };
    log(conn, proof, actor, change, now)
}

/// What the log keeps of an account: everything but its secrets.
fn snapshot(a: &Account) -> serde_json::Value {
    serde_json::json!({
        "username": a.username,
        "displayName": a.display_name,
        "roles": a.roles,
        "unitId": a.unit_id,
        "jurisdictionCode": a.jurisdiction_code,
        "active": a.active,
    })
}

/// The unit staff are placed in, checked as the admin's to staff: `(unit id, its jurisdiction's code)`.
fn placement(
    conn: &mut PgConnection,
    caller: &Caller,
    unit_id: UnitId,
) -> AppResult<(Authorized<act::Administer>, UnitId, String)> {
    may_administer(caller)?;
    let field = "input.unitId";
    let found = unit::find(conn, unit_id)?.ok_or_else(|| AppError::not_found("unit").with_field(field))?;
    let path = jurisdiction::subtree_path(conn, &found.jurisdiction_code, field)?;
    let proof = authorize_administration(caller, &path, "unit").map_err(|e| e.with_field(field))?;
    if !found.active {
        return Err(AppError::bad_input(field, Message::UnitTakesNoStaff));
    }
    Ok((proof, found.id, found.jurisdiction_code))
}

/// A staff account the admin may administer, locked for the rest of the transaction. Petitioners' accounts and
/// accounts outside the admin's subtree do not exist for it.
fn administered(
    conn: &mut PgConnection,
    caller: &Caller,
    id: AccountId,
) -> AppResult<(Authorized<act::Administer>, Account)> {
    may_administer(caller)?;
    let found = account::lock(conn, id)?.ok_or_else(|| AppError::not_found("account"))?;
    let code = found.jurisdiction_code.clone().ok_or_else(|| AppError::not_found("account"))?;
    let path = jurisdiction::subtree_path(conn, &code, "id")?;
    let proof = authorize_administration(caller, &path, "account")?;
    Ok((proof, found))
}

/// Refuses a change that would take `ADMIN` from the caller when it is the last active admin of its jurisdiction.
fn keeps_an_admin(conn: &mut PgConnection, caller: &Caller, subject: &Account, stays_admin: bool) -> AppResult<()> {
    if stays_admin || !subject.roles.contains(&Role::Admin) {
        return Ok(());
    }
    let others = match &subject.jurisdiction_code {
        Some(code) => account::other_active_admins(conn, code, subject.id)?,
        None => 0,
    };
    may_give_up_administration(caller, subject.id, others)
}

/// A temporary password and its hash, made before the transaction that stores it: hashing runs on the hashing
/// threads, which a transaction should not wait for.
pub struct TemporaryPassword {
    /// As handed to the account's holder, once.
    shown: String,
    hash: String,
}

impl TemporaryPassword {
    /// A new one, for an admin: anyone else is refused before the cost of hashing.
    pub async fn for_admin(caller: &Caller) -> AppResult<TemporaryPassword> {
        may_administer(caller)?;
        let (shown, password) = super::temporary_password()?;
        Ok(TemporaryPassword { shown, hash: password::hash_async(password).await? })
    }
}

/// `createStaffAccount`.
pub fn create(
    conn: &mut PgConnection,
    work: &WorkContext,
    new: &NewStaff,
    password: TemporaryPassword,
) -> AppResult<WithTemporaryPassword> {
    let caller = &work.caller;
    may_administer(caller)?;
    let username = Username::parse(&new.username, "input.username")?;
    let display_name = parse_display_name(&new.display_name, "input.displayName")?;
    let roles = Role::staff_roles(&new.roles, "input.roles")?;
    let (proof, unit_id, code) = placement(conn, caller, new.unit_id)?;
    let created = account::insert(
        conn,
        &proof,
        &NewAccount {
            username: username.as_str(),
            password_hash: &password.hash,
            display_name: &display_name,
            roles: &roles,
            unit_id: Some(unit_id),
            jurisdiction_code: Some(&code),
            temporary_password: true,
        },
    )?
    .ok_or_else(|| AppError::bad_input("input.username", Message::UsernameTaken))?;
    record(conn, &proof, Actor::Admin(caller), AdminAction::AccountCreated, (None, &created), work.env.now)?;
    Ok(WithTemporaryPassword { account: created, temporary_password: password.shown })
}

/// `updateStaffAccount`. The caller forgets the account's cached caller after the commit.
pub fn update(conn: &mut PgConnection, work: &WorkContext, id: AccountId, update: &StaffUpdate) -> AppResult<Account> {
    let caller = &work.caller;
    may_administer(caller)?;
    if update.display_name.is_none() && update.unit_id.is_none() && update.roles.is_none() {
        return Err(AppError::bad_input("input", Message::NothingToChangeOnAccount));
    }
    let display_name =
        update.display_name.as_deref().map(|n| parse_display_name(n, "input.displayName")).transpose()?;
    let roles = update.roles.as_deref().map(|r| Role::staff_roles(r, "input.roles")).transpose()?;
    let (proof, before) = administered(conn, caller, id)?;
    let unit = update.unit_id.map(|u| placement(conn, caller, u)).transpose()?;
    keeps_an_admin(conn, caller, &before, roles.as_ref().is_none_or(|r| r.contains(&Role::Admin)))?;
    let change = StaffChange {
        display_name: display_name.as_deref(),
        roles: roles.as_deref(),
        unit: unit.as_ref().map(|(_, unit_id, code)| (*unit_id, code.as_str())),
    };
    let after = account::update_staff(conn, &proof, &before, &change)?;
    let now = work.env.now;
    record(conn, &proof, Actor::Admin(caller), AdminAction::AccountUpdated, (Some(&before), &after), now)?;
    Ok(after)
}

/// `deactivateAccount` (`active: false`) and `reactivateAccount` (`true`). The caller forgets the account's cached
/// caller after the commit.
pub fn set_active(conn: &mut PgConnection, work: &WorkContext, id: AccountId, active: bool) -> AppResult<Account> {
    let (caller, now) = (&work.caller, work.env.now);
    let (proof, before) = administered(conn, caller, id)?;
    if before.active == active {
        let state = if active { "active" } else { "deactivated" };
        return Err(AppError::new(ErrorCode::InvalidTransition, Message::AccountAlready(state.to_string())));
    }
    if !active {
        keeps_an_admin(conn, caller, &before, false)?;
        refresh_token::revoke_account(conn, &proof, id, now)?;
    }
    let after = account::set_active(conn, &proof, id, active)?;
    let action = if active { AdminAction::AccountReactivated } else { AdminAction::AccountDeactivated };
    record(conn, &proof, Actor::Admin(caller), action, (Some(&before), &after), now)?;
    Ok(after)
}

/// `resetPassword`: a new temporary password; every session of the account ends. The caller forgets the
/// account's cached caller after the commit.
pub fn reset_password(
    conn: &mut PgConnection,
    work: &WorkContext,
    id: AccountId,
    password: TemporaryPassword,
) -> AppResult<WithTemporaryPassword> {
    let (caller, now) = (&work.caller, work.env.now);
    let (proof, before) = administered(conn, caller, id)?;
    refresh_token::revoke_account(conn, &proof, id, now)?;
    let after = account::set_password(conn, &proof, id, &password.hash, PasswordOrigin::Temporary)?;
    record(conn, &proof, Actor::Admin(caller), AdminAction::PasswordReset, (Some(&before), &after), now)?;
    Ok(WithTemporaryPassword { account: after, temporary_password: password.shown })
}
