//! The end of a case: closure by staff, withdrawal and evaluation by the petitioner.

use diesel::PgConnection;

use super::engine::{load, perform, perform_on, SeenCase, Step};
use super::{history, WorkContext};
use crate::domain::case::{ClosureReason, EventKind, Satisfaction};
use crate::domain::details::{Closed, Evaluation, Withdrawn};
use crate::domain::ids::CaseId;
use crate::domain::lifecycle::Action;
use crate::domain::permission::Operation;
use crate::domain::person::{parse_optional_text, NOTE_MAX_CHARS};
use crate::domain::schedule::DeadlineKind;
use crate::error::{AppError, AppResult, ErrorCode, Message};
use crate::models::case::Case;

pub fn close(
    conn: &mut PgConnection,
    ctx: &WorkContext,
    case: SeenCase,
    reason: ClosureReason,
    note: Option<&str>,
) -> AppResult<Case> {
    let case = load(conn, ctx, case.id, case.version)?;
    if reason == ClosureReason::NoReviewRequested {
        let (_, deadlines) = history::deadlines(conn, &ctx.env, case.id)?;
        let window = deadlines
            .iter()
            .rev()
            .find(|d| matches!(d.kind, DeadlineKind::RequestReview | DeadlineKind::RequestReReview) && d.pending());
        if window.is_some_and(|d| ctx.env.now < d.due_at) {
            return Err(AppError::new(ErrorCode::InvalidTransition, Message::ReviewStillPossible));
        }
    }
    let mut step = Step::transition(Operation::Close, Action::Close);
    step.note = parse_optional_text(note, "input.note", NOTE_MAX_CHARS)?;
    step.details(&Closed { reason });
    perform_on(conn, ctx, case, &mut step)
}

pub fn withdraw(conn: &mut PgConnection, ctx: &WorkContext, case_id: CaseId, reason: Option<&str>) -> AppResult<Case> {
    let mut step = Step::transition(Operation::PetitionerAct, Action::Withdraw);
    step.details(&Withdrawn { reason: parse_optional_text(reason, "input.reason", NOTE_MAX_CHARS)? });
    perform(conn, ctx, case_id.into(), step)
}

pub fn evaluate(
    conn: &mut PgConnection,
    ctx: &WorkContext,
    case_id: CaseId,
    bureau: Satisfaction,
    unit: Satisfaction,
    reason: Option<&str>,
) -> AppResult<Case> {
    let case = load(conn, ctx, case_id, None)?;
    let reason = parse_optional_text(reason, "input.reason", NOTE_MAX_CHARS)?;
    if (bureau == Satisfaction::Dissatisfied || unit == Satisfaction::Dissatisfied) && reason.is_none() {
        return Err(AppError::bad_input("input.reason", Message::SayWhyDissatisfied));
    }
    if case.evaluation.is_some() {
        return Err(AppError::new(ErrorCode::InvalidTransition, Message::AlreadyEvaluated));
    }
    let (_, deadlines) = history::deadlines(conn, &ctx.env, case.id)?;
    match deadlines.iter().rev().find(|d| d.kind == DeadlineKind::Evaluate && d.pending()) {
        None => return Err(AppError::new(ErrorCode::InvalidTransition, Message::NothingToEvaluate)),
        Some(d) if ctx.env.now >= d.due_at => {
            return Err(AppError::new(ErrorCode::DeadlinePassed, Message::EvaluationClosed))
        }
        Some(_) => {}
    }
    let mut step = Step::new(Operation::PetitionerAct, EventKind::Evaluated);
    step.details(&Evaluation { bureau, unit, reason });
    step.update.evaluation = Some(Some(step.payload.clone()));
    perform_on(conn, ctx, case, &mut step)
}
