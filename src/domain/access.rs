//! Permission decisions: who may see which cases, and which parts of them (DOMAIN.md §2, §7).
//!
//! These functions decide; `crate::models::case` turns a [`CaseScope`] into the one SQL filter every case query
//! goes through, so no query can forget the scope rule.

use uuid::Uuid;

use super::case::Category;
use super::organisation::UnitKind;
use super::role::Role;
use crate::error::AppError;

/// The authenticated user behind a request, as far as authorization needs to know them.
#[derive(Clone, Debug)]
pub struct Caller {
    pub account_id: Uuid,
    pub username: String,
    pub roles: Vec<Role>,
    /// The staff member's unit and what kind of unit it is.
    pub unit: Option<(Uuid, UnitKind)>,
    /// The staff member's jurisdiction code and its materialised path.
    pub jurisdiction: Option<(String, String)>,
}

impl Caller {
    pub fn has_role(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    pub fn has_any_role(&self, roles: &[Role]) -> bool {
        roles.iter().any(|r| self.has_role(*r))
    }

    fn unit_kind(&self) -> Option<UnitKind> {
        self.unit.map(|(_, kind)| kind)
    }

    /// The jurisdiction path the staff member is scoped to.
    pub fn jurisdiction_path(&self) -> Option<&str> {
        self.jurisdiction.as_ref().map(|(_, path)| path.as_str())
    }
}

/// The cases a caller may read: the union of the parts that are set. An empty scope reads nothing.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CaseScope {
    /// Cases this petitioner account filed.
    pub petitioner: Option<Uuid>,
    /// Cases whose jurisdiction lies in the subtree with this materialised path.
    pub subtree: Option<String>,
    /// Cases currently with this handling unit.
    pub unit: Option<Uuid>,
    /// Cases this case lead leads, wherever they are (DOMAIN.md §4).
    pub lead: Option<Uuid>,
}

impl CaseScope {
    pub fn is_empty(&self) -> bool {
        *self == CaseScope::default()
    }
}

/// Which cases `caller` may read.
///
/// - A petitioner reads the cases they filed.
/// - Bureau and committee staff (clerks, committee members, case leads) read their jurisdiction's subtree.
/// - Handling-unit staff read the cases currently with their unit: the bureau decides what reaches them.
/// - A case lead also reads the cases they lead, wherever those are.
/// - An admin manages accounts and units, not cases, and reads none by virtue of that role.
pub fn case_scope(caller: &Caller) -> CaseScope {
    let mut scope = CaseScope::default();
    if caller.has_role(Role::Petitioner) {
        scope.petitioner = Some(caller.account_id);
    }
    if caller.has_any_role(&[Role::Clerk, Role::CommitteeMember, Role::CaseLead]) {
        match caller.unit {
            Some((unit_id, UnitKind::HandlingUnit)) => scope.unit = Some(unit_id),
            Some((_, UnitKind::Bureau | UnitKind::Committee)) => {
                scope.subtree = caller.jurisdiction_path().map(str::to_owned)
            }
            None => {}
        }
    }
    if caller.has_role(Role::CaseLead) {
        scope.lead = Some(caller.account_id);
    }
    scope
}

/// What authorization needs to know about a case to decide on its fields.
#[derive(Clone, Copy, Debug)]
pub struct CaseFacts {
    pub petitioner_account_id: Option<Uuid>,
    pub category: Option<Category>,
    pub is_anonymous: bool,
}

/// Whether `caller`, who may read the case, may also see who the petitioner is.
///
/// Art 30 ¶3: the identity of whoever raises an accusation never reaches the unit or person reported on, so
/// handling-unit staff see accusations with the petitioner withheld; bureau and committee staff see it.
/// An anonymous petition has no identity to show to anyone but its author.
pub fn may_see_petitioner(caller: &Caller, case: &CaseFacts) -> bool {
    if case.petitioner_account_id == Some(caller.account_id) {
        return true;
    }
    if case.is_anonymous || !caller.roles.iter().any(|r| r.is_staff()) {
        return false;
    }
    match case.category {
        Some(Category::Accusation) => {
            matches!(caller.unit_kind(), Some(UnitKind::Bureau | UnitKind::Committee))
        }
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caller(roles: &[Role], unit: Option<UnitKind>) -> Caller {
        Caller {
            account_id: Uuid::from_u128(7),
            username: "someone".into(),
            roles: roles.to_vec(),
            unit: unit.map(|k| (Uuid::from_u128(42), k)),
            jurisdiction: unit.map(|_| ("510502".into(), "510000/510500/510502/".into())),
        }
    }

    #[test]
    fn petitioner_reads_only_own_cases() {
        let scope = case_scope(&caller(&[Role::Petitioner], None));
        assert_eq!(scope, CaseScope { petitioner: Some(Uuid::from_u128(7)), ..Default::default() });
    }

    #[test]
    fn bureau_and_committee_staff_read_their_subtree() {
        for role in [Role::Clerk, Role::CommitteeMember] {
            for kind in [UnitKind::Bureau, UnitKind::Committee] {
                let scope = case_scope(&caller(&[role], Some(kind)));
                assert_eq!(scope.subtree.as_deref(), Some("510000/510500/510502/"));
                assert_eq!(scope.unit, None);
            }
        }
    }

    #[test]
    fn handling_unit_staff_read_their_units_cases() {
        let scope = case_scope(&caller(&[Role::Clerk], Some(UnitKind::HandlingUnit)));
        assert_eq!(scope, CaseScope { unit: Some(Uuid::from_u128(42)), ..Default::default() });
    }

    #[test]
    fn case_leads_also_read_the_cases_they_lead() {
        let scope = case_scope(&caller(&[Role::CaseLead], Some(UnitKind::HandlingUnit)));
        assert_eq!(scope.lead, Some(Uuid::from_u128(7)));
        assert_eq!(scope.unit, Some(Uuid::from_u128(42)));
    }

    #[test]
    fn admins_and_unplaced_staff_read_nothing() {
        assert!(case_scope(&caller(&[Role::Admin], Some(UnitKind::Bureau))).is_empty());
        assert!(case_scope(&caller(&[Role::Clerk], None)).is_empty());
    }

    #[test]
    fn accusers_are_hidden_from_handling_units() {
        let accusation =
            CaseFacts { petitioner_account_id: None, category: Some(Category::Accusation), is_anonymous: false };
        let demand = CaseFacts { category: Some(Category::AppealDemand), ..accusation };
        let unit_clerk = caller(&[Role::Clerk], Some(UnitKind::HandlingUnit));
        let bureau_clerk = caller(&[Role::Clerk], Some(UnitKind::Bureau));
        let committee = caller(&[Role::CommitteeMember], Some(UnitKind::Committee));
        assert!(!may_see_petitioner(&unit_clerk, &accusation));
        assert!(may_see_petitioner(&unit_clerk, &demand));
        assert!(may_see_petitioner(&bureau_clerk, &accusation));
        assert!(may_see_petitioner(&committee, &accusation));
    }

    #[test]
    fn anonymous_petitions_show_no_identity_but_to_their_author() {
        let mut case =
            CaseFacts { petitioner_account_id: Some(Uuid::from_u128(7)), category: None, is_anonymous: true };
        assert!(may_see_petitioner(&caller(&[Role::Petitioner], None), &case));
        case.petitioner_account_id = None;
        assert!(!may_see_petitioner(&caller(&[Role::Clerk], Some(UnitKind::Bureau)), &case));
    }
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
        }
    }
}

fn staff_in(caller: &Caller, role: Role, kinds: &[UnitKind]) -> bool {
    caller.has_role(role) && caller.unit_kind().is_some_and(|k| kinds.contains(&k))
}

fn covers(caller: &Caller, parties: &CaseParties) -> bool {
    caller.jurisdiction_path().is_some_and(|p| super::organisation::is_within(&parties.jurisdiction_path, p))
}

/// Whether `caller`, who can see the case, may perform `op`; returns the role they act in.
///
/// Mirrors the "who" column of DOMAIN.md §3: bureau clerks of the case's jurisdiction or above route it and decide
/// objections; the handling unit's clerks accept or object; its clerks and the case's lead (or a lead of the
/// handling unit) handle it; only leads extend; committee members and bureau clerks designate leads; the
/// petitioner evaluates, asks for reviews and withdraws.
pub fn authorize(caller: &Caller, op: Operation, parties: &CaseParties) -> Result<Role, AppError> {
    let bureau_clerk = staff_in(caller, Role::Clerk, &[UnitKind::Bureau]) && covers(caller, parties);
    let at_unit = parties.current_unit_id.is_some() && caller.unit.map(|(id, _)| id) == parties.current_unit_id;
    let unit_clerk = caller.has_role(Role::Clerk) && at_unit;
    let lead = caller.has_role(Role::CaseLead) && (parties.case_lead_account_id == Some(caller.account_id) || at_unit);
    let committee = staff_in(caller, Role::CommitteeMember, &[UnitKind::Committee]) && covers(caller, parties);
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
    };
    allowed
        .iter()
        .find(|(ok, _)| *ok)
        .map(|(_, role)| *role)
        .ok_or_else(|| AppError::forbidden(format!("only {} may do this", op.who())))
}

/// Whether `caller` may record a petition received in the jurisdiction with path `path`: bureau clerks of it or
/// above.
pub fn may_record_in(caller: &Caller, path: &str) -> bool {
    staff_in(caller, Role::Clerk, &[UnitKind::Bureau])
        && caller.jurisdiction_path().is_some_and(|p| super::organisation::is_within(path, p))
}

/// Whether `caller` may see the portal figures of the jurisdiction with path `path`: bureau and committee staff
/// (clerks, case leads, committee members) whose jurisdiction covers it. Figures describe whole subtrees, so staff
/// of one handling unit do not get them.
pub fn may_see_figures(caller: &Caller, path: &str) -> bool {
    [Role::Clerk, Role::CaseLead, Role::CommitteeMember]
        .iter()
        .any(|r| staff_in(caller, *r, &[UnitKind::Bureau, UnitKind::Committee]))
        && caller.jurisdiction_path().is_some_and(|p| super::organisation::is_within(path, p))
}

#[cfg(test)]
mod operation_tests {
    use super::*;

    const COUNTY: &str = "510000/510500/510502/";

    fn staff(role: Role, kind: UnitKind, unit: u128, path: &str) -> Caller {
        Caller {
            account_id: Uuid::from_u128(1000 + unit),
            username: "x".into(),
            roles: vec![role],
            unit: Some((Uuid::from_u128(unit), kind)),
            jurisdiction: Some(("x".into(), path.into())),
        }
    }

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
        let petitioner = Caller {
            account_id: Uuid::from_u128(99),
            username: "p".into(),
            roles: vec![Role::Petitioner],
            unit: None,
            jurisdiction: None,
        };
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
        let err = authorize(&unit_clerk, Operation::Route, &p).unwrap_err();
        assert_eq!(err.code, crate::error::ErrorCode::Forbidden);
    }

    #[test]
    fn figures_are_for_bureau_and_committee_staff_over_the_subtree() {
        let committee = staff(Role::CommitteeMember, UnitKind::Committee, 8, "510000/");
        assert!(may_see_figures(&committee, COUNTY) && may_see_figures(&committee, "510000/"));
        let bureau = staff(Role::Clerk, UnitKind::Bureau, 1, COUNTY);
        assert!(may_see_figures(&bureau, COUNTY) && !may_see_figures(&bureau, "510000/510500/"));
        assert!(!may_see_figures(&staff(Role::Clerk, UnitKind::HandlingUnit, 5, COUNTY), COUNTY));
        assert!(!may_see_figures(&staff(Role::Admin, UnitKind::Bureau, 1, COUNTY), COUNTY));
    }

    #[test]
    fn recording_petitions() {
        let bureau = staff(Role::Clerk, UnitKind::Bureau, 1, COUNTY);
        assert!(may_record_in(&bureau, COUNTY));
        assert!(!may_record_in(&bureau, "510000/510500/510503/"));
        assert!(!may_record_in(&staff(Role::Clerk, UnitKind::HandlingUnit, 5, COUNTY), COUNTY));
    }
}
