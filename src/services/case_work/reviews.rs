//! Reviews (复查, Art 35) and re-reviews (复核, Art 36): the petitioner asks, the level above decides.
//!
//! A review goes to the jurisdiction one level above the handling unit's; a re-review one level above the
//! reviewer's. They are decided with the other escalations (`super::escalations::decide`).

use diesel::PgConnection;

use super::engine::{load, parties, perform_authorized, Step};
use super::escalations::asked;
use super::WorkContext;
use crate::domain::case::CaseStatus;
use crate::domain::details::ReviewRequested;
use crate::domain::escalation::EscalationKind;
use crate::domain::ids::CaseId;
use crate::domain::lifecycle::Action;
use crate::domain::permission::{authorize, Operation};
use crate::domain::person::{parse_text, NOTE_MAX_CHARS};
use crate::error::{AppError, AppResult, ErrorCode, Message};
use crate::models::case::Case;
use crate::models::escalation::{self, Escalation};
use crate::models::unscoped;
use crate::models::{jurisdiction, unit};

fn parent_of(conn: &mut PgConnection, code: &str) -> AppResult<String> {
    jurisdiction::find(conn, code)?
        .and_then(|j| j.parent_code)
        .ok_or_else(|| AppError::new(ErrorCode::InvalidTransition, Message::NoLevelToReview))
}

/// `requestReview`: after an answer (review) or a review decision (re-review), within 30 days.
pub fn request(
    conn: &mut PgConnection,
    ctx: &WorkContext,
    case_id: CaseId,
    reason: &str,
) -> AppResult<(Case, Escalation)> {
    let reason = parse_text(reason, "input.reason", NOTE_MAX_CHARS)?;
    let case = load(conn, ctx, case_id, None)?;
    let (action, kind, from) = match case.status {
        CaseStatus::Answered => {
            let unit_id = case.handling.current_unit_id.ok_or_else(|| AppError::internal("answered without a unit"))?;
            let unit = unit::find_many(conn, &[unit_id])?.pop().ok_or_else(|| AppError::internal("unit gone"))?;
            (Action::RequestReview, EscalationKind::Review, unit.jurisdiction_code)
        }
        CaseStatus::Reviewed => {
            let reviewed = unscoped::escalations(conn, &[case.id])?
                .into_iter()
                .rev()
                .find(|e| e.kind == EscalationKind::Review)
                .ok_or_else(|| AppError::internal("reviewed without a review"))?;
            (Action::RequestReReview, EscalationKind::ReReview, reviewed.to_jurisdiction)
        }
        other => {
            return Err(AppError::new(ErrorCode::InvalidTransition, Message::CannotReview(other.as_str().to_string())))
        }
    };
    let to = parent_of(conn, &from)?;
    let mut step = Step::transition(Operation::PetitionerAct, action);
    step.details(&ReviewRequested { reason: reason.clone(), to: to.clone() });
    let proof = authorize(&ctx.caller, step.op, &parties(conn, &case)?)?;
    let case = perform_authorized(conn, ctx, case, &mut step, &proof)?;
    let days = ctx.env.rules.decide_review_days;
    let e = escalation::insert(conn, &proof, &asked(ctx, &case, kind, (&from, &to), &reason, days))?;
    Ok((case, e))
}
