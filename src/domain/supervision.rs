//! Supervision notices (督办, DOMAIN.md §6, Arts 39-40): their kinds, their lifecycle, and who may do what with
//! them. Pure: `crate::oversight` loads, asks here, and writes.

use uuid::Uuid;

use super::access::Caller;
use super::organisation::{is_within, UnitKind};
use super::role::Role;
use crate::error::{AppError, ErrorCode};

text_enum! {
    /// What kind of supervision a notice exercises.
    NoticeType {
        /// 督办: supervision with improvement proposals.
        Supervision => "SUPERVISION",
        /// 完善政策建议: a proposal to improve policy.
        PolicyProposal => "POLICY_PROPOSAL",
        /// 追责建议: a proposal to hold someone accountable.
        Accountability => "ACCOUNTABILITY",
        /// 挂牌督办: listed (publicly tracked) supervision.
        Listed => "LISTED",
        /// 约谈: the unit's leaders are summoned for a talk.
        Summons => "SUMMONS",
        /// 通报: a circular naming the unit.
        Circular => "CIRCULAR",
    }
}

text_enum! {
    /// What prompted a notice.
    NoticeTrigger {
        /// Acceptance overdue.
        OverdueAcceptance => "OVERDUE_ACCEPTANCE",
        /// Handling overdue.
        OverdueHandling => "OVERDUE_HANDLING",
        /// Handled improperly.
        ImproperHandling => "IMPROPER_HANDLING",
        /// 推诿敷衍拖延: buck-passing, perfunctory handling or delay.
        BuckPassing => "BUCK_PASSING",
        /// Falsified results.
        Falsification => "FALSIFICATION",
        /// Refused to carry out a handling opinion.
        RefusedOpinion => "REFUSED_OPINION",
        /// Anything else (say what in the requirements).
        Other => "OTHER",
    }
}

text_enum! {
    /// Where a supervision notice stands.
    NoticeStatus {
        /// Issued, not yet acknowledged by the unit.
        Issued => "ISSUED",
        /// 签收: the unit acknowledged receipt.
        Acknowledged => "ACKNOWLEDGED",
        /// 书面反馈: the unit responded in writing.
        Responded => "RESPONDED",
        /// The issuer closed it.
        Closed => "CLOSED",
        /// The issuer reopened it: a new response is due.
        Reopened => "REOPENED",
    }
}

impl NoticeStatus {
    /// The statuses in which the unit owes a response, as stored (for queries).
    pub const AWAITING_RESPONSE: [&'static str; 3] =
        [NoticeStatus::Issued.as_str(), NoticeStatus::Acknowledged.as_str(), NoticeStatus::Reopened.as_str()];

    /// Whether the unit still owes a response (and can be overdue).
    pub const fn awaits_response(self) -> bool {
        matches!(self, NoticeStatus::Issued | NoticeStatus::Acknowledged | NoticeStatus::Reopened)
    }
}

/// The response is due this many days after issue unless the issuer says otherwise (DOMAIN.md §6).
pub const DEFAULT_RESPONSE_DAYS: u32 = 30;
/// The longest response period an issuer may set.
pub const MAX_RESPONSE_DAYS: u32 = 90;
/// How many cases one notice may be about.
pub const MAX_CASES_PER_NOTICE: usize = 50;

/// A step in a notice's lifecycle after it was issued.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NoticeAction {
    Acknowledge,
    Respond,
    Close,
    Reopen,
}

impl NoticeAction {
    /// The history entry it leaves.
    pub const fn event(self) -> &'static str {
        match self {
            NoticeAction::Acknowledge => "ACKNOWLEDGED",
            NoticeAction::Respond => "RESPONDED",
            NoticeAction::Close => "CLOSED",
            NoticeAction::Reopen => "REOPENED",
        }
    }

    const fn verb(self) -> &'static str {
        match self {
            NoticeAction::Acknowledge => "acknowledged",
            NoticeAction::Respond => "responded to",
            NoticeAction::Close => "closed",
            NoticeAction::Reopen => "reopened",
        }
    }
}

/// `ISSUED → ACKNOWLEDGED → RESPONDED → CLOSED`; the issuer may reopen a responded or closed notice, which then
/// needs a new response.
pub fn next_notice_status(from: NoticeStatus, action: NoticeAction) -> Result<NoticeStatus, AppError> {
    use NoticeStatus as S;
    match (from, action) {
        (S::Issued, NoticeAction::Acknowledge) => Ok(S::Acknowledged),
        (S::Acknowledged | S::Reopened, NoticeAction::Respond) => Ok(S::Responded),
        (S::Responded, NoticeAction::Close) => Ok(S::Closed),
        (S::Responded | S::Closed, NoticeAction::Reopen) => Ok(S::Reopened),
        _ => Err(AppError::new(
            ErrorCode::InvalidTransition,
            format!("a notice in status {} cannot be {}", from.as_str(), action.verb()),
        )),
    }
}

/// Which notices a caller may read: those about units in their jurisdiction's subtree (bureau and committee
/// staff), or those addressed to their own unit (handling-unit staff). Petitioners and admins read none.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NoticeScope {
    pub subtree: Option<String>,
    pub unit: Option<Uuid>,
}

impl NoticeScope {
    pub fn is_empty(&self) -> bool {
        *self == NoticeScope::default()
    }
}

pub fn notice_scope(caller: &Caller) -> NoticeScope {
    let mut scope = NoticeScope::default();
    if !caller.has_any_role(&[Role::Clerk, Role::CommitteeMember, Role::CaseLead]) {
        return scope;
    }
    match caller.unit {
        Some((_, UnitKind::Bureau | UnitKind::Committee)) => {
            scope.subtree = caller.jurisdiction_path().map(str::to_owned)
        }
        Some((unit, UnitKind::HandlingUnit)) => scope.unit = Some(unit),
        None => {}
    }
    scope
}

/// Who may issue a notice to a unit whose jurisdiction has path `target_path`: a committee member or a bureau clerk
/// at that jurisdiction or above. Returns the role they act in; a unit outside their jurisdiction is bad input,
/// naming `field`.
pub fn may_issue(caller: &Caller, target_path: &str, field: &str) -> Result<Role, AppError> {
    let kind = caller.unit.map(|(_, k)| k);
    let role = if caller.has_role(Role::CommitteeMember) && kind == Some(UnitKind::Committee) {
        Role::CommitteeMember
    } else if caller.has_role(Role::Clerk) && kind == Some(UnitKind::Bureau) {
        Role::Clerk
    } else {
        return Err(AppError::forbidden("only committee members or bureau clerks issue supervision notices"));
    };
    if !caller.jurisdiction_path().is_some_and(|p| is_within(target_path, p)) {
        return Err(AppError::bad_input(field, "the unit lies outside your jurisdiction"));
    }
    Ok(role)
}

/// The units a notice joins.
#[derive(Clone, Copy, Debug)]
pub struct NoticeParties {
    pub target_unit_id: Uuid,
    pub issuer_unit_id: Uuid,
}

/// Who may take `action` on a notice: the target unit's clerks and case leads acknowledge and respond; the issuing
/// unit's committee members and clerks close and reopen. Returns the role they act in.
pub fn authorize_notice(caller: &Caller, action: NoticeAction, parties: &NoticeParties) -> Result<Role, AppError> {
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
            return Ok(*role);
        }
    }
    Err(AppError::forbidden(format!("only {who} may do this")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn staff(role: Role, kind: UnitKind, unit: u128, path: &str) -> Caller {
        Caller {
            account_id: Uuid::from_u128(1000 + unit),
            username: "x".into(),
            roles: vec![role],
            unit: Some((Uuid::from_u128(unit), kind)),
            jurisdiction: Some(("x".into(), path.into())),
        }
    }

    #[test]
    fn lifecycle_follows_the_table() {
        use NoticeAction as A;
        use NoticeStatus as S;
        assert_eq!(next_notice_status(S::Issued, A::Acknowledge).unwrap(), S::Acknowledged);
        assert_eq!(next_notice_status(S::Acknowledged, A::Respond).unwrap(), S::Responded);
        assert_eq!(next_notice_status(S::Responded, A::Close).unwrap(), S::Closed);
        assert_eq!(next_notice_status(S::Closed, A::Reopen).unwrap(), S::Reopened);
        assert_eq!(next_notice_status(S::Reopened, A::Respond).unwrap(), S::Responded);
        for (from, action) in [
            (S::Issued, A::Respond),
            (S::Issued, A::Close),
            (S::Acknowledged, A::Close),
            (S::Closed, A::Acknowledge),
            (S::Reopened, A::Acknowledge),
            (S::Issued, A::Reopen),
        ] {
            let err = next_notice_status(from, action).unwrap_err();
            assert_eq!(err.code, ErrorCode::InvalidTransition, "{from:?} {action:?}");
        }
        assert!(S::Reopened.awaits_response() && !S::Responded.awaits_response());
        let awaiting: Vec<&str> = S::ALL.iter().filter(|s| s.awaits_response()).map(|s| s.as_str()).collect();
        assert_eq!(awaiting, S::AWAITING_RESPONSE);
    }

    #[test]
    fn issuers_are_committee_members_or_bureau_clerks_at_or_above() {
        let county = "510000/510500/510502/";
        let issue = |c: &Caller, path: &str| may_issue(c, path, "input.targetUnitId");
        let committee = staff(Role::CommitteeMember, UnitKind::Committee, 1, "510000/");
        assert_eq!(issue(&committee, county).unwrap(), Role::CommitteeMember);
        assert_eq!(issue(&staff(Role::Clerk, UnitKind::Bureau, 2, county), county).unwrap(), Role::Clerk);
        let neighbour = issue(&staff(Role::Clerk, UnitKind::Bureau, 3, "510000/510500/510503/"), county).unwrap_err();
        assert_eq!((neighbour.code, neighbour.field.as_deref()), (ErrorCode::BadUserInput, Some("input.targetUnitId")));
        let unit_clerk = issue(&staff(Role::Clerk, UnitKind::HandlingUnit, 4, county), county).unwrap_err();
        assert_eq!(unit_clerk.code, ErrorCode::Forbidden);
        assert!(issue(&staff(Role::CaseLead, UnitKind::Bureau, 5, county), county).is_err());
        // Below the target's level is not enough.
        assert!(issue(&staff(Role::Clerk, UnitKind::Bureau, 6, county), "510000/510500/").is_err());
    }

    #[test]
    fn the_target_answers_and_the_issuer_closes() {
        let county = "510000/510500/510502/";
        let parties = NoticeParties { target_unit_id: Uuid::from_u128(5), issuer_unit_id: Uuid::from_u128(1) };
        let unit_clerk = staff(Role::Clerk, UnitKind::HandlingUnit, 5, county);
        let unit_lead = staff(Role::CaseLead, UnitKind::HandlingUnit, 5, county);
        let other_unit = staff(Role::Clerk, UnitKind::HandlingUnit, 6, county);
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

    #[test]
    fn scope_is_the_subtree_or_the_own_unit() {
        let county = "510000/510500/510502/";
        let bureau = notice_scope(&staff(Role::Clerk, UnitKind::Bureau, 1, county));
        assert_eq!(bureau.subtree.as_deref(), Some(county));
        let unit = notice_scope(&staff(Role::Clerk, UnitKind::HandlingUnit, 5, county));
        assert_eq!(unit, NoticeScope { subtree: None, unit: Some(Uuid::from_u128(5)) });
        let petitioner = Caller {
            account_id: Uuid::from_u128(9),
            username: "p".into(),
            roles: vec![Role::Petitioner],
            unit: None,
            jurisdiction: None,
        };
        assert!(notice_scope(&petitioner).is_empty());
        assert!(notice_scope(&staff(Role::Admin, UnitKind::Bureau, 1, county)).is_empty());
    }
}
