//! Units (bureaus, handling units, committees): created, renamed or re-kinded, deactivated when no open case is
//! with them any more. Each change is one transaction with its log entry; unit changes are announced to every
//! server's caller cache by the table's trigger (the kind of a staff member's unit decides their scope).

use chrono::{DateTime, Utc};
use diesel::PgConnection;

use super::{log, Actor, Change};
use crate::domain::administration::{AdminAction, AdminSubject};
use crate::domain::credentials::parse_display_name;
use crate::domain::ids::UnitId;
use crate::domain::organisation::UnitKind;
use crate::domain::permission::{act, authorize_administration, may_administer, Authorized};
use crate::domain::scope::Caller;
use crate::error::{AppError, AppResult, ErrorCode, Message};
use crate::models::jurisdiction;
use crate::models::unit::{self, Unit};
use crate::services::WorkContext;

fn snapshot(u: &Unit) -> serde_json::Value {
    serde_json::json!({
        "name": u.name,
        "kind": u.kind,
        "jurisdictionCode": u.jurisdiction_code,
        "active": u.active,
    })
}

fn taken() -> AppError {
    AppError::bad_input("input.name", Message::UnitNameTaken)
}

/// A unit the admin may administer, locked for the rest of the transaction.
fn administered(
    conn: &mut PgConnection,
    caller: &Caller,
    id: UnitId,
) -> AppResult<(Authorized<act::Administer>, Unit)> {
    may_administer(caller)?;
    let found = unit::lock(conn, id)?.ok_or_else(|| AppError::not_found("unit"))?;
    let path = jurisdiction::subtree_path(conn, &found.jurisdiction_code, "id")?;
    Ok((authorize_administration(caller, &path, "unit")?, found))
}

/// Logs a change of a unit.
pub(super) fn record(
    conn: &mut PgConnection,
    proof: &Authorized<act::Administer>,
    actor: Actor<'_>,
    action: AdminAction,
    (before, after): (Option<&Unit>, &Unit),
    now: DateTime<Utc>,
) -> AppResult<()> {
    let change = Change {
        action,
        subject_kind: AdminSubject::Unit,
        subject_id: after.id.uuid(),
        jurisdiction_code: &after.jurisdiction_code,
        before: before.map(snapshot),
        after: Some(snapshot(after)),
    };
    log(conn, proof, actor, change, now)
}

/// `createUnit`.
pub fn create(
    conn: &mut PgConnection,
    work: &WorkContext,
    jurisdiction_code: &str,
    kind: UnitKind,
    name: &str,
) -> AppResult<Unit> {
    let caller = &work.caller;
    may_administer(caller)?;
    let name = parse_display_name(name, "input.name")?;
    let field = "input.jurisdictionCode";
    let path = jurisdiction::subtree_path(conn, jurisdiction_code, field)?;
    let proof = authorize_administration(caller, &path, "jurisdiction").map_err(|e| e.with_field(field))?;
    let created = unit::insert(conn, &proof, jurisdiction_code, kind, &name)?.ok_or_else(taken)?;
    record(conn, &proof, Actor::Admin(caller), AdminAction::UnitCreated, (None, &created), work.env.now)?;
    Ok(created)
}

/// `updateUnit`: a new name or kind (or both).
pub fn update(
    conn: &mut PgConnection,
    work: &WorkContext,
    id: UnitId,
    name: Option<&str>,
    kind: Option<UnitKind>,
) -> AppResult<Unit> {
    let caller = &work.caller;
    may_administer(caller)?;
    if name.is_none() && kind.is_none() {
        return Err(AppError::bad_input("input", Message::NothingToChangeOnUnit));
    }
    let name = name.map(|n| parse_display_name(n, "input.name")).transpose()?;
    let (proof, before) = administered(conn, caller, id)?;
    let name = name.unwrap_or_else(|| before.name.clone());
    let after = unit::update(conn, &proof, &before, &name, kind.unwrap_or(before.kind))?.ok_or_else(taken)?;
    let now = work.env.now;
    record(conn, &proof, Actor::Admin(caller), AdminAction::UnitUpdated, (Some(&before), &after), now)?;
    Ok(after)
}

/// `deactivateUnit`: refused while open cases are with the unit (they must be routed elsewhere first).
pub fn deactivate(conn: &mut PgConnection, work: &WorkContext, id: UnitId) -> AppResult<Unit> {
    let caller = &work.caller;
    let (proof, before) = administered(conn, caller, id)?;
    if !before.active {
        return Err(AppError::new(ErrorCode::InvalidTransition, Message::UnitAlreadyDeactivated));
    }
    let open = unit::open_cases_with(conn, id)?;
    if open > 0 {
        return Err(AppError::new(ErrorCode::InvalidTransition, Message::OpenCasesWithUnit(open.to_string())));
    }
    let after = unit::set_active(conn, &proof, id, false)?;
    let now = work.env.now;
    record(conn, &proof, Actor::Admin(caller), AdminAction::UnitDeactivated, (Some(&before), &after), now)?;
    Ok(after)
}
