//! Escalations (DOMAIN.md §5): their kinds and decisions, where each goes, and who decides. Pure.

use super::access::Caller;
use super::access::{authorize, CaseParties, Operation};
use super::organisation::UnitKind;
use super::role::Role;
use crate::error::AppError;

text_enum! {
    /// What an escalation asks of a higher body.
    EscalationKind {
        /// 复查: the petitioner asks the level above to review a handling opinion (Art 35).
        Review => "REVIEW",
        /// 复核: the petitioner asks the level above the reviewer to re-review its decision (Art 36).
        ReReview => "RE_REVIEW",
        /// A major or difficult matter, or a jurisdiction dispute, put to a joint conference (Art 24).
        JointConference => "JOINT_CONFERENCE",
        /// A major or urgent matter reported to the level above (Art 25).
        UrgentReport => "URGENT_REPORT",
    }
}

text_enum! {
    /// How an escalation was decided.
    EscalationDecision {
        /// Review: the opinion stands (维持).
        Upheld => "UPHELD",
        /// Review: the opinion is changed (变更).
        Changed => "CHANGED",
        /// Review: the opinion is revoked and the matter handled anew (撤销).
        Revoked => "REVOKED",
        /// Joint conference: a coordination opinion was given (and, for a dispute, who handles it).
        Coordinated => "COORDINATED",
        /// Urgent report: the level above gave instructions.
        Instructed => "INSTRUCTED",
    }
}

text_enum! {
    /// Where an escalation stands.
    EscalationStatus {
        /// Waiting for the higher body.
        Pending => "PENDING",
        /// Decided.
        Decided => "DECIDED",
        /// Withdrawn by whoever asked.
        Withdrawn => "WITHDRAWN",
    }
}

impl EscalationKind {
    /// Whether the petitioner asked for it (and so may see it).
    pub const fn is_review(self) -> bool {
        matches!(self, EscalationKind::Review | EscalationKind::ReReview)
    }

    /// The decisions that answer this kind.
    pub const fn decisions(self) -> &'static [EscalationDecision] {
        use EscalationDecision as D;
        match self {
            EscalationKind::Review | EscalationKind::ReReview => &[D::Upheld, D::Changed, D::Revoked],
            EscalationKind::JointConference => &[D::Coordinated],
            EscalationKind::UrgentReport => &[D::Instructed],
        }
    }

    /// How many days the higher body has to decide, unless the requester sets a shorter or longer period
    /// (up to [`MAX_DECISION_DAYS`]).
    pub const fn default_decision_days(self) -> u32 {
        match self {
            EscalationKind::UrgentReport => 15,
            _ => 30,
        }
    }
}

/// The longest decision period a requester may set for a joint conference or urgent report.
pub const MAX_DECISION_DAYS: u32 = 60;

/// Who may raise a case to a joint conference or report it up: bureau clerks and committee members whose
/// jurisdiction covers the case, and the case's lead. Returns the role they act in.
pub fn may_escalate(caller: &Caller, parties: &CaseParties) -> Result<Role, AppError> {
    // Designating a lead needs exactly the covering bureau clerk or committee member; the lead of the case is the
    // third party with standing.
    if let Ok(role) = authorize(caller, Operation::DesignateCaseLead, parties) {
        return Ok(role);
    }
    if caller.has_role(Role::CaseLead) && parties.case_lead_account_id == Some(caller.account_id) {
        return Ok(Role::CaseLead);
    }
    Err(AppError::forbidden("only bureau clerks or committee members over the case, or its case lead, escalate it"))
}

/// Who decides an escalation addressed to the jurisdiction `to_code`: staff placed exactly there. Reviews by its
/// bureau clerks or case leads; joint conferences by its committee members; urgent reports by its bureau or
/// committee staff. Returns the role they act in.
pub fn may_decide(caller: &Caller, kind: EscalationKind, to_code: &str) -> Result<Role, AppError> {
    let at_target = caller.jurisdiction.as_ref().is_some_and(|(code, _)| code == to_code);
    let kind_of_unit = caller.unit.map(|(_, k)| k);
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
        .find(|(role, unit)| at_target && caller.has_role(*role) && kind_of_unit == Some(*unit))
        .map(|(role, _)| *role)
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
/// petitioner gives up a review by withdrawing the case).
pub fn may_withdraw(caller: &Caller, kind: EscalationKind, requested_by: Option<uuid::Uuid>) -> Result<(), AppError> {
    if kind.is_review() {
        return Err(AppError::new(
            crate::error::ErrorCode::InvalidTransition,
            "a review is given up by withdrawing the case (withdrawCase)",
        ));
    }
    if requested_by != Some(caller.account_id) {
        return Err(AppError::forbidden("only whoever asked for the escalation withdraws it"));
    }
    Ok(())
}

/// The nearest jurisdiction above or at both paths (the common superior of Art 24), as a code.
pub fn common_superior(a_path: &str, b_path: &str) -> Option<String> {
    a_path
        .split_terminator('/')
        .zip(b_path.split_terminator('/'))
        .take_while(|(a, b)| a == b)
        .last()
        .map(|(a, _)| a.to_owned())
}

/// The jurisdiction one level above the one with `path`, as a code.
pub fn parent_code(path: &str) -> Option<String> {
    let codes: Vec<&str> = path.split_terminator('/').collect();
    codes.len().checked_sub(2).map(|i| codes[i].to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn staff(role: Role, kind: UnitKind, code: &str, path: &str) -> Caller {
        Caller {
            account_id: Uuid::from_u128(1),
            username: "x".into(),
            roles: vec![role],
            unit: Some((Uuid::from_u128(2), kind)),
            jurisdiction: Some((code.into(), path.into())),
        }
    }

    #[test]
    fn disputes_go_to_the_common_superior() {
        assert_eq!(common_superior("510000/510500/510502/", "510000/510500/510503/").as_deref(), Some("510500"));
        assert_eq!(common_superior("510000/510500/510502/", "510000/510600/510603/").as_deref(), Some("510000"));
        assert_eq!(common_superior("510000/", "520000/"), None);
        assert_eq!(parent_code("510000/510500/510502/").as_deref(), Some("510500"));
        assert_eq!(parent_code("510000/"), None);
    }

    #[test]
    fn each_kind_has_its_deciders_and_decisions() {
        let committee = staff(Role::CommitteeMember, UnitKind::Committee, "510500", "510000/510500/");
        let bureau = staff(Role::Clerk, UnitKind::Bureau, "510500", "510000/510500/");
        assert!(may_decide(&committee, EscalationKind::JointConference, "510500").is_ok());
        assert!(may_decide(&bureau, EscalationKind::JointConference, "510500").is_err());
        assert!(may_decide(&committee, EscalationKind::JointConference, "510000").is_err());
        assert!(may_decide(&bureau, EscalationKind::UrgentReport, "510500").is_ok());
        assert!(may_decide(&bureau, EscalationKind::Review, "510500").is_ok());
        assert!(may_decide(&committee, EscalationKind::Review, "510500").is_err());
        assert!(EscalationKind::Review.decisions().contains(&EscalationDecision::Upheld));
        assert!(!EscalationKind::JointConference.decisions().contains(&EscalationDecision::Upheld));
        assert!(EscalationKind::ReReview.is_review() && !EscalationKind::UrgentReport.is_review());
    }

    #[test]
    fn only_the_requester_withdraws_and_not_reviews() {
        let me = staff(Role::Clerk, UnitKind::Bureau, "510502", "510000/510500/510502/");
        let mine = Some(me.account_id);
        assert!(may_withdraw(&me, EscalationKind::JointConference, mine).is_ok());
        let other = may_withdraw(&me, EscalationKind::UrgentReport, Some(Uuid::from_u128(99))).unwrap_err();
        assert_eq!(other.code, crate::error::ErrorCode::Forbidden);
        let review = may_withdraw(&me, EscalationKind::Review, mine).unwrap_err();
        assert_eq!(review.code, crate::error::ErrorCode::InvalidTransition);
    }

    #[test]
    fn covering_staff_and_the_lead_escalate() {
        let county = "510000/510500/510502/";
        let parties = CaseParties {
            jurisdiction_path: county.into(),
            current_unit_id: Some(Uuid::from_u128(5)),
            case_lead_account_id: Some(Uuid::from_u128(77)),
            petitioner_account_id: None,
        };
        assert!(may_escalate(&staff(Role::Clerk, UnitKind::Bureau, "510502", county), &parties).is_ok());
        assert!(may_escalate(&staff(Role::CommitteeMember, UnitKind::Committee, "510000", "510000/"), &parties).is_ok());
        assert!(may_escalate(&staff(Role::Clerk, UnitKind::HandlingUnit, "510502", county), &parties).is_err());
        let mut lead = staff(Role::CaseLead, UnitKind::HandlingUnit, "510502", county);
        lead.account_id = Uuid::from_u128(77);
        assert_eq!(may_escalate(&lead, &parties).unwrap(), Role::CaseLead);
    }
}
