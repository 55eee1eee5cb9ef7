//! The step engine: every step of a case after intake goes through here. It loads and locks the case through the
//! caller's scope, asks the permission rules (or takes the proof a caller already holds), checks the transition and
//! its time window, appends the history entry, re-derives the deadlines, and writes the case row, in this order, so
//! that a refusal changes nothing. The steps themselves live in `routing`, `handling` and `closing`.

use chrono::{DateTime, Utc};
use diesel::PgConnection;
use serde_json::{json, Value};

use super::{check_past, history, WorkContext};
use crate::domain::case::{EventKind, Routing};
use crate::domain::details::{to_payload, Details};
use crate::domain::ids::CaseId;
use crate::domain::lifecycle::{next_status, Action};
use crate::domain::permission::{act, authorize, Authorized, CaseParties, Operation};
use crate::domain::scope::case_scope;
use crate::error::{AppError, AppResult, ErrorCode, Message};
use crate::models::case::{self as case_model, Case, CaseUpdate};
use crate::models::case_event::{self, CaseEntry, NewCaseEvent};
use crate::models::jurisdiction;

/// One step on one case: what it is, what it records, what it changes.
pub struct Step {
    pub op: Operation,
    /// The status transition, if the step is one.
    pub action: Option<Action>,
    pub event: EventKind,
    /// When it happened, and the input field that said so (named when the time is refused); `None` is now.
    pub occurred_at: Option<(DateTime<Utc>, &'static str)>,
    /// An internal note (staff only ever see it).
    pub note: Option<String>,
    /// Structured details; `notice` is the text meant for the petitioner.
    pub payload: Value,
    pub staff_only: bool,
    pub update: CaseUpdate,
}

/// A case as the client last saw it: its id and, when the client says (`expectedVersion`), the version it read; a
/// step on a case changed since is refused as `CONFLICT`.
#[derive(Clone, Copy, Debug)]
pub struct SeenCase {
    pub id: CaseId,
    pub version: Option<i32>,
}

impl From<CaseId> for SeenCase {
    /// A case as it is now, whatever its version.
    fn from(id: CaseId) -> Self {
        SeenCase { id, version: None }
    }
}

impl Step {
    pub fn new(op: Operation, event: EventKind) -> Step {
        Step {
            op,
            action: None,
            event,
            occurred_at: None,
            note: None,
            payload: json!({}),
            staff_only: false,
            update: CaseUpdate::default(),
        }
    }

    pub fn transition(op: Operation, action: Action) -> Step {
        Step { action: Some(action), ..Step::new(op, action.event()) }
    }

    /// Sets what the entry records besides who and when.
    pub fn details(&mut self, details: &impl Details) {
        self.payload = to_payload(details);
    }
}

/// Loads and locks the case through the caller's scope (`NOT_FOUND` outside it) and checks the expected version.
pub fn load(
    conn: &mut PgConnection,
    ctx: &WorkContext,
    case_id: CaseId,
    expected_version: Option<i32>,
) -> AppResult<Case> {
    let scope = case_scope(&ctx.caller);
    let case = case_model::lock_visible(conn, &scope, case_id)?.ok_or_else(|| AppError::not_found("case"))?;
    if let Some(v) = expected_version.filter(|v| *v != case.version) {
        return Err(AppError::new(ErrorCode::Conflict, Message::StaleVersion(v.to_string(), case.version.to_string())));
    }
    Ok(case)
}

pub fn parties(conn: &mut PgConnection, case: &Case) -> AppResult<CaseParties> {
    let path = jurisdiction::find(conn, &case.jurisdiction_code)?
        .ok_or_else(|| AppError::internal("case without jurisdiction"))?
        .path;
    Ok(CaseParties {
        case_id: case.id,
        jurisdiction_path: path,
        current_unit_id: case.handling.current_unit_id,
        case_lead_account_id: case.handling.case_lead_account_id,
        petitioner_account_id: case.petitioner_account_id,
    })
}

/// Performs a step: scope, permission, transition, time window, history, deadlines, and the case row, in this
/// order, so that a refusal changes nothing.
pub fn perform(conn: &mut PgConnection, ctx: &WorkContext, seen: SeenCase, mut step: Step) -> AppResult<Case> {
    let case = load(conn, ctx, seen.id, seen.version)?;
    perform_on(conn, ctx, case, &mut step)
}

/// As [`perform`], on a case the caller already loaded and locked with [`load`].
pub fn perform_on(conn: &mut PgConnection, ctx: &WorkContext, case: Case, step: &mut Step) -> AppResult<Case> {
    let proof = authorize(&ctx.caller, step.op, &parties(conn, &case)?)?;
    perform_authorized(conn, ctx, case, step, &proof)
}

/// The rest of [`perform_on`], for a caller whose authority over the case was decided otherwise (escalations and
/// their deciders, notice issuers): the proof says in which role they act.
pub fn perform_authorized<A: act::OnCase>(
    conn: &mut PgConnection,
    ctx: &WorkContext,
    case: Case,
    step: &mut Step,
    proof: &Authorized<A>,
) -> AppResult<Case> {
    let from = case.status;
    let to = match step.action {
        Some(action) => Some(next_status(from, action, case.handling.routing == Some(Routing::Assigned))?),
        None => None,
    };
    let (events, deadlines) = history::deadlines(conn, &ctx.env, case.id)?;
    // Transitions happen in order; activities may be logged after the fact, back to the day of receipt.
    // The sweep's records of missed deadlines do not count: a step done on paper in time may be entered later.
    let last_step = events.iter().rev().find(|e| e.entry.kind != EventKind::DeadlineMissed);
    let not_before = if to.is_some() { last_step.map(|e| e.entry.occurred_at) } else { Some(case.received_at) };
    let at = match step.occurred_at {
        Some((at, field)) => check_past(at, ctx.env.now, not_before, field)?,
        None => ctx.env.now,
    };
    if let Some(window) = step.action.and_then(Action::window) {
        let open = deadlines.iter().rev().find(|d| d.kind == window && d.pending());
        match open {
            Some(d) if at < d.due_at => {}
            Some(d) => {
                return Err(AppError::new(
                    ErrorCode::DeadlinePassed,
                    Message::TimeRanOut(d.due_at.to_rfc3339().to_string(), window.basis().to_string()),
                ))
            }
            None => return Err(AppError::new(ErrorCode::DeadlinePassed, Message::NoOpenWindow)),
        }
    }
    let written = history::entry_by(ctx, proof, &case, step.event);
    let entry = CaseEntry { occurred_at: at, ..written.entry.moving(to.map(|_| from), to) };
    let entry = entry.saying(step.note.clone(), step.payload.clone());
    case_event::append(conn, proof, &NewCaseEvent { entry, staff_only: step.staff_only, ..written })?;
    if let Some(to) = to {
        step.update.status = Some(to);
    }
    let next_due = history::next_due(conn, &ctx.env, &case)?;
    Ok(case_model::apply_update(conn, proof, case.id, &step.update, next_due, ctx.env.now)?)
}
