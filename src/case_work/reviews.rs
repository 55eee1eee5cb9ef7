//! Reviews (复查, Art 35) and re-reviews (复核, Art 36): the petitioner asks, the level above decides.
//!
//! A review goes to the jurisdiction one level above the handling unit's; a re-review one level above the
//! reviewer's. Deciders are bureau clerks or case leads placed at exactly that level.

use diesel::PgConnection;
use serde_json::json;
use uuid::Uuid;

use super::steps::{load, perform_on, Step};
use super::WorkContext;
use crate::domain::access::{may_decide_review, Operation};
use crate::domain::deadline::DayCount;
use crate::domain::lifecycle::Action;
use crate::domain::person::{parse_text, NOTE_MAX_CHARS};
use crate::domain::role::Role;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::models::case::Case;
use crate::models::escalation::{self, Escalation, NewEscalation};
use crate::models::{jurisdiction, unit};

/// A review decision.
#[derive(Clone, Copy, Debug, PartialEq, Eq, async_graphql::Enum)]
pub enum ReviewDecision {
    /// The opinion stands (维持).
    Upheld,
    /// The opinion is changed (变更).
    Changed,
    /// The opinion is revoked and the matter handled anew (撤销).
    Revoked,
}

impl ReviewDecision {
    pub const fn as_str(self) -> &'static str {
        match self {
            ReviewDecision::Upheld => "UPHELD",
            ReviewDecision::Changed => "CHANGED",
            ReviewDecision::Revoked => "REVOKED",
        }
    }
}

fn parent_of(conn: &mut PgConnection, code: &str) -> AppResult<String> {
    jurisdiction::find(conn, code)?
        .and_then(|j| j.parent_code)
        .ok_or_else(|| AppError::new(ErrorCode::InvalidTransition, "there is no level above to review this"))
}

/// `requestReview`: after an answer (review) or a review decision (re-review), within 30 days.
pub fn request(
    conn: &mut PgConnection,
    ctx: &WorkContext,
    case_id: Uuid,
    reason: &str,
) -> AppResult<(Case, Escalation)> {
    let reason = parse_text(reason, "input.reason", NOTE_MAX_CHARS)?;
    let case = load(conn, ctx, case_id, None)?;
    let (action, kind, from) = match case.status.as_str() {
        "ANSWERED" => {
            let unit_id = case.current_unit_id.ok_or_else(|| AppError::internal("answered without a unit"))?;
            let unit = unit::find_many(conn, &[unit_id])?.pop().ok_or_else(|| AppError::internal("unit gone"))?;
            (Action::RequestReview, "REVIEW", unit.jurisdiction_code)
        }
        "REVIEWED" => {
            let reviewed = escalation::of_cases(conn, &[case.id])?
                .into_iter()
                .rev()
                .find(|e| e.kind == "REVIEW")
                .ok_or_else(|| AppError::internal("reviewed without a review"))?;
            (Action::RequestReReview, "RE_REVIEW", reviewed.to_jurisdiction)
        }
        other => {
            return Err(AppError::new(
                ErrorCode::InvalidTransition,
                format!("a case in status {other} cannot be reviewed"),
            ))
        }
    };
    let to = parent_of(conn, &from)?;
    let mut step = Step::transition(Operation::PetitionerAct, action);
    step.payload = json!({"reason": reason, "to": to});
    let case = perform_on(conn, ctx, case, &mut step)?;
    let due = ctx.calendar.due_at(ctx.now, ctx.rules.decide_review_days, DayCount::Calendar);
    let e = escalation::insert(
        conn,
        &NewEscalation {
            case_id: case.id,
            jurisdiction_code: &case.jurisdiction_code,
            kind,
            from_jurisdiction: &from,
            to_jurisdiction: &to,
            requested_by: ctx.caller.account_id,
            reason: &reason,
            requested_at: ctx.now,
            due_at: due,
        },
    )?;
    Ok((case, e))
}

/// `decideEscalation` for reviews and re-reviews: a re-review decision makes the case final.
pub fn decide(
    conn: &mut PgConnection,
    ctx: &WorkContext,
    escalation_id: Uuid,
    decision: ReviewDecision,
    opinion: &str,
) -> AppResult<(Case, Escalation)> {
    let opinion = parse_text(opinion, "input.opinion", NOTE_MAX_CHARS)?;
    let e = escalation::find(conn, escalation_id)?.ok_or_else(|| AppError::not_found("escalation"))?;
    // The case must be visible to the decider; otherwise the escalation does not exist for them.
    let case = load(conn, ctx, e.case_id, None).map_err(|_| AppError::not_found("escalation"))?;
    if !may_decide_review(&ctx.caller, &e.to_jurisdiction) {
        return Err(AppError::forbidden("only bureau clerks or case leads of the reviewing level decide this"));
    }
    if e.status != "PENDING" {
        return Err(AppError::new(ErrorCode::InvalidTransition, "this escalation was already decided"));
    }
    let action = match e.kind.as_str() {
        "REVIEW" => Action::DecideReview,
        "RE_REVIEW" => Action::DecideReReview,
        _ => return Err(AppError::new(ErrorCode::InvalidTransition, "not a review")),
    };
    // The decider is not a party of the case's own units, so the step is authorised here, not by the table.
    let mut step = Step::transition(Operation::PetitionerAct, action);
    step.payload = json!({"escalationId": e.id, "decision": decision.as_str(), "notice": opinion});
    let case = perform_decided(conn, ctx, case, &mut step)?;
    let e = escalation::decide(conn, e.id, decision.as_str(), &opinion, ctx.caller.account_id, ctx.now)?;
    Ok((case, e))
}

/// Runs a decision step with the decider's own authority (checked by the caller of this function).
fn perform_decided(conn: &mut PgConnection, ctx: &WorkContext, case: Case, step: &mut Step) -> AppResult<Case> {
    let role = if ctx.caller.has_role(Role::Clerk) { Role::Clerk } else { Role::CaseLead };
    super::steps::perform_authorized(conn, ctx, case, step, role)
}
