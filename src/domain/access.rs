//! Permission decisions: who may see which cases, and which parts of them (DOMAIN.md §2, §7).
//!
//! These functions decide; `crate::models::case` turns a [`CaseScope`] into the one SQL filter every case query
//! goes through, so no query can forget the scope rule.

use uuid::Uuid;

use super::case::Category;
use super::organisation::UnitKind;
use super::role::Role;

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
