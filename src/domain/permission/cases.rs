//! Acts on a case: its steps, intake, reception, escalations, and revealing the petitioner's contact.

use super::{act, covers, staff_in, Authorized};
use crate::domain::escalation::EscalationKind;
use crate::domain::ids::AccountId;
use crate::domain::ids::EscalationId;
use crate::domain::ids::UnitId;
use crate::domain::ids::{BookingId, CaseId, ReceptionSessionId};
use crate::domain::organisation::UnitKind;
use crate::domain::role::Role;
use crate::domain::scope::Caller;
use crate::domain::visibility::{may_see_petitioner, CaseFacts};
use crate::error::{AppError, ErrorCode, Message};

/// Who is attached to a case, for deciding who may act on it.
#[derive(Clone, Debug)]
pub struct CaseParties {
    /// The case: proofs granted over it are for it alone.
    pub case_id: CaseId,
    pub jurisdiction_path: String,
    pub current_unit_id: Option<UnitId>,
    pub case_lead_account_id: Option<AccountId>,
    pub petitioner_account_id: Option<AccountId>,
}

/// What someone wants to do to a case (besides reading it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operation {
    /// Forward, assign, route out, not accept (Art 22).
    Route,
    /// Agree or disagree with a unit's objection.
    DecideObjection,
    /// Accept or object (Art 23).
    Respond,
    /// Classify, answer, and other handling.
    Handle,
    /// Extend the handling period (Art 34).
    Extend,
    /// Close with a signed closure commitment.
    Close,
    /// Log a reception, visit, consultation or note.
    LogActivity,
    /// Designate a case lead (Art 18).
    DesignateCaseLead,
    /// Set the resolution plan.
    SetResolutionPlan,
    /// Evaluate, request a review, withdraw: the petitioner's own acts.
    PetitionerAct,
    /// Attach a file, or withdraw one: the petitioner, and staff working on the case.
    Attach,
}

impl Operation {
    /// Who may do it, in words, for refusals.
    pub const fn who(self) -> &'static str {
        match self {
            Operation::Route | Operation::DecideObjection => "a bureau clerk of the case's jurisdiction or above",
            Operation::Respond => "a clerk of the handling unit",
            Operation::Handle => "a clerk of the handling unit or the case lead",
            Operation::Extend => "the case lead",
            Operation::Close => "a clerk of the handling unit or the bureau",
            Operation::LogActivity => "staff working on the case",
            Operation::DesignateCaseLead => "a committee member or bureau clerk of the jurisdiction",
            Operation::SetResolutionPlan => "the case's lead",
            Operation::PetitionerAct => "the petitioner",
            Operation::Attach => "the petitioner or staff working on the case",
        }
    }
}

/// Whether `caller`, who can see the case, may perform `op`; the proof carries the role they act in.
///
/// Mirrors the "who" column of DOMAIN.md §3: bureau clerks of the case's jurisdiction or above route it and decide
/// objections; the handling unit's clerks accept or object; its clerks and the case's lead (or a lead of the
/// handling unit) handle it; only leads extend; committee members and bureau clerks designate leads; the
/// petitioner evaluates, asks for reviews and withdraws.
pub fn authorize(caller: &Caller, op: Operation, parties: &CaseParties) -> Result<Authorized<act::CaseStep>, AppError> {
    let covering = covers(caller, &parties.jurisdiction_path);
    let bureau_clerk = staff_in(caller, Role::Clerk, &[UnitKind::Bureau]) && covering;
    let at_unit = parties.current_unit_id.is_some() && caller.unit.map(|(id, _)| id) == parties.current_unit_id;
    let unit_clerk = caller.has_role(Role::Clerk) && at_unit;
    let lead = caller.has_role(Role::CaseLead) && (parties.case_lead_account_id == Some(caller.account_id) || at_unit);
    let committee = staff_in(caller, Role::CommitteeMember, &[UnitKind::Committee]) && covering;
    let petitioner = parties.petitioner_account_id == Some(caller.account_id);

    let allowed: &[(bool, Role)] = match op {
        Operation::Route | Operation::DecideObjection => &[(bureau_clerk, Role::Clerk)],
        Operation::Respond => &[(unit_clerk, Role::Clerk)],
        Operation::Handle => &[(unit_clerk, Role::Clerk), (lead, Role::CaseLead)],
        Operation::Extend => &[(lead, Role::CaseLead)],
        Operation::Close => &[(unit_clerk || bureau_clerk, Role::Clerk)],
        Operation::LogActivity => {
            &[(unit_clerk || bureau_clerk, Role::Clerk), (lead, Role::CaseLead), (committee, Role::CommitteeMember)]
        }
        Operation::DesignateCaseLead => &[(committee, Role::CommitteeMember), (bureau_clerk, Role::Clerk)],
        Operation::SetResolutionPlan => {
            &[(lead && parties.case_lead_account_id == Some(caller.account_id), Role::CaseLead)]
        }
        Operation::PetitionerAct => &[(petitioner, Role::Petitioner)],
        Operation::Attach => &[
            (petitioner, Role::Petitioner),
            (unit_clerk || bureau_clerk, Role::Clerk),
            (lead, Role::CaseLead),
            (committee, Role::CommitteeMember),
        ],
    };
    allowed
        .iter()
        .find(|(ok, _)| *ok)
        .map(|(_, role)| Authorized::grant_on(*role, parties.case_id))
        .ok_or_else(|| AppError::forbidden(Message::OnlyMay(op.who().to_string())))
}

/// Whether `caller` may attach a file to the case (or withdraw one): its petitioner, the staff working on it, its
/// lead and the committee (the rule of [`Operation::Attach`]); the proof is for this case alone.
pub fn authorize_attachment(caller: &Caller, parties: &CaseParties) -> Result<Authorized<act::Attach>, AppError> {
    let step = authorize(caller, Operation::Attach, parties)?;
    Ok(Authorized::grant_on(step.role(), parties.case_id))
}

/// Whether `caller` may submit a petition of their own: petitioners do; staff record what they receive.
pub fn authorize_submission(caller: &Caller) -> Result<Authorized<act::Submit>, AppError> {
    if !caller.has_role(Role::Petitioner) {
        return Err(AppError::forbidden(Message::OnlyPetitionersSubmit));
    }
    Ok(Authorized::grant(Role::Petitioner))
}

/// Whether `caller` may record a petition received in the jurisdiction with path `path`: bureau clerks of it or
/// above.
pub fn authorize_recording(caller: &Caller, path: &str) -> Result<Authorized<act::Record>, AppError> {
    if !(staff_in(caller, Role::Clerk, &[UnitKind::Bureau]) && covers(caller, path)) {
        return Err(AppError::forbidden(Message::OnlyBureauRecords));
    }
    Ok(Authorized::grant(Role::Clerk))
}

/// Whether `caller` may keep the reception days of the jurisdiction with path `path` (schedule, publish, cancel,
/// and see who booked): bureau clerks of it or above.
pub fn authorize_reception_desk(
    caller: &Caller,
    path: &str,
    session: ReceptionSessionId,
) -> Result<Authorized<act::KeepReceptionDays>, AppError> {
    if !(staff_in(caller, Role::Clerk, &[UnitKind::Bureau]) && covers(caller, path)) {
        return Err(AppError::forbidden(Message::OnlyBureauKeepsReceptionDays));
    }
    Ok(Authorized::grant_on(Role::Clerk, session))
}

/// Whether `caller` may book a place at a reception session (or give one up): petitioners do; staff schedule.
/// The proof is for that session (and, to give one up, for that booking of it).
pub fn authorize_booking(
    caller: &Caller,
    session: ReceptionSessionId,
    booking: Option<BookingId>,
) -> Result<Authorized<act::Book>, AppError> {
    if !caller.has_role(Role::Petitioner) {
        return Err(AppError::forbidden(Message::PetitionersBook));
    }
    Ok(match booking {
        Some(booking) => Authorized::grant_on_part(Role::Petitioner, session, booking),
        None => Authorized::grant_on(Role::Petitioner, session),
    })
}

/// Whether `caller`, who may read the case, may see the petitioner's contact data in full (an audited act): staff
/// working on cases (not admins) who may know who petitioned.
pub fn may_reveal_contact(caller: &Caller, case: &CaseFacts) -> Result<Authorized<act::RevealContact>, AppError> {
    caller
        .roles
        .iter()
        .copied()
        .find(|r| r.is_staff() && *r != Role::Admin)
        .filter(|_| may_see_petitioner(caller, case))
        .map(Authorized::grant)
        .ok_or_else(|| AppError::forbidden(Message::PetitionerHidden))
}

/// Who may raise a case to a joint conference or report it up: bureau clerks and committee members whose
/// jurisdiction covers the case, and the case's lead.
pub fn may_escalate(caller: &Caller, parties: &CaseParties) -> Result<Authorized<act::Escalate>, AppError> {
    // Designating a lead needs exactly the covering bureau clerk or committee member; the lead of the case is the
    // third party with standing.
    if let Ok(designating) = authorize(caller, Operation::DesignateCaseLead, parties) {
        return Ok(Authorized::grant_on(designating.role(), parties.case_id));
    }
    if caller.has_role(Role::CaseLead) && parties.case_lead_account_id == Some(caller.account_id) {
        return Ok(Authorized::grant_on(Role::CaseLead, parties.case_id));
    }
    Err(AppError::forbidden(Message::OnlyCoveringStaffEscalate))
}

/// An escalation, as deciding or withdrawing it needs it.
pub struct EscalationParties<'a> {
    pub escalation_id: EscalationId,
    /// The case it is about.
    pub case_id: CaseId,
    pub kind: EscalationKind,
    /// The jurisdiction it is addressed to (its code).
    pub to_code: &'a str,
    pub requested_by: Option<AccountId>,
}

/// Who decides an escalation: staff placed exactly at the jurisdiction it is addressed to. Reviews by its bureau
/// clerks or case leads; joint conferences by its committee members; urgent reports by its bureau or committee
/// staff. The proof holds for this escalation and the step on its case, nothing else:
///
/// ```
/// use petition_api::domain::escalation::EscalationKind;
/// use petition_api::domain::permission::{may_decide, Decision, EscalationParties};
/// # use petition_api::domain::{organisation::UnitKind, role::Role, scope::Caller};
/// # use petition_api::domain::ids::{CaseId, EscalationId};
/// # let (case, escalation, other) = (CaseId::from_u128(1), EscalationId::from_u128(2), EscalationId::from_u128(3));
/// # let member = Caller { account_id: petition_api::domain::ids::AccountId::from_u128(0), username: "m".into(), display_name: "m".into(),
/// #     roles: vec![Role::CommitteeMember], unit: Some((petition_api::domain::ids::UnitId::from_u128(9), UnitKind::Committee)),
/// #     jurisdiction: Some(("510500".into(), "510000/510500/".into())) };
/// let e = EscalationParties { escalation_id: escalation, case_id: case, kind: EscalationKind::JointConference,
///     to_code: "510500", requested_by: None };
/// let proof = may_decide(&member, &e).unwrap();
/// assert!(proof.allows(escalation) && proof.allows(case));
/// assert!(!proof.allows(other), "another escalation of the same case is refused");
/// ```
pub fn may_decide(caller: &Caller, e: &EscalationParties<'_>) -> Result<Authorized<act::DecideEscalation>, AppError> {
    let at_target = caller.jurisdiction.as_ref().is_some_and(|(code, _)| code == e.to_code);
    let candidates: &[(Role, UnitKind)] = match e.kind {
        EscalationKind::Review | EscalationKind::ReReview => {
            &[(Role::Clerk, UnitKind::Bureau), (Role::CaseLead, UnitKind::Bureau)]
        }
        EscalationKind::JointConference => &[(Role::CommitteeMember, UnitKind::Committee)],
        EscalationKind::UrgentReport => &[
            (Role::Clerk, UnitKind::Bureau),
            (Role::CaseLead, UnitKind::Bureau),
            (Role::CommitteeMember, UnitKind::Committee),
        ],
    };
    candidates
        .iter()
        .find(|(role, unit)| at_target && caller.has_role(*role) && caller.unit_kind() == Some(*unit))
        .map(|(role, _)| Authorized::grant_on_part(*role, e.case_id, e.escalation_id))
        .ok_or_else(|| {
            AppError::forbidden(match e.kind {
                EscalationKind::JointConference => Message::OnlyJointConferenceDecides,
                EscalationKind::UrgentReport => Message::OnlyAddressedLevelDecides,
                _ => Message::OnlyReviewingLevelDecides,
            })
        })
}

/// Whoever asked for a joint conference or an urgent report withdraws it, while they still have standing on the
/// case; a review is given up by withdrawing the case. The proof holds for this escalation and its case.
pub fn may_withdraw(
    caller: &Caller,
    e: &EscalationParties<'_>,
    parties: &CaseParties,
) -> Result<Authorized<act::Escalate>, AppError> {
    if e.kind.is_review() {
        return Err(AppError::new(ErrorCode::InvalidTransition, Message::ReviewWithdrawnWithCase));
    }
    if e.requested_by != Some(caller.account_id) {
        return Err(AppError::forbidden(Message::OnlyRequesterWithdraws));
    }
    let standing = may_escalate(caller, parties)?;
    Ok(Authorized::grant_on_part(standing.role(), e.case_id, e.escalation_id))
}
