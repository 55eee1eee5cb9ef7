//! Supervision notices (督办, DOMAIN.md §6, Arts 39-40): their kinds and their lifecycle. Pure:
//! `crate::services::oversight` loads, asks here (and `super::permission` who may act), and writes.

use crate::error::{AppError, ErrorCode, Message};

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

text_enum! {
    /// What an entry of a notice's history records.
    NoticeEventKind {
        /// Issued to the unit.
        Issued => "ISSUED",
        /// The unit confirmed receipt.
        Acknowledged => "ACKNOWLEDGED",
        /// The unit responded.
        Responded => "RESPONDED",
        /// The issuer closed it.
        Closed => "CLOSED",
        /// The issuer reopened it.
        Reopened => "REOPENED",
        /// No response by the due time (written by the sweep).
        Overdue => "OVERDUE",
    }
}

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
    pub const fn event(self) -> NoticeEventKind {
        match self {
            NoticeAction::Acknowledge => NoticeEventKind::Acknowledged,
            NoticeAction::Respond => NoticeEventKind::Responded,
            NoticeAction::Close => NoticeEventKind::Closed,
            NoticeAction::Reopen => NoticeEventKind::Reopened,
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
            Message::NoticeCannot(from.as_str().to_string(), action.verb().to_string()),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
