//! The vocabulary of a case (DOMAIN.md §3): statuses, intake channels and categories.

text_enum! {
    /// Where a case stands in its lifecycle (DOMAIN.md §3).
    CaseStatus {
        /// Received, waiting to be routed by the bureau (Art 22: within 15 days).
        Submitted => "SUBMITTED",
        /// 转送: forwarded to the unit with authority over the matter.
        Forwarded => "FORWARDED",
        /// 交办: assigned to a unit with a handling period and a completion report.
        Assigned => "ASSIGNED",
        /// Outside petition work (litigation, discipline): the petitioner was told where to go.
        RoutedOut => "ROUTED_OUT",
        /// 不予受理: not accepted, with a reason.
        NotAccepted => "NOT_ACCEPTED",
        /// The handling unit objected that the matter is not its remit.
        Objected => "OBJECTED",
        /// 受理: accepted by the handling unit (Art 23: within 15 days).
        Accepted => "ACCEPTED",
        /// Classified and being handled.
        InProgress => "IN_PROGRESS",
        /// 答复: a handling opinion was served (Arts 32, 34: within 60 days).
        Answered => "ANSWERED",
        /// 复查 requested by the petitioner (Art 35).
        ReviewRequested => "REVIEW_REQUESTED",
        /// The review decision was served.
        Reviewed => "REVIEWED",
        /// 复核 requested by the petitioner (Art 36).
        ReReviewRequested => "RE_REVIEW_REQUESTED",
        /// The re-review decision is final; the matter is not accepted again.
        Final => "FINAL",
        /// Closed: no review asked in time, withdrawn, or closure commitment signed.
        Closed => "CLOSED",
    }
}

text_enum! {
    /// The level at which a petition was received, compared with where its matter belongs. Above the county of the
    /// matter it is a skip-level petition (越级) for that county.
    ReceivedLevel {
        /// By the bureau of the matter's own jurisdiction (or below it).
        Local => "LOCAL",
        /// By the city's bureau, above the county of the matter.
        City => "CITY",
        /// By the province's bureau.
        Province => "PROVINCE",
        /// Through a national channel (国家信访局), recorded by a provincial bureau.
        National => "NATIONAL",
    }
}

text_enum! {
    /// How a petition reached the state.
    Channel {
        /// Submitted online by the petitioner.
        Online => "ONLINE",
        /// Submitted through the mobile app.
        Mobile => "MOBILE",
        /// 来信: a letter, recorded by a bureau clerk.
        Letter => "LETTER",
        /// 来访: an in-person visit, recorded by a bureau clerk.
        Visit => "VISIT",
        /// A phone call, recorded by a bureau clerk.
        Phone => "PHONE",
        /// A fax, recorded by a bureau clerk.
        Fax => "FAX",
    }
}

text_enum! {
    /// The kind of matter (Art 29 ff.), fixed when the case is classified.
    Category {
        /// 建议意见: a suggestion or opinion.
        Suggestion => "SUGGESTION",
        /// 检举控告: an accusation; the petitioner's identity is withheld from the unit reported on (Art 30).
        Accusation => "ACCUSATION",
        /// 申诉求决: an appeal or demand.
        AppealDemand => "APPEAL_DEMAND",
    }
}

text_enum! {
    /// The outcome of a handling opinion (Art 32).
    Outcome {
        /// 予以支持: the request is supported.
        Supported => "SUPPORTED",
        /// 解释说明: explained; nothing to change.
        Explained => "EXPLAINED",
        /// 不予支持: not supported.
        NotSupported => "NOT_SUPPORTED",
    }
}

text_enum! {
    /// How the bureau sent a case to a handling unit (Art 22).
    Routing {
        /// 转送: forwarded; the unit handles it under its own periods.
        Forwarded => "FORWARDED",
        /// 交办: assigned, with a handling period and a completion report due.
        Assigned => "ASSIGNED",
    }
}

text_enum! {
    /// How a handling opinion was served.
    ServedVia {
        /// Handed over in person.
        InPerson => "IN_PERSON",
        /// By post.
        Post => "POST",
        /// Through the online platform or app.
        Online => "ONLINE",
        /// By phone, with a written copy to follow.
        Phone => "PHONE",
    }
}

text_enum! {
    /// Closure reasons staff may record.
    ClosureReason {
        /// The petitioner signed a closure commitment (息诉罢访).
        CommitmentSigned => "COMMITMENT_SIGNED",
        /// No review was requested within 30 days of the answer or review decision.
        NoReviewRequested => "NO_REVIEW_REQUESTED",
    }
}

text_enum! {
    /// 满意 / 基本满意 / 不满意.
    Satisfaction {
        /// 满意
        Satisfied => "SATISFIED",
        /// 基本满意
        BasicallySatisfied => "BASICALLY_SATISFIED",
        /// 不满意 (a reason is required)
        Dissatisfied => "DISSATISFIED",
    }
}

impl CaseStatus {
    /// Statuses in which the case still waits for somebody's action.
    pub const fn is_open(self) -> bool {
        !matches!(self, CaseStatus::RoutedOut | CaseStatus::NotAccepted | CaseStatus::Final | CaseStatus::Closed)
    }

    /// Statuses in which the matter counts as resolved (化解) for the case-lead figure (DOMAIN.md §8): answered and
    /// not contested, decided on review, final, or closed. A pending review is not resolved yet.
    pub const fn is_resolved(self) -> bool {
        matches!(self, CaseStatus::Answered | CaseStatus::Reviewed | CaseStatus::Final | CaseStatus::Closed)
    }
}

/// 查询码 characters: no 0/O, 1/I/L, so that a code read out over the phone is typed right.
pub const QUERY_CODE_ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";
pub const QUERY_CODE_LEN: usize = 8;

/// A fresh random query code.
pub fn new_query_code(rng: &mut impl rand::Rng) -> String {
    (0..QUERY_CODE_LEN).map(|_| QUERY_CODE_ALPHABET[rng.gen_range(0..QUERY_CODE_ALPHABET.len())] as char).collect()
}

/// `<county code>-<year>-<6-digit serial>`, e.g. `510502-2022-000017`.
pub fn case_reference(county_code: &str, year: i32, serial: u32) -> String {
    format!("{county_code}-{year}-{serial:06}")
}

text_enum! {
    /// What an entry in a case's history records: a transition, an activity, or an administrative act.
    EventKind {
        /// Submitted online or through the app by the petitioner.
        Submitted => "SUBMITTED",
        /// A letter, visit, call or fax recorded by a bureau clerk.
        Recorded => "RECORDED",
        /// 转送 to a handling unit.
        Forwarded => "FORWARDED",
        /// 交办 to a handling unit, with a handling period.
        Assigned => "ASSIGNED",
        /// Routed out of petition work, with where to go.
        RoutedOut => "ROUTED_OUT",
        /// Not accepted, with the reason.
        NotAccepted => "NOT_ACCEPTED",
        /// The handling unit objected that the matter is not its remit.
        Objected => "OBJECTED",
        /// The bureau agreed with the objection; the case is back for routing.
        ObjectionUpheld => "OBJECTION_UPHELD",
        /// The bureau rejected the objection; the unit must handle the case.
        ObjectionRejected => "OBJECTION_REJECTED",
        /// 受理: accepted by the handling unit.
        Accepted => "ACCEPTED",
        /// Classified; handling begins.
        Classified => "CLASSIFIED",
        /// The handling period was extended (Art 34).
        Extended => "EXTENDED",
        /// The handling opinion was served.
        Answered => "ANSWERED",
        /// The petitioner evaluated the bureau and the handling unit.
        Evaluated => "EVALUATED",
        /// 复查 requested.
        ReviewRequested => "REVIEW_REQUESTED",
        /// The review decision was served.
        Reviewed => "REVIEWED",
        /// 复核 requested.
        ReReviewRequested => "RE_REVIEW_REQUESTED",
        /// The re-review decision was served; the case is final.
        ReReviewed => "RE_REVIEWED",
        /// Closed (closure commitment, or no review asked in time).
        Closed => "CLOSED",
        /// Withdrawn by the petitioner.
        Withdrawn => "WITHDRAWN",
        /// A case lead (包案领导) was designated.
        CaseLeadDesignated => "CASE_LEAD_DESIGNATED",
        /// The case lead set or changed the resolution plan.
        PlanSet => "PLAN_SET",
        /// 接访: a reception of the petitioner.
        Reception => "RECEPTION",
        /// 下访: a home visit.
        HomeVisit => "HOME_VISIT",
        /// 约访: an appointment.
        Appointment => "APPOINTMENT",
        /// 回访: a return visit after the answer.
        ReturnVisit => "RETURN_VISIT",
        /// 会商: a consultation between units.
        Consultation => "CONSULTATION",
        /// A hearing (听证); its days do not count towards review periods (Art 36).
        Hearing => "HEARING",
        /// A note.
        Note => "NOTE",
        /// Staff revealed the petitioner's contact data (audited).
        ContactRevealed => "CONTACT_REVEALED",
        /// This petition repeats an earlier case and was linked to it.
        RepeatLinked => "REPEAT_LINKED",
        /// A deadline staff owed ran out unmet (recorded by the sweep, once per deadline).
        DeadlineMissed => "DEADLINE_MISSED",
        /// Raised to a joint conference or reported up as urgent (staff only).
        Escalated => "ESCALATED",
        /// A joint conference or the level above decided an escalation (staff only).
        EscalationDecided => "ESCALATION_DECIDED",
        /// Whoever asked for an escalation withdrew it (staff only).
        EscalationWithdrawn => "ESCALATION_WITHDRAWN",
        /// A supervision notice was issued about the case (staff only).
        Supervised => "SUPERVISED",
        /// A file was attached (its name, kind and SHA-256 in the details).
        FileAttached => "FILE_ATTACHED",
        /// A file attached earlier was withdrawn, with the reason; the file stays.
        FileWithdrawn => "FILE_WITHDRAWN",
    }
}

impl EventKind {
    /// Activities a member of staff may log with `logActivity`.
    pub const ACTIVITIES: &'static [EventKind] = &[
        EventKind::Reception,
        EventKind::HomeVisit,
        EventKind::Appointment,
        EventKind::ReturnVisit,
        EventKind::Consultation,
        EventKind::Hearing,
        EventKind::Note,
    ];
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_spelling_round_trips() {
        for s in CaseStatus::ALL {
            assert_eq!(CaseStatus::parse(s.as_str()), Some(*s));
        }
        for c in Channel::ALL {
            assert_eq!(Channel::parse(c.as_str()), Some(*c));
        }
        for c in Category::ALL {
            assert_eq!(Category::parse(c.as_str()), Some(*c));
        }
        assert_eq!(CaseStatus::parse("submitted"), None);
    }

    #[test]
    fn open_statuses() {
        assert!(CaseStatus::Submitted.is_open());
        assert!(CaseStatus::Answered.is_open());
        assert!(!CaseStatus::Final.is_open());
        assert!(!CaseStatus::Closed.is_open());
        assert!(CaseStatus::Answered.is_resolved() && CaseStatus::Closed.is_resolved());
        assert!(!CaseStatus::ReviewRequested.is_resolved() && !CaseStatus::InProgress.is_resolved());
    }

    #[test]
    fn references_and_query_codes() {
        assert_eq!(case_reference("510502", 2022, 17), "510502-2022-000017");
        let code = new_query_code(&mut rand::thread_rng());
        assert_eq!(code.len(), QUERY_CODE_LEN);
        assert!(code.bytes().all(|b| QUERY_CODE_ALPHABET.contains(&b)));
    }
}
