//! Routing and acceptance (Arts 22-23): the bureau forwards, assigns, routes out or does not accept; the handling
//! unit accepts or objects; the bureau decides objections.

use diesel::PgConnection;

use super::engine::{load, perform, perform_on, SeenCase, Step};
use super::WorkContext;
use crate::domain::case::Routing;
use crate::domain::details::{Objected, ObjectionDecided, Routed, Told};
use crate::domain::ids::UnitId;
use crate::domain::lifecycle::Action;
use crate::domain::organisation::UnitKind;
use crate::domain::permission::Operation;
use crate::domain::person::{parse_optional_text, parse_text, NOTE_MAX_CHARS};
use crate::error::{AppError, AppResult, Message};
use crate::models::case::Case;
use crate::models::{jurisdiction, unit};

/// How the bureau routes a submitted case (Art 22).
pub enum Route {
    /// 转送 to a handling unit.
    Forward { unit_id: UnitId },
    /// 交办 to a handling unit, with a handling period in days and a completion report due.
    Assign { unit_id: UnitId, handling_days: i32 },
    /// Outside petition work: tell the petitioner where to go.
    RouteOut { where_to_go: String },
    /// Not accepted, with the reason told to the petitioner.
    NotAccept { reason: String },
}

pub const MAX_HANDLING_DAYS: i32 = 60;

pub fn route(
    conn: &mut PgConnection,
    ctx: &WorkContext,
    case: SeenCase,
    route: Route,
    note: Option<&str>,
) -> AppResult<Case> {
    let case = load(conn, ctx, case.id, case.version)?;
    let note = parse_optional_text(note, "input.note", NOTE_MAX_CHARS)?;
    let mut step = match route {
        Route::Forward { unit_id } | Route::Assign { unit_id, .. } => {
            let target = unit::find_many(conn, &[unit_id])?
                .pop()
                .ok_or_else(|| AppError::not_found("unit").with_field("input.unitId"))?;
            let case_path = jurisdiction::find(conn, &case.jurisdiction_code)?.map(|j| j.path).unwrap_or_default();
            let unit_path = jurisdiction::find(conn, &target.jurisdiction_code)?.map(|j| j.path).unwrap_or_default();
            // A case goes to a handling unit of its own jurisdiction or one above it, or below it (townships).
            let related = case_path.starts_with(&unit_path) || unit_path.starts_with(&case_path);
            if target.kind != UnitKind::HandlingUnit || !related {
                return Err(AppError::bad_input("input.unitId", Message::NotAHandlingUnitOfCase));
            }
            if !target.active {
                return Err(AppError::bad_input("input.unitId", Message::UnitTakesNoCases));
            }
            let (action, handling_days, routing) = match route {
                Route::Assign { handling_days, .. } => {
                    if !(1..=MAX_HANDLING_DAYS).contains(&handling_days) {
                        return Err(AppError::bad_input(
                            "input.handlingDays",
                            Message::OneToDays(MAX_HANDLING_DAYS.to_string()),
                        ));
                    }
                    (Action::Assign, Some(handling_days), Routing::Assigned)
                }
                _ => (Action::Forward, None, Routing::Forwarded),
            };
            let mut step = Step::transition(Operation::Route, action);
            let notice = format!("已转交{}办理", target.name);
            step.details(&Routed { unit_id, unit_name: target.name, handling_days, notice });
            step.update.current_unit_id = Some(Some(unit_id));
            step.update.handling_days = Some(handling_days);
            step.update.routing = Some(Some(routing));
            step
        }
        Route::RouteOut { where_to_go } => {
            let text = parse_text(&where_to_go, "input.whereToGo", NOTE_MAX_CHARS)?;
            let mut step = Step::transition(Operation::Route, Action::RouteOut);
            step.details(&Told { notice: text.clone() });
            step.update.disposition_note = Some(Some(text));
            step
        }
        Route::NotAccept { reason } => {
            let text = parse_text(&reason, "input.reason", NOTE_MAX_CHARS)?;
            let mut step = Step::transition(Operation::Route, Action::NotAccept);
            step.details(&Told { notice: text.clone() });
            step.update.disposition_note = Some(Some(text));
            step
        }
    };
    step.note = note;
    perform_on(conn, ctx, case, &mut step)
}

pub fn accept(conn: &mut PgConnection, ctx: &WorkContext, case: SeenCase, notice: Option<&str>) -> AppResult<Case> {
    let mut step = Step::transition(Operation::Respond, Action::Accept);
    let notice = parse_optional_text(notice, "input.notice", NOTE_MAX_CHARS)?.unwrap_or_else(|| "已受理".to_owned());
    step.details(&Told { notice });
    perform(conn, ctx, case, step)
}

pub fn object(conn: &mut PgConnection, ctx: &WorkContext, case: SeenCase, reasons: &str) -> AppResult<Case> {
    let mut step = Step::transition(Operation::Respond, Action::Object);
    step.details(&Objected { reasons: parse_text(reasons, "input.reasons", NOTE_MAX_CHARS)? });
    step.staff_only = true;
    perform(conn, ctx, case, step)
}

/// The bureau agrees (the case returns for routing, away from the unit) or disagrees (the unit must handle it).
pub fn decide_objection(
    conn: &mut PgConnection,
    ctx: &WorkContext,
    case: SeenCase,
    agree: bool,
    opinion: &str,
) -> AppResult<Case> {
    let action = if agree { Action::UpholdObjection } else { Action::RejectObjection };
    let mut step = Step::transition(Operation::DecideObjection, action);
    step.details(&ObjectionDecided { opinion: parse_text(opinion, "input.opinion", NOTE_MAX_CHARS)? });
    step.staff_only = true;
    if agree {
        step.update.current_unit_id = Some(None);
        step.update.routing = Some(None);
        step.update.handling_days = Some(None);
    }
    perform(conn, ctx, case, step)
}
