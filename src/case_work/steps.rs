//! The steps of handling a case, after intake: routing, acceptance, objections, classification, case leads,
//! activities, extension, answer, evaluation, closure, withdrawal.

use chrono::{DateTime, Utc};
use diesel::PgConnection;
use serde_json::{json, Value};
use uuid::Uuid;

use super::{check_past, history, WorkContext};
use crate::domain::case::{CaseStatus, Category, ClosureReason, EventKind, Outcome, Routing, Satisfaction, ServedVia};
use crate::domain::details::{
    to_payload, Answered, Classified, Closed, Details, Evaluation, Extended, Hearing, LeadDesignated, Objected,
    ObjectionDecided, Routed, Told, Withdrawn,
};
use crate::domain::lifecycle::{next_status, Action, DeadlineKind};
use crate::domain::organisation::UnitKind;
use crate::domain::permission::{act, authorize, may_reveal_contact, Authorized, CaseParties, Operation};
use crate::domain::person::{parse_optional_text, parse_text, NOTE_MAX_CHARS};
use crate::domain::role::Role;
use crate::domain::scope::case_scope;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::models::case::{self as case_model, Case, CaseUpdate};
use crate::models::case_event::{self, NewCaseEvent};
use crate::models::unscoped;
use crate::models::{account, jurisdiction, unit};

/// One step on one case: what it is, what it records, what it changes.
pub struct Step {
    pub op: Operation,
    /// The status transition, if the step is one.
    pub action: Option<Action>,
    pub event: EventKind,
    /// When it happened; `None` is now.
    pub occurred_at: Option<DateTime<Utc>>,
    /// An internal note (staff only ever see it).
    pub note: Option<String>,
    /// Structured details; `notice` is the text meant for the petitioner.
    pub payload: Value,
    pub staff_only: bool,
    pub update: CaseUpdate,
    /// The version the client last saw; a different current version is a `CONFLICT`.
    pub expected_version: Option<i32>,
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
            expected_version: None,
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
    case_id: Uuid,
    expected_version: Option<i32>,
) -> AppResult<Case> {
    let scope = case_scope(&ctx.caller);
    let case = case_model::lock_visible(conn, &scope, case_id)?.ok_or_else(|| AppError::not_found("case"))?;
    if let Some(v) = expected_version.filter(|v| *v != case.version) {
        return Err(AppError::new(
            ErrorCode::Conflict,
            format!("the case changed since you loaded it (version {v}, now {}); reload it", case.version),
        ));
    }
    Ok(case)
}

pub fn parties(conn: &mut PgConnection, case: &Case) -> AppResult<CaseParties> {
    let path = jurisdiction::find(conn, &case.jurisdiction_code)?
        .ok_or_else(|| AppError::internal("case without jurisdiction"))?
        .path;
    Ok(CaseParties {
        jurisdiction_path: path,
        current_unit_id: case.current_unit_id,
        case_lead_account_id: case.case_lead_account_id,
        petitioner_account_id: case.petitioner_account_id,
    })
}

/// Performs a step: scope, permission, transition, time window, history, deadlines, and the case row, in this
/// order, so that a refusal changes nothing.
pub fn perform(conn: &mut PgConnection, ctx: &WorkContext, case_id: Uuid, mut step: Step) -> AppResult<Case> {
    let case = load(conn, ctx, case_id, step.expected_version)?;
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
        Some(action) => Some(next_status(from, action, case.routing == Some(Routing::Assigned))?),
        None => None,
    };
    let (events, deadlines) = history::deadlines(conn, &ctx.env, case.id)?;
    // Transitions happen in order; activities may be logged after the fact, back to the day of receipt.
    // The sweep's records of missed deadlines do not count: a step done on paper in time may be entered later.
    let last_step = events.iter().rev().find(|e| e.kind != EventKind::DeadlineMissed);
    let not_before = if to.is_some() { last_step.map(|e| e.occurred_at) } else { Some(case.received_at) };
    let at = match step.occurred_at {
        Some(at) => check_past(at, ctx.env.now, not_before, "occurredAt")?,
        None => ctx.env.now,
    };
    if let Some(window) = step.action.and_then(Action::window) {
        let open = deadlines.iter().rev().find(|d| d.kind == window && d.pending());
        match open {
            Some(d) if at < d.due_at => {}
            Some(d) => {
                return Err(AppError::new(
                    ErrorCode::DeadlinePassed,
                    format!("the time for this ran out at {} ({})", d.due_at.to_rfc3339(), window.basis()),
                ))
            }
            None => return Err(AppError::new(ErrorCode::DeadlinePassed, "there is no open time window for this")),
        }
    }
    case_event::append(
        conn,
        &NewCaseEvent {
            from_status: to.map(|_| from),
            to_status: to,
            occurred_at: at,
            note: step.note.as_deref(),
            payload: step.payload.clone(),
            staff_only: step.staff_only,
            ..history::entry_by(ctx, proof, &case, step.event)
        },
    )?;
    if let Some(to) = to {
        step.update.status = Some(to);
    }
    let next_due = history::next_due(conn, &ctx.env, &case)?;
    Ok(case_model::apply_update(conn, case.id, &step.update, next_due, ctx.env.now)?)
}

/// How the bureau routes a submitted case (Art 22).
pub enum Route {
    /// 转送 to a handling unit.
    Forward { unit_id: Uuid },
    /// 交办 to a handling unit, with a handling period in days and a completion report due.
    Assign { unit_id: Uuid, handling_days: i32 },
    /// Outside petition work: tell the petitioner where to go.
    RouteOut { where_to_go: String },
    /// Not accepted, with the reason told to the petitioner.
    NotAccept { reason: String },
}

pub const MAX_HANDLING_DAYS: i32 = 60;

pub fn route(
    conn: &mut PgConnection,
    ctx: &WorkContext,
    case_id: Uuid,
    route: Route,
    note: Option<&str>,
    expected_version: Option<i32>,
) -> AppResult<Case> {
    let case = load(conn, ctx, case_id, expected_version)?;
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
                return Err(AppError::bad_input(
                    "input.unitId",
                    "not a handling unit of the case's jurisdiction, above or below it",
                ));
            }
            let (action, handling_days, routing) = match route {
                Route::Assign { handling_days, .. } => {
                    if !(1..=MAX_HANDLING_DAYS).contains(&handling_days) {
                        return Err(AppError::bad_input(
                            "input.handlingDays",
                            format!("1 to {MAX_HANDLING_DAYS} days"),
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

pub fn accept(
    conn: &mut PgConnection,
    ctx: &WorkContext,
    case_id: Uuid,
    notice: Option<&str>,
    expected_version: Option<i32>,
) -> AppResult<Case> {
    let mut step = Step::transition(Operation::Respond, Action::Accept);
    let notice = parse_optional_text(notice, "input.notice", NOTE_MAX_CHARS)?.unwrap_or_else(|| "已受理".to_owned());
    step.details(&Told { notice });
    step.expected_version = expected_version;
    perform(conn, ctx, case_id, step)
}

pub fn object(
    conn: &mut PgConnection,
    ctx: &WorkContext,
    case_id: Uuid,
    reasons: &str,
    expected_version: Option<i32>,
) -> AppResult<Case> {
    let mut step = Step::transition(Operation::Respond, Action::Object);
    step.details(&Objected { reasons: parse_text(reasons, "input.reasons", NOTE_MAX_CHARS)? });
    step.staff_only = true;
    step.expected_version = expected_version;
    perform(conn, ctx, case_id, step)
}

/// The bureau agrees (the case returns for routing, away from the unit) or disagrees (the unit must handle it).
pub fn decide_objection(
    conn: &mut PgConnection,
    ctx: &WorkContext,
    case_id: Uuid,
    agree: bool,
    opinion: &str,
    expected_version: Option<i32>,
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
    step.expected_version = expected_version;
    perform(conn, ctx, case_id, step)
}

pub fn classify(
    conn: &mut PgConnection,
    ctx: &WorkContext,
    case_id: Uuid,
    category: Category,
    expected_version: Option<i32>,
) -> AppResult<Case> {
    let mut step = Step::transition(Operation::Handle, Action::Classify);
    step.details(&Classified { category });
    step.update.category = Some(Some(category));
    step.expected_version = expected_version;
    perform(conn, ctx, case_id, step)
}

/// Art 34: once, at most 30 days, before the deadline, by a case lead, with the reason told to the petitioner.
pub fn extend(
    conn: &mut PgConnection,
    ctx: &WorkContext,
    case_id: Uuid,
    days: i32,
    reason: &str,
    expected_version: Option<i32>,
) -> AppResult<Case> {
    let case = load(conn, ctx, case_id, expected_version)?;
    let reason = parse_text(reason, "input.reason", NOTE_MAX_CHARS)?;
    if !(1..=ctx.env.rules.max_extension_days as i32).contains(&days) {
        return Err(AppError::bad_input("input.days", format!("1 to {} days", ctx.env.rules.max_extension_days)));
    }
    if !matches!(case.status, CaseStatus::Accepted | CaseStatus::InProgress) {
        return Err(AppError::new(ErrorCode::InvalidTransition, "only a case being handled can be extended"));
    }
    let (events, deadlines) = history::deadlines(conn, &ctx.env, case.id)?;
    if events.iter().any(|e| e.kind == EventKind::Extended) {
        return Err(AppError::new(
            ErrorCode::InvalidTransition,
            "the handling period was already extended once (Art 34)",
        ));
    }
    let answer = deadlines.iter().find(|d| d.kind == DeadlineKind::Answer && d.pending());
    if answer.is_none_or(|d| ctx.env.now >= d.due_at) {
        return Err(AppError::new(
            ErrorCode::DeadlinePassed,
            "an extension must be decided before the deadline (Art 34)",
        ));
    }
    let mut step = Step::new(Operation::Extend, EventKind::Extended);
    step.details(&Extended { extension_days: days, notice: reason });
    perform_on(conn, ctx, case, &mut step)
}

pub struct Answer<'a> {
    pub outcome: Outcome,
    pub opinion: &'a str,
    pub served_via: ServedVia,
    pub served_at: Option<DateTime<Utc>>,
}

pub fn answer(
    conn: &mut PgConnection,
    ctx: &WorkContext,
    case_id: Uuid,
    a: Answer<'_>,
    expected_version: Option<i32>,
) -> AppResult<Case> {
    let opinion = parse_text(a.opinion, "input.opinion", NOTE_MAX_CHARS)?;
    let mut step = Step::transition(Operation::Handle, Action::Answer);
    step.occurred_at = a.served_at;
    step.details(&Answered { outcome: a.outcome, served_via: a.served_via, notice: opinion });
    step.update.outcome = Some(Some(a.outcome));
    step.expected_version = expected_version;
    perform(conn, ctx, case_id, step)
}

pub fn close(
    conn: &mut PgConnection,
    ctx: &WorkContext,
    case_id: Uuid,
    reason: ClosureReason,
    note: Option<&str>,
    expected_version: Option<i32>,
) -> AppResult<Case> {
    let case = load(conn, ctx, case_id, expected_version)?;
    if reason == ClosureReason::NoReviewRequested {
        let (_, deadlines) = history::deadlines(conn, &ctx.env, case.id)?;
        let window = deadlines
            .iter()
            .rev()
            .find(|d| matches!(d.kind, DeadlineKind::RequestReview | DeadlineKind::RequestReReview) && d.pending());
        if window.is_some_and(|d| ctx.env.now < d.due_at) {
            return Err(AppError::new(ErrorCode::InvalidTransition, "the petitioner may still request a review"));
        }
    }
    let mut step = Step::transition(Operation::Close, Action::Close);
    step.note = parse_optional_text(note, "input.note", NOTE_MAX_CHARS)?;
    step.details(&Closed { reason });
    perform_on(conn, ctx, case, &mut step)
}

pub fn withdraw(conn: &mut PgConnection, ctx: &WorkContext, case_id: Uuid, reason: Option<&str>) -> AppResult<Case> {
    let mut step = Step::transition(Operation::PetitionerAct, Action::Withdraw);
    step.details(&Withdrawn { reason: parse_optional_text(reason, "input.reason", NOTE_MAX_CHARS)? });
    perform(conn, ctx, case_id, step)
}

pub fn evaluate(
    conn: &mut PgConnection,
    ctx: &WorkContext,
    case_id: Uuid,
    bureau: Satisfaction,
    unit: Satisfaction,
    reason: Option<&str>,
) -> AppResult<Case> {
    let case = load(conn, ctx, case_id, None)?;
    let reason = parse_optional_text(reason, "input.reason", NOTE_MAX_CHARS)?;
    if (bureau == Satisfaction::Dissatisfied || unit == Satisfaction::Dissatisfied) && reason.is_none() {
        return Err(AppError::bad_input("input.reason", "say why you are dissatisfied"));
    }
    if case.evaluation.is_some() {
        return Err(AppError::new(ErrorCode::InvalidTransition, "this case was already evaluated"));
    }
    let (_, deadlines) = history::deadlines(conn, &ctx.env, case.id)?;
    match deadlines.iter().rev().find(|d| d.kind == DeadlineKind::Evaluate && d.pending()) {
        None => return Err(AppError::new(ErrorCode::InvalidTransition, "there is no answer to evaluate yet")),
        Some(d) if ctx.env.now >= d.due_at => {
            return Err(AppError::new(ErrorCode::DeadlinePassed, "the evaluation window has closed"))
        }
        Some(_) => {}
    }
    let mut step = Step::new(Operation::PetitionerAct, EventKind::Evaluated);
    step.details(&Evaluation { bureau, unit, reason });
    step.update.evaluation = Some(Some(step.payload.clone()));
    perform_on(conn, ctx, case, &mut step)
}

pub fn designate_case_lead(
    conn: &mut PgConnection,
    ctx: &WorkContext,
    case_id: Uuid,
    lead_id: Uuid,
    backlog: Option<bool>,
    note: Option<&str>,
) -> AppResult<Case> {
    let case = load(conn, ctx, case_id, None)?;
    if !case.status.is_open() {
        return Err(AppError::new(ErrorCode::InvalidTransition, "the case has ended"));
    }
    let lead = account::find(conn, lead_id)?
        .filter(|a| a.roles.contains(&Role::CaseLead))
        .ok_or_else(|| AppError::bad_input("input.leadId", "no case lead with this id"))?;
    let mut step = Step::new(Operation::DesignateCaseLead, EventKind::CaseLeadDesignated);
    step.note = parse_optional_text(note, "input.note", NOTE_MAX_CHARS)?;
    step.details(&LeadDesignated { lead_id: lead.id, lead_name: lead.display_name });
    step.update.case_lead_account_id = Some(Some(lead.id));
    step.update.is_backlog = backlog;
    perform_on(conn, ctx, case, &mut step)
}

pub fn set_resolution_plan(conn: &mut PgConnection, ctx: &WorkContext, case_id: Uuid, plan: Value) -> AppResult<Case> {
    let mut step = Step::new(Operation::SetResolutionPlan, EventKind::PlanSet);
    step.staff_only = true;
    step.payload = plan.clone();
    step.update.resolution_plan = Some(Some(plan));
    perform(conn, ctx, case_id, step)
}

/// A reception, visit, appointment, return visit, consultation, hearing or note.
pub struct Activity<'a> {
    pub kind: EventKind,
    pub happened_at: DateTime<Utc>,
    pub note: &'a str,
    /// For hearings: their length, which review periods do not count.
    pub hearing_days: Option<i32>,
    pub staff_only: bool,
}

/// Logs an activity at the time it happened.
pub fn log_activity(
    conn: &mut PgConnection,
    ctx: &WorkContext,
    case_id: Uuid,
    activity: Activity<'_>,
) -> AppResult<Case> {
    let Activity { kind, happened_at, note, hearing_days, staff_only } = activity;
    if !EventKind::ACTIVITIES.contains(&kind) {
        return Err(AppError::bad_input("input.kind", "not an activity"));
    }
    let case = load(conn, ctx, case_id, None)?;
    let mut step = Step::new(Operation::LogActivity, kind);
    step.note = Some(parse_text(note, "input.note", NOTE_MAX_CHARS)?);
    step.staff_only = staff_only;
    step.occurred_at = Some(check_past(happened_at, ctx.env.now, Some(case.received_at), "input.happenedAt")?);
    if kind == EventKind::Hearing {
        let days = hearing_days
            .ok_or_else(|| AppError::bad_input("input.hearingDays", "a hearing needs its length in days"))?;
        if !(1..=60).contains(&days) {
            return Err(AppError::bad_input("input.hearingDays", "1 to 60 days"));
        }
        if !matches!(case.status, CaseStatus::ReviewRequested | CaseStatus::ReReviewRequested) {
            return Err(AppError::new(ErrorCode::InvalidTransition, "hearings are held during a review"));
        }
        step.details(&Hearing { hearing_days: days });
    }
    perform_on(conn, ctx, case, &mut step)
}

/// `revealPetitionerContact`: the full phone and ID number for staff who may know the petitioner, recorded in
/// the history (staff-only) with its purpose. Does not change the case's version: it changes nothing about it.
pub fn reveal_contact(
    conn: &mut PgConnection,
    ctx: &WorkContext,
    case_id: Uuid,
    purpose: &str,
) -> AppResult<(Option<String>, Option<String>)> {
    let purpose = parse_text(purpose, "input.purpose", 500)?;
    let scope = case_scope(&ctx.caller);
    let case = case_model::find_visible(conn, &scope, case_id)?.ok_or_else(|| AppError::not_found("case"))?;
    let proof = may_reveal_contact(&ctx.caller, &case.facts())?;
    case_event::append(
        conn,
        &NewCaseEvent {
            note: Some(&purpose),
            staff_only: true,
            ..history::entry_by(ctx, &proof, &case, EventKind::ContactRevealed)
        },
    )?;
    tracing::info!(case = %case.id, actor = %ctx.caller.account_id, "petitioner contact revealed");
    Ok(unscoped::contact(conn, case.id)?)
}
