//! Scope: which objects a caller may read at all (DOMAIN.md §2). Everything outside reads as `NOT_FOUND`.
//!
//! These functions decide; `crate::models` turns a scope into the one SQL filter every query of that kind of object
//! goes through, so no query can forget the rule. What a caller may *do* with an object it can read is decided in
//! [`super::permission`]; which of its fields it sees, in [`super::visibility`].

use crate::domain::ids::AccountId;
use crate::domain::ids::UnitId;

use super::organisation::UnitKind;
use super::role::Role;

/// The authenticated user behind a request, as far as authorization needs to know them.
#[derive(Clone, Debug)]
pub struct Caller {
    pub account_id: AccountId,
    pub username: String,
    /// The name the account goes by (a petitioner's, as their petitions carry it).
    pub display_name: String,
    pub roles: Vec<Role>,
    /// The staff member's unit and what kind of unit it is.
    pub unit: Option<(UnitId, UnitKind)>,
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

    /// Whether the caller holds any staff role (a petitioner who is also staff counts as staff).
    pub fn is_staff(&self) -> bool {
        self.roles.iter().any(|r| r.is_staff())
    }

    pub(super) fn unit_kind(&self) -> Option<UnitKind> {
        self.unit.map(|(_, kind)| kind)
    }

    /// The jurisdiction path the staff member is scoped to.
    pub fn jurisdiction_path(&self) -> Option<&str> {
        self.jurisdiction.as_ref().map(|(_, path)| path.as_str())
    }
}

/// Where a case worker (clerk, committee member, case lead) works: a bureau or committee covers its jurisdiction's
/// subtree; a handling unit covers what is with the unit. Admins and petitioners are no case workers.
struct Placement {
    subtree: Option<String>,
    unit: Option<UnitId>,
}

fn placement(caller: &Caller) -> Placement {
    let mut placement = Placement { subtree: None, unit: None };
    if caller.has_any_role(&[Role::Clerk, Role::CommitteeMember, Role::CaseLead]) {
        match caller.unit {
            Some((unit_id, UnitKind::HandlingUnit)) => placement.unit = Some(unit_id),
            Some((_, UnitKind::Bureau | UnitKind::Committee)) => {
                placement.subtree = caller.jurisdiction_path().map(str::to_owned)
            }
            None => {}
        }
    }
    placement
}

/// The accounts a caller may read: the staff placed in the subtree an admin administers or a bureau or committee
/// covers (to designate a case lead, to know who acts), or in the caller's own handling unit. Petitioners read
/// none but their own (`me`); staff contact details are not part of an account.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AccountScope {
    /// Accounts placed in the subtree with this materialised path.
    pub subtree: Option<String>,
    /// Accounts of this handling unit.
    pub unit: Option<UnitId>,
}

pub fn account_scope(caller: &Caller) -> AccountScope {
    let Placement { subtree, unit } = placement(caller);
    let administered = caller.has_role(Role::Admin).then(|| caller.jurisdiction_path().map(str::to_owned)).flatten();
    AccountScope { subtree: administered.or(subtree), unit }
}

/// The administration log an admin may read: the changes of accounts and units placed in its subtree. `None`:
/// the caller is no admin.
pub fn admin_log_scope(caller: &Caller) -> Option<String> {
    caller.has_role(Role::Admin).then(|| caller.jurisdiction_path().map(str::to_owned)).flatten()
}

/// The cases a caller may read: the union of the parts that are set. An empty scope reads nothing.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CaseScope {
    /// Cases this petitioner account filed.
    pub petitioner: Option<AccountId>,
    /// Cases whose jurisdiction lies in the subtree with this materialised path.
    pub subtree: Option<String>,
    /// Cases currently with this handling unit.
    pub unit: Option<UnitId>,
    /// Cases this case lead leads, wherever they are (DOMAIN.md §4).
    pub lead: Option<AccountId>,
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
    let Placement { subtree, unit } = placement(caller);
    CaseScope {
        petitioner: caller.has_role(Role::Petitioner).then_some(caller.account_id),
        subtree,
        unit,
        lead: caller.has_role(Role::CaseLead).then_some(caller.account_id),
    }
}

/// Which escalations a caller may read: those about cases in their scope; petitioners (callers who are not staff)
/// only their reviews and re-reviews (as [`super::visibility::CaseView::shows_escalation`] says for one case).
#[derive(Clone, Debug)]
pub struct EscalationScope {
    pub cases: CaseScope,
    pub staff: bool,
}

pub fn escalation_scope(caller: &Caller) -> EscalationScope {
    EscalationScope { cases: case_scope(caller), staff: caller.is_staff() }
}

/// Which supervision notices a caller reads: those about units in their jurisdiction's subtree (bureau and committee
/// staff), or those addressed to their own unit (handling-unit staff). Petitioners and admins read none.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NoticeScope {
    pub subtree: Option<String>,
    pub unit: Option<UnitId>,
}

impl NoticeScope {
    pub fn is_empty(&self) -> bool {
        *self == NoticeScope::default()
    }
}

pub fn notice_scope(caller: &Caller) -> NoticeScope {
    let Placement { subtree, unit } = placement(caller);
    NoticeScope { subtree, unit }
}

#[cfg(test)]
pub(super) fn staff(role: Role, kind: UnitKind, unit: u128, path: &str) -> Caller {
    let code = path.split_terminator('/').next_back().unwrap_or_default().to_owned();
    Caller {
        account_id: AccountId::from_u128(1000 + unit),
        username: "x".into(),
        display_name: "x".into(),
        roles: vec![role],
        unit: Some((UnitId::from_u128(unit), kind)),
        jurisdiction: Some((code, path.into())),
    }
}

#[cfg(test)]
pub(super) fn petitioner(account: u128) -> Caller {
    Caller {
        account_id: AccountId::from_u128(account),
        username: "p".into(),
        display_name: "p".into(),
        roles: vec![Role::Petitioner],
        unit: None,
        jurisdiction: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const COUNTY: &str = "510000/510500/510502/";

    #[test]
    fn accounts_are_read_by_admins_and_case_workers_of_the_subtree_and_by_no_petitioner() {
        assert_eq!(account_scope(&petitioner(7)), AccountScope::default());
        let admin = staff(Role::Admin, UnitKind::HandlingUnit, 42, COUNTY);
        assert_eq!(account_scope(&admin), AccountScope { subtree: Some(COUNTY.into()), unit: None });
        let clerk = staff(Role::Clerk, UnitKind::Bureau, 42, COUNTY);
        assert_eq!(account_scope(&clerk), AccountScope { subtree: Some(COUNTY.into()), unit: None });
        let unit_clerk = staff(Role::Clerk, UnitKind::HandlingUnit, 42, COUNTY);
        assert_eq!(account_scope(&unit_clerk), AccountScope { subtree: None, unit: Some(UnitId::from_u128(42)) });
        assert_eq!(admin_log_scope(&admin).as_deref(), Some(COUNTY));
        assert_eq!(admin_log_scope(&clerk), None);
    }

    #[test]
    fn petitioner_reads_only_own_cases() {
        let scope = case_scope(&petitioner(7));
        assert_eq!(scope, CaseScope { petitioner: Some(AccountId::from_u128(7)), ..Default::default() });
    }

    #[test]
    fn bureau_and_committee_staff_read_their_subtree() {
        for role in [Role::Clerk, Role::CommitteeMember] {
            for kind in [UnitKind::Bureau, UnitKind::Committee] {
                let scope = case_scope(&staff(role, kind, 42, COUNTY));
                assert_eq!(scope.subtree.as_deref(), Some(COUNTY));
                assert_eq!(scope.unit, None);
            }
        }
    }

    #[test]
    fn handling_unit_staff_read_their_units_cases() {
        let scope = case_scope(&staff(Role::Clerk, UnitKind::HandlingUnit, 42, COUNTY));
        assert_eq!(scope, CaseScope { unit: Some(UnitId::from_u128(42)), ..Default::default() });
    }

    #[test]
    fn case_leads_also_read_the_cases_they_lead() {
        let lead = staff(Role::CaseLead, UnitKind::HandlingUnit, 42, COUNTY);
        let scope = case_scope(&lead);
        assert_eq!(scope.lead, Some(lead.account_id));
        assert_eq!(scope.unit, Some(UnitId::from_u128(42)));
    }

    #[test]
    fn admins_and_unplaced_staff_read_nothing() {
        assert!(case_scope(&staff(Role::Admin, UnitKind::Bureau, 42, COUNTY)).is_empty());
        let mut unplaced = staff(Role::Clerk, UnitKind::Bureau, 42, COUNTY);
        unplaced.unit = None;
        assert!(case_scope(&unplaced).is_empty());
    }

    #[test]
    fn notices_are_read_in_the_subtree_or_the_own_unit() {
        let bureau = notice_scope(&staff(Role::Clerk, UnitKind::Bureau, 1, COUNTY));
        assert_eq!(bureau.subtree.as_deref(), Some(COUNTY));
        let unit = notice_scope(&staff(Role::Clerk, UnitKind::HandlingUnit, 5, COUNTY));
        assert_eq!(unit, NoticeScope { subtree: None, unit: Some(UnitId::from_u128(5)) });
        assert!(notice_scope(&petitioner(9)).is_empty());
        assert!(notice_scope(&staff(Role::Admin, UnitKind::Bureau, 1, COUNTY)).is_empty());
    }
}
