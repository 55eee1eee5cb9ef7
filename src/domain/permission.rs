//! Permission: what a caller may do to an object it can read (DOMAIN.md §2-§6). Every such decision in the product
//! is made in this module, and each one that allows a write returns an [`Authorized`] proof.
//!
//! The functions that write (the step engine, intake, escalations, supervision notices) take the proof as an
//! argument, and only this module can make one: a new mutation that forgot to ask does not compile. Reading is
//! governed by [`super::scope`] (which objects) and [`super::visibility`] (which of their parts).

use std::marker::PhantomData;

use uuid::Uuid;

use super::escalation::EscalationKind;
use super::organisation::{is_within, UnitKind};
use super::role::Role;
use super::scope::Caller;
use super::supervision::NoticeAction;
use super::visibility::{may_see_petitioner, CaseFacts};
use crate::error::{AppError, ErrorCode};

/// Proof that the rules of this module allowed the caller an act of kind `A`, and the role they act in (which the
/// history records). It can only be made here:
///
/// ```
/// use petition_api::domain::permission::{act, authorize_submission, Authorized};
/// # use petition_api::domain::{role::Role, scope::Caller};
/// # let caller = Caller { account_id: uuid::Uuid::nil(), username: "p".into(), display_name: "p".into(), roles: vec![Role::Petitioner],
/// #     unit: None, jurisdiction: None };
/// let proof: Authorized<act::Submit> = authorize_submission(&caller).unwrap();
/// assert_eq!(proof.role(), Role::Petitioner);
/// ```
///
/// Code outside the domain cannot make one up, neither through the constructor nor by spelling out the value:
///
/// ```compile_fail
/// use petition_api::domain::permission::{act, Authorized};
/// use petition_api::domain::role::Role;
/// let forged: Authorized<act::Submit> = Authorized::grant(Role::Petitioner);
/// ```
///
/// ```compile_fail
/// use petition_api::domain::permission::{act, Authorized};
/// use petition_api::domain::role::Role;
/// let forged: Authorized<act::Submit> = Authorized { role: Role::Petitioner, act: std::marker::PhantomData };
/// ```
#[derive(Debug)]
#[must_use = "a permission is asked for in order to act on it"]
pub struct Authorized<A> {
    role: Role,
    act: PhantomData<A>,
}

impl<A> Authorized<A> {
    fn grant(role: Role) -> Self {
        Authorized { role, act: PhantomData }
    }

    /// The role the caller acts in.
    pub fn role(&self) -> Role {
        self.role
    }
}

/// The kinds of acts a proof allows.
pub mod act {
    /// A step on a case ([`super::authorize`]).
    #[derive(Debug)]
    pub struct CaseStep;
    /// Submitting one's own petition ([`super::authorize_submission`]).
    #[derive(Debug)]
    pub struct Submit;
    /// Recording a petition received by a bureau ([`super::authorize_recording`]).
    #[derive(Debug)]
    pub struct Record;
    /// Raising a case to a joint conference or an urgent report, or withdrawing that ([`super::may_escalate`]).
    #[derive(Debug)]
    pub struct Escalate;
    /// Deciding an escalation ([`super::may_decide`]).
    #[derive(Debug)]
    pub struct DecideEscalation;
    /// Issuing a supervision notice ([`super::may_issue`]).
    #[derive(Debug)]
    pub struct IssueNotice;
    /// A step on a supervision notice ([`super::authorize_notice`]).
    #[derive(Debug)]
    pub struct ActOnNotice;
    /// Reading the portal figures of a jurisdiction ([`super::may_see_figures`]).
    #[derive(Debug)]
    pub struct SeeFigures;
    /// Seeing the petitioner's contact data in full ([`super::may_reveal_contact`]).
    #[derive(Debug)]
    pub struct RevealContact;
    /// Creating or changing an account or unit ([`super::authorize_administration`]).
    #[derive(Debug)]
    pub struct Administer;

    /// The acts that file a new case.
    pub trait Files {}
    impl Files for Submit {}
    impl Files for Record {}

    /// The acts that write a step into a case's history.
    pub trait OnCase {}
    impl OnCase for CaseStep {}
    impl OnCase for Escalate {}
    impl OnCase for DecideEscalation {}
    impl OnCase for IssueNotice {}
}

/// Who is attached to a case, for deciding who may act on it.
#[derive(Clone, Debug)]
pub struct CaseParties {
    pub jurisdiction_path: String,
    pub current_unit_id: Option<Uuid>,
    pub case_lead_account_id: Option<Uuid>,
    pub petitioner_account_id: Option<Uuid>,
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

fn staff_in(caller: &Caller, role: Role, kinds: &[UnitKind]) -> bool {
    caller.has_role(role) && caller.unit_kind().is_some_and(|k| kinds.contains(&k))
}

/// Whether the caller's jurisdiction is the one with `path` or above it.
fn covers(caller: &Caller, path: &str) -> bool {
    caller.jurisdiction_path().is_some_and(|p| is_within(path, p))
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
        .map(|(_, role)| Authorized::grant(*role))
        .ok_or_else(|| AppError::forbidden(format!("only {} may do this", op.who())))
}

/// Whether `caller` may submit a petition of their own: petitioners do; staff record what they receive.
pub fn authorize_submission(caller: &Caller) -> Result<Authorized<act::Submit>, AppError> {
    if !caller.has_role(Role::Petitioner) {
        return Err(AppError::forbidden("only petitioners submit petitions; staff record them with recordPetition"));
    }
    Ok(Authorized::grant(Role::Petitioner))
}

/// Whether `caller` may record a petition received in the jurisdiction with path `path`: bureau clerks of it or
/// above.
pub fn authorize_recording(caller: &Caller, path: &str) -> Result<Authorized<act::Record>, AppError> {
    if !(staff_in(caller, Role::Clerk, &[UnitKind::Bureau]) && covers(caller, path)) {
        return Err(AppError::forbidden("only bureau clerks of this jurisdiction or above record petitions here"));
    }
    Ok(Authorized::grant(Role::Clerk))
}

/// Whether `caller` may keep the reception days of the jurisdiction with path `path` (schedule, publish, cancel,
/// and see who booked): bureau clerks of it or above.
pub fn authorize_reception_desk(caller: &Caller, path: &str) -> Result<Authorized<act::Record>, AppError> {
    if !(staff_in(caller, Role::Clerk, &[UnitKind::Bureau]) && covers(caller, path)) {
        return Err(AppError::forbidden("only bureau clerks of this jurisdiction or above keep its reception days"));
    }
    Ok(Authorized::grant(Role::Clerk))
}

/// Whether `caller` may administer what is placed in the jurisdiction with path `placed_at` (an account, a unit,
/// or where a new one goes), as DOMAIN.md §1-2 give it: an admin, inside its own jurisdiction's subtree. Since
/// everything an admin touches lies at its level or below, no admin can grant `ADMIN` above its own level.
/// Outside the subtree the object does not exist for the admin (`what` names it in the `NOT_FOUND`); a caller who
/// is no admin is `FORBIDDEN`.
pub fn authorize_administration(
    caller: &Caller,
    placed_at: &str,
    what: &str,
) -> Result<Authorized<act::Administer>, AppError> {
    may_administer(caller)?;
    match caller.jurisdiction_path() {
        Some(own) if is_within(placed_at, own) => Ok(Authorized::grant(Role::Admin)),
        _ => Err(AppError::not_found(what)),
    }
}

/// Whether `caller` administers anything at all: asked before the object is looked up, so that to anyone but an
/// admin every administrative operation is the same `FORBIDDEN`, whether or not the object exists.
pub fn may_administer(caller: &Caller) -> Result<(), AppError> {
    if caller.has_role(Role::Admin) {
        Ok(())
    } else {
        Err(AppError::forbidden("only an admin creates or changes accounts and units"))
    }
}

/// Whoever runs an administrative command of the binary (`create-admin`, `import-staff`) holds the database
/// owner's credentials, more than any admin has: the command acts with an admin's proof, and the log names it.
pub fn authorize_operator() -> Authorized<act::Administer> {
    Authorized::grant(Role::Admin)
}

/// Whether an admin change may take the `ADMIN` role away from an account (by deactivating it or by its new
/// roles): not when the admin does it to itself and is the last active admin of its jurisdiction, which would leave
/// the jurisdiction with nobody to administer it.
pub fn may_give_up_administration(caller: &Caller, subject: Uuid, other_active_admins: i64) -> Result<(), AppError> {
    if subject == caller.account_id && other_active_admins == 0 {
        return Err(AppError::forbidden(
            "you are the last active admin of your jurisdiction: make another admin first, then step down",
        ));
    }
    Ok(())
}

/// Whether `caller` may see the portal figures of the jurisdiction with path `path`: bureau and committee staff
/// (clerks, case leads, committee members) whose jurisdiction covers it. Figures describe whole subtrees, so staff
/// of one handling unit do not get them.
pub fn may_see_figures(caller: &Caller, path: &str) -> Result<Authorized<act::SeeFigures>, AppError> {
    [Role::Clerk, Role::CaseLead, Role::CommitteeMember]
        .into_iter()
        .find(|r| staff_in(caller, *r, &[UnitKind::Bureau, UnitKind::Committee]))
        .filter(|_| covers(caller, path))
        .map(Authorized::grant)
        .ok_or_else(|| {
            AppError::forbidden("figures are for bureau and committee staff whose jurisdiction covers this one")
        })
}

/// Whether `caller` may follow live feeds of cases at all (staff dashboards), before any jurisdiction is named.
pub fn may_follow_cases(caller: &Caller) -> Result<(), AppError> {
    if caller.is_staff() {
        Ok(())
    } else {
        Err(AppError::forbidden("live case events are for staff"))
    }
}

/// Whether `caller` may follow live the changes of every case in the subtree of the jurisdiction with path `path`
/// (a staff dashboard): staff whose own jurisdiction covers it. Each change is then still delivered only if the
/// caller may read its case.
pub fn may_follow_cases_in(caller: &Caller, path: &str) -> Result<(), AppError> {
    may_follow_cases(caller)?;
    if !covers(caller, path) {
        return Err(AppError::forbidden("that jurisdiction lies outside your own"));
    }
    Ok(())
}

/// Whether `caller` may follow live the supervision notices of the unit `unit_id` (whose jurisdiction has path
/// `unit_path`): its own staff, and bureau and committee staff whose jurisdiction covers it.
pub fn may_follow_notices_of(caller: &Caller, unit_id: Uuid, unit_path: &str) -> Result<(), AppError> {
    let own = caller.unit.map(|(id, _)| id) == Some(unit_id);
    let over = matches!(caller.unit_kind(), Some(UnitKind::Bureau | UnitKind::Committee)) && covers(caller, unit_path);
    if own || over {
        Ok(())
    } else {
        Err(AppError::forbidden("only the unit's staff, or bureau and committee staff over it"))
    }
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
        .ok_or_else(|| AppError::forbidden("you may not know who petitioned in this case"))
}

/// Who may raise a case to a joint conference or report it up: bureau clerks and committee members whose
/// jurisdiction covers the case, and the case's lead.
pub fn may_escalate(caller: &Caller, parties: &CaseParties) -> Result<Authorized<act::Escalate>, AppError> {
    // Designating a lead needs exactly the covering bureau clerk or committee member; the lead of the case is the
    // third party with standing.
    if let Ok(designating) = authorize(caller, Operation::DesignateCaseLead, parties) {
        return Ok(Authorized::grant(designating.role()));
    }
    if caller.has_role(Role::CaseLead) && parties.case_lead_account_id == Some(caller.account_id) {
        return Ok(Authorized::grant(Role::CaseLead));
    }
    Err(AppError::forbidden("only bureau clerks or committee members over the case, or its case lead, escalate it"))
}

/// Who decides an escalation addressed to the jurisdiction `to_code`: staff placed exactly there. Reviews by its
/// bureau clerks or case leads; joint conferences by its committee members; urgent reports by its bureau or
/// committee staff.
pub fn may_decide(
    caller: &Caller,
    kind: EscalationKind,
    to_code: &str,
) -> Result<Authorized<act::DecideEscalation>, AppError> {
    let at_target = caller.jurisdiction.as_ref().is_some_and(|(code, _)| code == to_code);
    let candidates: &[(Role, UnitKind)] = match kind {
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
        .map(|(role, _)| Authorized::grant(*role))
        .ok_or_else(|| {
            AppError::forbidden(match kind {
                EscalationKind::JointConference => {
                    "only committee members of the addressed joint conference decide this"
                }
                EscalationKind::UrgentReport => "only bureau or committee staff of the addressed level decide this",
                _ => "only bureau clerks or case leads of the reviewing level decide this",
            })
        })
}

/// Who may withdraw a pending escalation: whoever asked for it, for joint conferences and urgent reports (a
/// petitioner gives up a review by withdrawing the case), provided they still may escalate the case.
pub fn may_withdraw(
    caller: &Caller,
    kind: EscalationKind,
    requested_by: Option<Uuid>,
    parties: &CaseParties,
) -> Result<Authorized<act::Escalate>, AppError> {
    if kind.is_review() {
        return Err(AppError::new(
            ErrorCode::InvalidTransition,
            "a review is given up by withdrawing the case (withdrawCase)",
        ));
    }
    if requested_by != Some(caller.account_id) {
        return Err(AppError::forbidden("only whoever asked for the escalation withdraws it"));
    }
    may_escalate(caller, parties)
}

/// Who may issue a notice to a unit whose jurisdiction has path `target_path`: a committee member or a bureau clerk
/// at that jurisdiction or above. A unit outside their jurisdiction is bad input, naming `field`.
pub fn may_issue(caller: &Caller, target_path: &str, field: &str) -> Result<Authorized<act::IssueNotice>, AppError> {
    let role = if staff_in(caller, Role::CommitteeMember, &[UnitKind::Committee]) {
        Role::CommitteeMember
    } else if staff_in(caller, Role::Clerk, &[UnitKind::Bureau]) {
        Role::Clerk
    } else {
        return Err(AppError::forbidden("only committee members or bureau clerks issue supervision notices"));
    };
    if !covers(caller, target_path) {
        return Err(AppError::bad_input(field, "the unit lies outside your jurisdiction"));
    }
    Ok(Authorized::grant(role))
}

/// The units a notice joins.
#[derive(Clone, Copy, Debug)]
pub struct NoticeParties {
    pub target_unit_id: Uuid,
    pub issuer_unit_id: Uuid,
}

/// Who may take `action` on a notice: the target unit's clerks and case leads acknowledge and respond; the issuing
/// unit's committee members and clerks close and reopen.
pub fn authorize_notice(
    caller: &Caller,
    action: NoticeAction,
    parties: &NoticeParties,
) -> Result<Authorized<act::ActOnNotice>, AppError> {
    let unit = caller.unit.map(|(id, _)| id);
    let (unit_needed, roles, who): (Uuid, &[Role], &str) = match action {
        NoticeAction::Acknowledge | NoticeAction::Respond => {
            (parties.target_unit_id, &[Role::Clerk, Role::CaseLead], "the target unit's clerks and case leads")
        }
        NoticeAction::Close | NoticeAction::Reopen => {
            (parties.issuer_unit_id, &[Role::CommitteeMember, Role::Clerk], "the issuing unit")
        }
    };
    if unit == Some(unit_needed) {
        if let Some(role) = roles.iter().find(|r| caller.has_role(**r)) {
            return Ok(Authorized::grant(*role));
        }
    }
    Err(AppError::forbidden(format!("only {who} may do this")))
}

#[cfg(test)]
mod administration_tests {
    use super::*;
    use crate::domain::scope::{petitioner, staff};

    const COUNTY: &str = "510000/510500/510502/";
    const CITY: &str = "510000/510500/";

    #[test]
    fn an_admin_administers_its_subtree_only() {
        let admin = staff(Role::Admin, UnitKind::Bureau, 1, CITY);
        assert!(authorize_administration(&admin, COUNTY, "unit").is_ok());
        assert!(authorize_administration(&admin, CITY, "unit").is_ok());
        let above = authorize_administration(&admin, "510000/", "unit").unwrap_err();
        assert_eq!(above.code, ErrorCode::NotFound);
        let sibling = authorize_administration(&admin, "510000/510600/", "unit").unwrap_err();
        assert_eq!(sibling.code, ErrorCode::NotFound);
        for caller in [staff(Role::Clerk, UnitKind::Bureau, 1, CITY), petitioner(3)] {
            assert_eq!(authorize_administration(&caller, COUNTY, "unit").unwrap_err().code, ErrorCode::Forbidden);
        }
    }

    #[test]
    fn the_last_admin_cannot_step_down_but_may_retire_another() {
        let admin = staff(Role::Admin, UnitKind::Bureau, 1, COUNTY);
        let other = Uuid::from_u128(99);
        assert_eq!(may_give_up_administration(&admin, admin.account_id, 0).unwrap_err().code, ErrorCode::Forbidden);
        assert!(may_give_up_administration(&admin, admin.account_id, 1).is_ok());
        assert!(may_give_up_administration(&admin, other, 0).is_ok());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::scope::{petitioner, staff};

    const COUNTY: &str = "510000/510500/510502/";

    fn parties() -> CaseParties {
        CaseParties {
            jurisdiction_path: COUNTY.into(),
            current_unit_id: Some(Uuid::from_u128(5)),
            case_lead_account_id: Some(Uuid::from_u128(77)),
            petitioner_account_id: Some(Uuid::from_u128(99)),
        }
    }

    #[test]
    fn each_operation_has_its_actors() {
        let bureau = staff(Role::Clerk, UnitKind::Bureau, 1, COUNTY);
        let city_bureau = staff(Role::Clerk, UnitKind::Bureau, 2, "510000/510500/");
        let other_county = staff(Role::Clerk, UnitKind::Bureau, 3, "510000/510500/510503/");
        let unit_clerk = staff(Role::Clerk, UnitKind::HandlingUnit, 5, COUNTY);
        let other_unit = staff(Role::Clerk, UnitKind::HandlingUnit, 6, COUNTY);
        let mut lead = staff(Role::CaseLead, UnitKind::Bureau, 7, COUNTY);
        lead.account_id = Uuid::from_u128(77);
        let committee = staff(Role::CommitteeMember, UnitKind::Committee, 8, "510000/");
        let petitioner = petitioner(99);
        let p = parties();
        let ok = |c: &Caller, op| authorize(c, op, &p).is_ok();

        assert!(ok(&bureau, Operation::Route) && ok(&city_bureau, Operation::Route));
        assert!(!ok(&other_county, Operation::Route) && !ok(&unit_clerk, Operation::Route));
        assert!(ok(&unit_clerk, Operation::Respond) && !ok(&other_unit, Operation::Respond));
        assert!(!ok(&bureau, Operation::Respond));
        assert!(ok(&unit_clerk, Operation::Handle) && ok(&lead, Operation::Handle));
        assert!(!ok(&bureau, Operation::Handle) && !ok(&petitioner, Operation::Handle));
        assert!(ok(&lead, Operation::Extend) && !ok(&unit_clerk, Operation::Extend));
        assert!(ok(&committee, Operation::DesignateCaseLead) && ok(&bureau, Operation::DesignateCaseLead));
        assert!(!ok(&unit_clerk, Operation::DesignateCaseLead));
        assert!(ok(&lead, Operation::SetResolutionPlan) && !ok(&bureau, Operation::SetResolutionPlan));
        assert!(ok(&petitioner, Operation::PetitionerAct) && !ok(&bureau, Operation::PetitionerAct));
        assert_eq!(authorize(&lead, Operation::Handle, &p).unwrap().role(), Role::CaseLead);
        let err = authorize(&unit_clerk, Operation::Route, &p).unwrap_err();
        assert_eq!(err.code, ErrorCode::Forbidden);
    }

    #[test]
    fn figures_are_for_bureau_and_committee_staff_over_the_subtree() {
        let committee = staff(Role::CommitteeMember, UnitKind::Committee, 8, "510000/");
        let sees = |c: &Caller, path: &str| may_see_figures(c, path).is_ok();
        assert!(sees(&committee, COUNTY) && sees(&committee, "510000/"));
        let bureau = staff(Role::Clerk, UnitKind::Bureau, 1, COUNTY);
        assert!(sees(&bureau, COUNTY) && !sees(&bureau, "510000/510500/"));
        assert!(!sees(&staff(Role::Clerk, UnitKind::HandlingUnit, 5, COUNTY), COUNTY));
        assert!(!sees(&staff(Role::Admin, UnitKind::Bureau, 1, COUNTY), COUNTY));
    }

    #[test]
    fn live_feeds_follow_the_jurisdiction_and_the_unit() {
        let bureau = staff(Role::Clerk, UnitKind::Bureau, 1, COUNTY);
        assert!(may_follow_cases_in(&bureau, COUNTY).is_ok());
        assert!(may_follow_cases_in(&bureau, "510000/510500/").is_err());
        assert!(may_follow_cases_in(&petitioner(3), COUNTY).is_err());
        let unit = Uuid::from_u128(5);
        assert!(may_follow_notices_of(&staff(Role::Clerk, UnitKind::HandlingUnit, 5, COUNTY), unit, COUNTY).is_ok());
        assert!(may_follow_notices_of(&staff(Role::Clerk, UnitKind::HandlingUnit, 6, COUNTY), unit, COUNTY).is_err());
        assert!(may_follow_notices_of(&bureau, unit, COUNTY).is_ok());
        assert!(may_follow_notices_of(&bureau, unit, "510000/510500/510503/").is_err());
    }

    #[test]
    fn petitioners_submit_and_bureau_clerks_record() {
        assert_eq!(authorize_submission(&petitioner(1)).unwrap().role(), Role::Petitioner);
        let bureau = staff(Role::Clerk, UnitKind::Bureau, 1, COUNTY);
        assert_eq!(authorize_submission(&bureau).unwrap_err().code, ErrorCode::Forbidden);
        assert_eq!(authorize_recording(&bureau, COUNTY).unwrap().role(), Role::Clerk);
        assert!(authorize_recording(&bureau, "510000/510500/510503/").is_err());
        assert!(authorize_recording(&staff(Role::Clerk, UnitKind::HandlingUnit, 5, COUNTY), COUNTY).is_err());
    }

    #[test]
    fn contact_is_revealed_to_case_workers_who_may_know_the_petitioner() {
        let case = CaseFacts { petitioner_account_id: None, category: None, is_anonymous: false };
        assert!(may_reveal_contact(&staff(Role::Clerk, UnitKind::Bureau, 1, COUNTY), &case).is_ok());
        assert!(may_reveal_contact(&staff(Role::Admin, UnitKind::Bureau, 1, COUNTY), &case).is_err());
        let anonymous = CaseFacts { is_anonymous: true, ..case };
        assert!(may_reveal_contact(&staff(Role::Clerk, UnitKind::Bureau, 1, COUNTY), &anonymous).is_err());
    }

    #[test]
    fn each_escalation_has_its_deciders() {
        let committee = staff(Role::CommitteeMember, UnitKind::Committee, 1, "510000/510500/");
        let bureau = staff(Role::Clerk, UnitKind::Bureau, 2, "510000/510500/");
        assert!(may_decide(&committee, EscalationKind::JointConference, "510500").is_ok());
        assert!(may_decide(&bureau, EscalationKind::JointConference, "510500").is_err());
        assert!(may_decide(&committee, EscalationKind::JointConference, "510000").is_err());
        assert!(may_decide(&bureau, EscalationKind::UrgentReport, "510500").is_ok());
        assert!(may_decide(&bureau, EscalationKind::Review, "510500").is_ok());
        assert!(may_decide(&committee, EscalationKind::Review, "510500").is_err());
    }

    #[test]
    fn only_the_requester_withdraws_and_not_reviews() {
        let me = staff(Role::Clerk, UnitKind::Bureau, 2, COUNTY);
        let mine = Some(me.account_id);
        let p = parties();
        assert!(may_withdraw(&me, EscalationKind::JointConference, mine, &p).is_ok());
        let other = may_withdraw(&me, EscalationKind::UrgentReport, Some(Uuid::from_u128(99)), &p).unwrap_err();
        assert_eq!(other.code, ErrorCode::Forbidden);
        let review = may_withdraw(&me, EscalationKind::Review, mine, &p).unwrap_err();
        assert_eq!(review.code, ErrorCode::InvalidTransition);
    }

    #[test]
    fn covering_staff_and_the_lead_escalate() {
        let p = CaseParties { petitioner_account_id: None, ..parties() };
        assert!(may_escalate(&staff(Role::Clerk, UnitKind::Bureau, 1, COUNTY), &p).is_ok());
        assert!(may_escalate(&staff(Role::CommitteeMember, UnitKind::Committee, 8, "510000/"), &p).is_ok());
        assert!(may_escalate(&staff(Role::Clerk, UnitKind::HandlingUnit, 5, COUNTY), &p).is_err());
        let mut lead = staff(Role::CaseLead, UnitKind::HandlingUnit, 5, COUNTY);
        lead.account_id = Uuid::from_u128(77);
        assert_eq!(may_escalate(&lead, &p).unwrap().role(), Role::CaseLead);
    }

    #[test]
    fn issuers_are_committee_members_or_bureau_clerks_at_or_above() {
        let issue = |c: &Caller, path: &str| may_issue(c, path, "input.targetUnitId").map(|p| p.role());
        let committee = staff(Role::CommitteeMember, UnitKind::Committee, 1, "510000/");
        assert_eq!(issue(&committee, COUNTY).unwrap(), Role::CommitteeMember);
        assert_eq!(issue(&staff(Role::Clerk, UnitKind::Bureau, 2, COUNTY), COUNTY).unwrap(), Role::Clerk);
        let neighbour = issue(&staff(Role::Clerk, UnitKind::Bureau, 3, "510000/510500/510503/"), COUNTY).unwrap_err();
        assert_eq!((neighbour.code, neighbour.field.as_deref()), (ErrorCode::BadUserInput, Some("input.targetUnitId")));
        let unit_clerk = issue(&staff(Role::Clerk, UnitKind::HandlingUnit, 4, COUNTY), COUNTY).unwrap_err();
        assert_eq!(unit_clerk.code, ErrorCode::Forbidden);
        assert!(issue(&staff(Role::CaseLead, UnitKind::Bureau, 5, COUNTY), COUNTY).is_err());
        // Below the target's level is not enough.
        assert!(issue(&staff(Role::Clerk, UnitKind::Bureau, 6, COUNTY), "510000/510500/").is_err());
    }

    #[test]
    fn the_target_answers_and_the_issuer_closes() {
        let parties = NoticeParties { target_unit_id: Uuid::from_u128(5), issuer_unit_id: Uuid::from_u128(1) };
        let unit_clerk = staff(Role::Clerk, UnitKind::HandlingUnit, 5, COUNTY);
        let unit_lead = staff(Role::CaseLead, UnitKind::HandlingUnit, 5, COUNTY);
        let other_unit = staff(Role::Clerk, UnitKind::HandlingUnit, 6, COUNTY);
        let issuer = staff(Role::CommitteeMember, UnitKind::Committee, 1, "510000/");
        for action in [NoticeAction::Acknowledge, NoticeAction::Respond] {
            assert!(authorize_notice(&unit_clerk, action, &parties).is_ok());
            assert!(authorize_notice(&unit_lead, action, &parties).is_ok());
            assert!(authorize_notice(&other_unit, action, &parties).is_err());
            assert!(authorize_notice(&issuer, action, &parties).is_err());
        }
        for action in [NoticeAction::Close, NoticeAction::Reopen] {
            assert!(authorize_notice(&issuer, action, &parties).is_ok());
            assert_eq!(authorize_notice(&unit_clerk, action, &parties).unwrap_err().code, ErrorCode::Forbidden);
        }
    }
}
