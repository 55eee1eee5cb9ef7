//! The case state machine (DOMAIN.md §3 table): which action takes a case from which status to which. Pure.

use super::case::{CaseStatus, EventKind};
use super::schedule::DeadlineKind;
use crate::error::{AppError, ErrorCode, Message};

/// The transitions of the table in DOMAIN.md §3.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Forward,
    Assign,
    RouteOut,
    NotAccept,
    Accept,
    Object,
    UpholdObjection,
    RejectObjection,
    Classify,
    Answer,
    RequestReview,
    DecideReview,
    RequestReReview,
    DecideReReview,
    Close,
    Withdraw,
}

impl Action {
    /// The history entry the transition leaves.
    pub const fn event(self) -> EventKind {
        match self {
            Action::Forward => EventKind::Forwarded,
            Action::Assign => EventKind::Assigned,
            Action::RouteOut => EventKind::RoutedOut,
            Action::NotAccept => EventKind::NotAccepted,
            Action::Accept => EventKind::Accepted,
            Action::Object => EventKind::Objected,
            Action::UpholdObjection => EventKind::ObjectionUpheld,
            Action::RejectObjection => EventKind::ObjectionRejected,
            Action::Classify => EventKind::Classified,
            Action::Answer => EventKind::Answered,
            Action::RequestReview => EventKind::ReviewRequested,
            Action::DecideReview => EventKind::Reviewed,
            Action::RequestReReview => EventKind::ReReviewRequested,
            Action::DecideReReview => EventKind::ReReviewed,
            Action::Close => EventKind::Closed,
            Action::Withdraw => EventKind::Withdrawn,
        }
    }

    /// The petitioner's window that must still be open for the action, if any: these are refused with
    /// `DEADLINE_PASSED` once it has run out. (Staff obligations are never refused for lateness: a late answer is
    /// still owed, and is recorded as late.)
    pub const fn window(self) -> Option<DeadlineKind> {
        match self {
            Action::Object => Some(DeadlineKind::Object),
            Action::RequestReview => Some(DeadlineKind::RequestReview),
            Action::RequestReReview => Some(DeadlineKind::RequestReReview),
            _ => None,
        }
    }
}

/// The status after `action` from `from`, or `INVALID_TRANSITION`. `assigned` tells whether the case was routed
/// by assignment (交办) rather than forwarding, for where a rejected objection returns to.
pub fn next_status(from: CaseStatus, action: Action, assigned: bool) -> Result<CaseStatus, AppError> {
    use CaseStatus as S;
    let to = match (from, action) {
        (S::Submitted, Action::Forward) => S::Forwarded,
        (S::Submitted, Action::Assign) => S::Assigned,
        (S::Submitted, Action::RouteOut) => S::RoutedOut,
        (S::Submitted, Action::NotAccept) => S::NotAccepted,
        (S::Forwarded | S::Assigned, Action::Accept) => S::Accepted,
        (S::Forwarded | S::Assigned, Action::Object) => S::Objected,
        (S::Objected, Action::UpholdObjection) => S::Submitted,
        (S::Objected, Action::RejectObjection) => {
            if assigned {
                S::Assigned
            } else {
                S::Forwarded
            }
        }
        (S::Accepted, Action::Classify) => S::InProgress,
        (S::InProgress, Action::Answer) => S::Answered,
        (S::Answered, Action::RequestReview) => S::ReviewRequested,
        (S::ReviewRequested, Action::DecideReview) => S::Reviewed,
        (S::Reviewed, Action::RequestReReview) => S::ReReviewRequested,
        (S::ReReviewRequested, Action::DecideReReview) => S::Final,
        (S::Answered | S::Reviewed, Action::Close) => S::Closed,
        (from, Action::Withdraw) if from.is_open() => S::Closed,
        (from, action) => {
            return Err(AppError::new(
                ErrorCode::InvalidTransition,
                Message::CaseCannot(from.as_str().to_owned(), format!("{action:?}")),
            ))
        }
    };
    Ok(to)
}

#[cfg(test)]
mod tests {
    use super::*;
    use CaseStatus as S;

    #[test]
    fn the_happy_path_of_the_table() {
        let path = [
            (S::Submitted, Action::Assign, S::Assigned),
            (S::Assigned, Action::Accept, S::Accepted),
            (S::Accepted, Action::Classify, S::InProgress),
            (S::InProgress, Action::Answer, S::Answered),
            (S::Answered, Action::RequestReview, S::ReviewRequested),
            (S::ReviewRequested, Action::DecideReview, S::Reviewed),
            (S::Reviewed, Action::RequestReReview, S::ReReviewRequested),
            (S::ReReviewRequested, Action::DecideReReview, S::Final),
        ];
        for (from, action, to) in path {
            assert_eq!(next_status(from, action, true).unwrap(), to, "{from:?} {action:?}");
        }
    }

    #[test]
    fn objections_go_back_where_they_came_from() {
        assert_eq!(next_status(S::Forwarded, Action::Object, false).unwrap(), S::Objected);
        assert_eq!(next_status(S::Objected, Action::UpholdObjection, false).unwrap(), S::Submitted);
        assert_eq!(next_status(S::Objected, Action::RejectObjection, true).unwrap(), S::Assigned);
        assert_eq!(next_status(S::Objected, Action::RejectObjection, false).unwrap(), S::Forwarded);
    }

    #[test]
    fn final_and_ended_cases_go_nowhere() {
        for from in [S::Final, S::Closed, S::RoutedOut, S::NotAccepted] {
            for action in [Action::Forward, Action::Accept, Action::Answer, Action::Withdraw, Action::RequestReview] {
                let err = next_status(from, action, false).unwrap_err();
                assert_eq!(err.code, ErrorCode::InvalidTransition);
            }
        }
        assert!(next_status(S::Submitted, Action::Answer, false).is_err());
        assert!(next_status(S::InProgress, Action::Accept, false).is_err());
        assert_eq!(next_status(S::InProgress, Action::Withdraw, false).unwrap(), S::Closed);
    }
}
