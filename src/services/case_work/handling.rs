//! Handling (Arts 18, 32-34): classification, case leads and their resolution plans, activities, the one extension,
//! and the answer.

use chrono::{DateTime, Utc};
use diesel::PgConnection;

use super::engine::{load, perform, perform_on, SeenCase, Step};
use super::{check_past, history, WorkContext};
use crate::domain::case::{CaseStatus, Category, EventKind, Outcome, ServedVia};
use crate::domain::details::{to_payload, Answered, Classified, Extended, Hearing, LeadDesignated, ResolutionPlan};
use crate::domain::ids::AccountId;
use crate::domain::ids::CaseId;
use crate::domain::ids::ReceptionSessionId;
use crate::domain::lifecycle::Action;
use crate::domain::permission::Operation;
use crate::domain::person::{parse_optional_text, parse_text, NOTE_MAX_CHARS};
use crate::domain::role::Role;
use crate::domain::schedule::DeadlineKind;
use crate::error::{AppError, AppResult, ErrorCode, Message};
use crate::models::account;
use crate::models::case::Case;

pub fn classify(conn: &mut PgConnection, ctx: &WorkContext, case: SeenCase, category: Category) -> AppResult<Case> {
    let mut step = Step::transition(Operation::Handle, Action::Classify);
    step.details(&Classified { category });
    step.update.category = Some(Some(category));
    perform(conn, ctx, case, step)
}

/// Art 34: once, at most 30 days, before the deadline, by a case lead, with the reason told to the petitioner.
pub fn extend(conn: &mut PgConnection, ctx: &WorkContext, case: SeenCase, days: i32, reason: &str) -> AppResult<Case> {
    let case = load(conn, ctx, case.id, case.version)?;
    let reason = parse_text(reason, "input.reason", NOTE_MAX_CHARS)?;
    if !(1..=ctx.env.rules.max_extension_days as i32).contains(&days) {
        return Err(AppError::bad_input(
            "input.days",
            Message::OneToDays(ctx.env.rules.max_extension_days.to_string()),
        ));
    }
    if !matches!(case.status, CaseStatus::Accepted | CaseStatus::InProgress) {
        return Err(AppError::new(ErrorCode::InvalidTransition, Message::ExtendOnlyHandled));
    }
    let (events, deadlines) = history::deadlines(conn, &ctx.env, case.id)?;
    if events.iter().any(|e| e.entry.kind == EventKind::Extended) {
        return Err(AppError::new(ErrorCode::InvalidTransition, Message::ExtendedOnce));
    }
    let answer = deadlines.iter().find(|d| d.kind == DeadlineKind::Answer && d.pending());
    if answer.is_none_or(|d| ctx.env.now >= d.due_at) {
        return Err(AppError::new(ErrorCode::DeadlinePassed, Message::ExtendBeforeDeadline));
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

pub fn answer(conn: &mut PgConnection, ctx: &WorkContext, case: SeenCase, a: Answer<'_>) -> AppResult<Case> {
    let opinion = parse_text(a.opinion, "input.opinion", NOTE_MAX_CHARS)?;
    let mut step = Step::transition(Operation::Handle, Action::Answer);
    step.occurred_at = a.served_at.map(|at| (at, "input.servedAt"));
    step.details(&Answered { outcome: a.outcome, served_via: a.served_via, notice: opinion });
    step.update.outcome = Some(Some(a.outcome));
    perform(conn, ctx, case, step)
}

pub fn designate_case_lead(
    conn: &mut PgConnection,
    ctx: &WorkContext,
    case_id: CaseId,
    lead_id: AccountId,
    backlog: Option<bool>,
    note: Option<&str>,
    at_reception: Option<ReceptionSessionId>,
) -> AppResult<Case> {
    let case = load(conn, ctx, case_id, None)?;
    if !case.status.is_open() {
        return Err(AppError::new(ErrorCode::InvalidTransition, Message::CaseEnded));
    }
    let lead = account::find(conn, lead_id)?
        .filter(|a| a.roles.contains(&Role::CaseLead))
        .ok_or_else(|| AppError::bad_input("input.leadId", Message::NoSuchCaseLead))?;
    let mut step = Step::new(Operation::DesignateCaseLead, EventKind::CaseLeadDesignated);
    step.note = parse_optional_text(note, "input.note", NOTE_MAX_CHARS)?;
    if let Some(session) = at_reception {
        let held = crate::models::unscoped::reception_session(conn, session)?
            .is_some_and(|s| s.leader_account_id == lead.id && s.sitting.starts_at <= ctx.env.now);
        if !held {
            return Err(AppError::bad_input("input.receptionSessionId", Message::NotALeadersSession));
        }
    }
    step.details(&LeadDesignated {
        lead_id: lead.id,
        lead_name: lead.display_name,
        reception_session_id: at_reception,
    });
    step.update.case_lead_account_id = Some(Some(lead.id));
    step.update.is_backlog = backlog;
    perform_on(conn, ctx, case, &mut step)
}

pub fn set_resolution_plan(
    conn: &mut PgConnection,
    ctx: &WorkContext,
    case_id: CaseId,
    plan: &ResolutionPlan,
) -> AppResult<Case> {
    let mut step = Step::new(Operation::SetResolutionPlan, EventKind::PlanSet);
    step.staff_only = true;
    step.payload = to_payload(plan);
    step.update.resolution_plan = Some(Some(step.payload.clone()));
    perform(conn, ctx, case_id.into(), step)
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
    case_id: CaseId,
    activity: Activity<'_>,
) -> AppResult<Case> {
    let Activity { kind, happened_at, note, hearing_days, staff_only } = activity;
    if !EventKind::ACTIVITIES.contains(&kind) {
        return Err(AppError::bad_input("input.kind", Message::NotAnActivity));
    }
    let case = load(conn, ctx, case_id, None)?;
    let mut step = Step::new(Operation::LogActivity, kind);
    step.note = Some(parse_text(note, "input.note", NOTE_MAX_CHARS)?);
    step.staff_only = staff_only;
    let at = check_past(happened_at, ctx.env.now, Some(case.received_at), "input.happenedAt")?;
    step.occurred_at = Some((at, "input.happenedAt"));
    if kind == EventKind::Hearing {
        let days = hearing_days.ok_or_else(|| AppError::bad_input("input.hearingDays", Message::HearingDays))?;
        if !(1..=60).contains(&days) {
            return Err(AppError::bad_input("input.hearingDays", Message::OneTo60Days));
        }
        if !matches!(case.status, CaseStatus::ReviewRequested | CaseStatus::ReReviewRequested) {
            return Err(AppError::new(ErrorCode::InvalidTransition, Message::HearingsInReview));
        }
        step.details(&Hearing { hearing_days: days });
    }
    perform_on(conn, ctx, case, &mut step)
}
