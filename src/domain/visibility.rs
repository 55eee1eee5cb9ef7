//! Visibility: which parts of a case a caller who may read it sees (DOMAIN.md §7). Decided here, once per caller
//! and case; resolvers and live updates only apply the [`CaseView`].

use super::case::Category;
use super::escalation::EscalationKind;
use super::scope::Caller;
use crate::domain::ids::AccountId;

/// What visibility needs to know about a case.
#[derive(Clone, Copy, Debug)]
pub struct CaseFacts {
    pub petitioner_account_id: Option<AccountId>,
    pub category: Option<Category>,
    pub is_anonymous: bool,
}

/// How much of the petitioner a caller sees.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PetitionerView {
    /// The petitioner looking at their own case: name and contact data in full.
    Own,
    /// Staff who may know who petitioned: the name, and contact data masked (revealing it is an audited act).
    Known,
    /// Nothing: anonymous petitions, and accusations seen by the handling unit (Art 30 ¶3).
    Withheld,
}

/// What one caller sees of one case they may read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CaseView {
    pub petitioner: PetitionerView,
    /// The petitioner's own view: staff-only history entries are left out, and of the others the internal note,
    /// who acted and the details; so are the case lead's account and the resolution plan.
    pub public_only: bool,
    /// Staff see every escalation; petitioners the reviews only (joint conferences and urgent reports are
    /// internal).
    pub all_escalations: bool,
}

impl CaseView {
    pub fn shows_event(&self, staff_only: bool) -> bool {
        !(self.public_only && staff_only)
    }

    pub fn shows_escalation(&self, kind: EscalationKind) -> bool {
        self.all_escalations || kind.is_review()
    }
}

/// What `caller` sees of a case it may read.
pub fn case_view(caller: &Caller, case: &CaseFacts) -> CaseView {
    let own = case.petitioner_account_id == Some(caller.account_id);
    let staff = caller.is_staff();
    let petitioner = if own {
        PetitionerView::Own
    } else if may_see_petitioner(caller, case) {
        PetitionerView::Known
    } else {
        PetitionerView::Withheld
    };
    CaseView { petitioner, public_only: own && !staff, all_escalations: staff }
}

/// Whether `caller`, who may read the case, may also know who the petitioner is.
///
/// Art 30 ¶3: the identity of whoever raises an accusation never reaches the unit or person reported on, so
/// handling-unit staff see accusations with the petitioner withheld; bureau and committee staff see it.
/// An anonymous petition has no identity to show to anyone but its author.
pub fn may_see_petitioner(caller: &Caller, case: &CaseFacts) -> bool {
    use super::organisation::UnitKind;
    if case.petitioner_account_id == Some(caller.account_id) {
        return true;
    }
    if case.is_anonymous || !caller.is_staff() {
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
    use crate::domain::organisation::UnitKind;
    use crate::domain::role::Role;
    use crate::domain::scope::{petitioner, staff};

    const COUNTY: &str = "510000/510500/510502/";

    #[test]
    fn accusers_are_hidden_from_handling_units() {
        let accusation =
            CaseFacts { petitioner_account_id: None, category: Some(Category::Accusation), is_anonymous: false };
        let demand = CaseFacts { category: Some(Category::AppealDemand), ..accusation };
        let unit_clerk = staff(Role::Clerk, UnitKind::HandlingUnit, 5, COUNTY);
        let bureau_clerk = staff(Role::Clerk, UnitKind::Bureau, 1, COUNTY);
        let committee = staff(Role::CommitteeMember, UnitKind::Committee, 8, COUNTY);
        assert!(!may_see_petitioner(&unit_clerk, &accusation));
        assert!(may_see_petitioner(&unit_clerk, &demand));
        assert!(may_see_petitioner(&bureau_clerk, &accusation));
        assert!(may_see_petitioner(&committee, &accusation));
        assert_eq!(case_view(&unit_clerk, &accusation).petitioner, PetitionerView::Withheld);
        assert_eq!(case_view(&bureau_clerk, &accusation).petitioner, PetitionerView::Known);
    }

    #[test]
    fn anonymous_petitions_show_no_identity_but_to_their_author() {
        let mut case =
            CaseFacts { petitioner_account_id: Some(AccountId::from_u128(7)), category: None, is_anonymous: true };
        assert!(may_see_petitioner(&petitioner(7), &case));
        assert_eq!(case_view(&petitioner(7), &case).petitioner, PetitionerView::Own);
        case.petitioner_account_id = None;
        assert!(!may_see_petitioner(&staff(Role::Clerk, UnitKind::Bureau, 1, COUNTY), &case));
    }

    #[test]
    fn petitioners_see_the_public_history_and_reviews_only() {
        let case =
            CaseFacts { petitioner_account_id: Some(AccountId::from_u128(7)), category: None, is_anonymous: false };
        let own = case_view(&petitioner(7), &case);
        assert!(own.public_only && !own.shows_event(true) && own.shows_event(false));
        assert!(own.shows_escalation(EscalationKind::Review));
        assert!(!own.shows_escalation(EscalationKind::JointConference));
        let clerk = case_view(&staff(Role::Clerk, UnitKind::Bureau, 1, COUNTY), &case);
        assert!(!clerk.public_only && clerk.shows_event(true));
        assert!(clerk.shows_escalation(EscalationKind::UrgentReport));
        // Staff who petitioned themselves still see their case as staff.
        let mut both = staff(Role::Clerk, UnitKind::Bureau, 1, COUNTY);
        both.account_id = AccountId::from_u128(7);
        both.roles.push(Role::Petitioner);
        assert!(!case_view(&both, &case).public_only);
    }
}
