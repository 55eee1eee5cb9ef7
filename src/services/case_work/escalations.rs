//! Escalations other than the petitioner's reviews (DOMAIN.md §5): a case raised to a joint conference (a major or
//! difficult matter, or a jurisdiction dispute, Art 24) or reported up as urgent (Art 25); and the decision of
//! every kind of escalation, reviews included.

use diesel::PgConnection;

use super::engine::{load, parties, perform_authorized, Step};
use super::WorkContext;
use crate::domain::case::EventKind;
use crate::domain::deadline::DayCount;
use crate::domain::details::{Escalated, EscalationDecided, EscalationWithdrawn, ReviewDecided};
use crate::domain::escalation::{
    common_superior, parent_code, EscalationDecision, EscalationKind, EscalationStatus, MAX_DECISION_DAYS,
};
use crate::domain::ids::CaseId;
use crate::domain::ids::EscalationId;
use crate::domain::lifecycle::Action;
use crate::domain::organisation::is_within;
use crate::domain::permission::{may_decide, may_escalate, may_withdraw, EscalationParties, Operation};
use crate::domain::person::{parse_text, NOTE_MAX_CHARS};
use crate::domain::visibility::case_view;
use crate::error::{AppError, AppResult, ErrorCode, Message};
use crate::models::case::Case;
use crate::models::escalation::{self, Escalation, NewEscalation, Settlement};
use crate::models::jurisdiction;
use crate::models::unscoped;

/// An escalation of `case` the caller asks for now, from one jurisdiction to another, to be decided within `days`
/// calendar days.
pub(super) fn asked<'a>(
    ctx: &WorkContext,
    case: &'a Case,
    kind: EscalationKind,
    (from, to): (&'a str, &'a str),
    reason: &'a str,
    days: u32,
) -> NewEscalation<'a> {
    NewEscalation {
        id: EscalationId::new_v4(),
        case_id: case.id,
        jurisdiction_code: &case.jurisdiction_code,
        kind,
        from_jurisdiction: from,
        to_jurisdiction: to,
        requested_by: ctx.caller.account_id,
        reason,
        requested_at: ctx.env.now,
        due_at: ctx.env.calendar.due_at(ctx.env.now, days, DayCount::Calendar),
        disputed_with: None,
    }
}

/// What staff ask of a higher body.
pub struct EscalationRequest {
    pub kind: EscalationKind,
    pub reason: String,
    /// The addressed jurisdiction; one level up when absent.
    pub to_code: Option<String>,
    /// For a jurisdiction dispute: the other jurisdiction. The common superior's joint conference decides.
    pub disputed_with: Option<String>,
    /// Days the higher body has to decide.
    pub decision_days: Option<i32>,
}

/// `escalateCase`. The case's status does not change: the escalation runs beside the handling, and its entry in
/// the history is for staff only.
pub fn escalate(
    conn: &mut PgConnection,
    ctx: &WorkContext,
    case_id: CaseId,
    req: EscalationRequest,
) -> AppResult<(Case, Escalation)> {
    if req.kind.is_review() {
        return Err(AppError::bad_input("input.kind", Message::ReviewsByPetitioner));
    }
    let reason = parse_text(&req.reason, "input.reason", NOTE_MAX_CHARS)?;
    let max = MAX_DECISION_DAYS as i32;
    let days = match req.decision_days {
        None => req.kind.default_decision_days(),
        Some(d) if (1..=max).contains(&d) => d as u32,
        Some(_) => return Err(AppError::bad_input("input.decisionDays", Message::OneToDays(max.to_string()))),
    };
    let case = load(conn, ctx, case_id, None)?;
    let parties = parties(conn, &case)?;
    let proof = may_escalate(&ctx.caller, &parties)?;
    let case_path = &parties.jurisdiction_path;
    let to = addressed_to(conn, &req, &case, case_path)?;
    // What was asked is checked first; whether the case allows it now, after.
    if !case.status.is_open() {
        return Err(AppError::new(
            ErrorCode::InvalidTransition,
            Message::NothingToEscalate(case.status.as_str().to_string()),
        ));
    }
    if crate::models::unscoped::escalation_pending(conn, case.id, req.kind)? {
        return Err(AppError::new(
            ErrorCode::InvalidTransition,
            Message::EscalationPending(req.kind.as_str().to_string()),
        ));
    }
    let e = escalation::insert(
        conn,
        &proof,
        &NewEscalation {
            disputed_with: req.disputed_with.as_deref().map(str::trim),
            ..asked(ctx, &case, req.kind, (&case.jurisdiction_code, &to), &reason, days)
        },
    )?;
    let mut step = Step::new(Operation::LogActivity, EventKind::Escalated);
    step.staff_only = true;
    step.details(&Escalated {
        escalation_id: e.id,
        escalation_kind: req.kind,
        to,
        reason,
        disputed_with: e.disputed_with.clone(),
        due_at: e.due_at,
    });
    let case = perform_authorized(conn, ctx, case, &mut step, &proof)?;
    Ok((case, e))
}

/// `decideEscalation`: staff of the addressed level decide. A review decision moves the case to `REVIEWED`, a
/// re-review decision makes it `FINAL`; the other kinds leave the status and record the opinion for staff.
pub fn decide(
    conn: &mut PgConnection,
    ctx: &WorkContext,
    escalation_id: EscalationId,
    decision: EscalationDecision,
    opinion: &str,
) -> AppResult<(Case, Escalation)> {
    let opinion = parse_text(opinion, "input.opinion", NOTE_MAX_CHARS)?;
    // The case must be visible to the decider; otherwise the escalation does not exist for them.
    let (case, e, kind) = load_escalation(conn, ctx, escalation_id)?;
    let proof = may_decide(&ctx.caller, &escalation_parties(&e))?;
    if e.status != EscalationStatus::Pending {
        return Err(AppError::new(ErrorCode::InvalidTransition, Message::EscalationDecided));
    }
    if !kind.decisions().contains(&decision) {
        let allowed: Vec<&str> = kind.decisions().iter().map(|d| d.as_str()).collect();
        return Err(AppError::bad_input(
            "input.decision",
            Message::DecidedWith(kind.as_str().to_string(), (allowed.join(" or ")).to_string()),
        ));
    }
    let mut step = match kind {
        EscalationKind::Review => Step::transition(Operation::PetitionerAct, Action::DecideReview),
        EscalationKind::ReReview => Step::transition(Operation::PetitionerAct, Action::DecideReReview),
        EscalationKind::JointConference | EscalationKind::UrgentReport => {
            let mut step = Step::new(Operation::LogActivity, EventKind::EscalationDecided);
            step.staff_only = true;
            step
        }
    };
    // `notice` is what the petitioner reads; only review decisions are addressed to them.
    let (escalation_id, escalation_kind) = (e.id, kind);
    if kind.is_review() {
        step.details(&ReviewDecided { escalation_id, escalation_kind, decision, notice: opinion.clone() });
    } else {
        step.details(&EscalationDecided { escalation_id, escalation_kind, decision, opinion: opinion.clone() });
    }
    let case = perform_authorized(conn, ctx, case, &mut step, &proof)?;
    let settlement = Settlement {
        status: EscalationStatus::Decided,
        decision: Some(decision),
        text: &opinion,
        by: ctx.caller.account_id,
        at: ctx.env.now,
    };
    let e = escalation::settle(conn, &proof, e.id, &settlement)?;
    Ok((case, e))
}

fn escalation_parties(e: &Escalation) -> EscalationParties<'_> {
    EscalationParties {
        escalation_id: e.id,
        case_id: e.case_id,
        kind: e.kind,
        to_code: &e.to_jurisdiction,
        requested_by: e.requested_by,
    }
}

/// Loads a pending-or-not escalation for a step on it: through the case (whose lock serialises the steps), hidden
/// from petitioners unless it is their review. Returns the locked case, the escalation read under the lock, and
/// its kind.
fn load_escalation(
    conn: &mut PgConnection,
    ctx: &WorkContext,
    escalation_id: EscalationId,
) -> AppResult<(Case, Escalation, EscalationKind)> {
    let not_found = || AppError::not_found("escalation");
    let case_id = unscoped::escalation(conn, escalation_id)?.ok_or_else(not_found)?.case_id;
    // A case the caller cannot see hides its escalations; a case someone else is changing right now is a
    // `CONFLICT` (a racing decision), not a missing escalation.
    let case =
        load(conn, ctx, case_id, None).map_err(|e| if e.code == ErrorCode::NotFound { not_found() } else { e })?;
    let e = unscoped::escalation(conn, escalation_id)?.ok_or_else(not_found)?;
    let kind = e.kind;
    if !case_view(&ctx.caller, &case.facts()).shows_escalation(kind) {
        return Err(not_found());
    }
    Ok((case, e, kind))
}

/// `withdrawEscalation`: whoever asked for a joint conference or urgent report withdraws it while it is pending.
pub fn withdraw(
    conn: &mut PgConnection,
    ctx: &WorkContext,
    escalation_id: EscalationId,
    reason: &str,
) -> AppResult<(Case, Escalation)> {
    let reason = parse_text(reason, "input.reason", NOTE_MAX_CHARS)?;
    let (case, e, kind) = load_escalation(conn, ctx, escalation_id)?;
    let proof = may_withdraw(&ctx.caller, &escalation_parties(&e), &parties(conn, &case)?)?;
    if e.status != EscalationStatus::Pending {
        return Err(AppError::new(ErrorCode::InvalidTransition, Message::EscalationNotPending));
    }
    let mut step = Step::new(Operation::LogActivity, EventKind::EscalationWithdrawn);
    step.staff_only = true;
    step.details(&EscalationWithdrawn { escalation_id: e.id, escalation_kind: kind, reason: reason.clone() });
    let case = perform_authorized(conn, ctx, case, &mut step, &proof)?;
    let settlement = Settlement {
        status: EscalationStatus::Withdrawn,
        decision: None,
        text: &reason,
        by: ctx.caller.account_id,
        at: ctx.env.now,
    };
    let e = escalation::settle(conn, &proof, e.id, &settlement)?;
    Ok((case, e))
}

/// The code of the jurisdiction an escalation of `case` goes to: the common superior of a dispute, the one named
/// (the case's own for a joint conference, or one above it), or by default the level above.
fn addressed_to(conn: &mut PgConnection, req: &EscalationRequest, case: &Case, case_path: &str) -> AppResult<String> {
    let to = match (&req.disputed_with, &req.to_code) {
        (Some(_), _) if req.kind != EscalationKind::JointConference => {
            return Err(AppError::bad_input("input.disputedWith", Message::DisputesToJointConference))
        }
        (Some(_), Some(_)) => {
            return Err(AppError::bad_input("input.toJurisdictionCode", Message::DisputeGoesToCommonSuperior))
        }
        (Some(other), None) => {
            let other = jurisdiction::find(conn, other.trim())?
                .ok_or_else(|| AppError::not_found("jurisdiction").with_field("input.disputedWith"))?;
            if other.code == case.jurisdiction_code {
                return Err(AppError::bad_input("input.disputedWith", Message::NameDisputedJurisdiction));
            }
            common_superior(case_path, &other.path)
                .ok_or_else(|| AppError::bad_input("input.disputedWith", Message::NoCommonSuperior))?
        }
        (None, Some(code)) => {
            let target = jurisdiction::find(conn, code.trim())?
                .ok_or_else(|| AppError::not_found("jurisdiction").with_field("input.toJurisdictionCode"))?;
            // A joint conference may be the case's own jurisdiction's; an urgent report goes above it.
            let above = is_within(case_path, &target.path)
                && (req.kind == EscalationKind::JointConference || target.code != case.jurisdiction_code);
            if !above {
                return Err(AppError::bad_input("input.toJurisdictionCode", Message::EscalationAddress));
            }
            target.code
        }
        (None, None) => match parent_code(case_path) {
            Some(code) => code,
            None if req.kind == EscalationKind::JointConference => case.jurisdiction_code.clone(),
            None => return Err(AppError::new(ErrorCode::InvalidTransition, Message::NoLevelToReport)),
        },
    };
    Ok(to)
}
