//! Escalations (DOMAIN.md §5): their kinds and decisions, and where each goes. Pure;
//! who may escalate and who decides is in `super::permission`.

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

    #[test]
    fn disputes_go_to_the_common_superior() {
        assert_eq!(common_superior("510000/510500/510502/", "510000/510500/510503/").as_deref(), Some("510500"));
        assert_eq!(common_superior("510000/510500/510502/", "510000/510600/510603/").as_deref(), Some("510000"));
        assert_eq!(common_superior("510000/", "520000/"), None);
        assert_eq!(parent_code("510000/510500/510502/").as_deref(), Some("510500"));
        assert_eq!(parent_code("510000/"), None);
    }

    #[test]
    fn each_kind_has_its_decisions() {
        assert!(EscalationKind::Review.decisions().contains(&EscalationDecision::Upheld));
        assert!(!EscalationKind::JointConference.decisions().contains(&EscalationDecision::Upheld));
        assert!(EscalationKind::ReReview.is_review() && !EscalationKind::UrgentReport.is_review());
    }
}
