//! What each kind of history entry records besides who acted and when: the entry's details (the `payload` column),
//! one struct per kind, serialised with the stable camelCase names below. Clients read them as the entry's
//! `details`; tracking reads `notice` (the text addressed to the petitioner); the deadline rules read the periods
//! back through [`Periods`]; the database's unique indexes read `deadline` and `dueAt` of the sweep's entries.
//! Renaming a field here renames it in stored history: don't.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::case::{Category, Channel, ClosureReason, Outcome, Satisfaction, ServedVia};
use super::escalation::{EscalationDecision, EscalationKind};
use super::evidence::AttachmentKind;
use super::schedule::DeadlineKind;
use super::supervision::{NoticeTrigger, NoticeType};

/// The details of one kind of history entry.
pub trait Details: Serialize {}

/// The details as stored.
pub fn to_payload(details: &impl Details) -> serde_json::Value {
    // Only structs of strings, numbers, ids and instants implement `Details`: they always serialise.
    serde_json::to_value(details).expect("history details serialise to JSON")
}

macro_rules! details {
    ($($(#[$meta:meta])* $name:ident { $($(#[$fmeta:meta])* $field:ident: $ty:ty,)* })+) => {
        $(
            $(#[$meta])*
            #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
            #[serde(rename_all = "camelCase")]
            pub struct $name { $($(#[$fmeta])* pub $field: $ty,)* }

            impl Details for $name {}
        )+
    };
}

details! {
    /// `SUBMITTED`, `RECORDED`: how the petition came in.
    Received { channel: Channel, }

    /// `REPEAT_LINKED`: the earlier case this one repeats.
    RepeatLinked { repeat_of: Uuid, }

    /// What the petitioner is told, and nothing else: acceptance, routing out, not accepting.
    Told { notice: String, }

    /// `FORWARDED`, `ASSIGNED`: to which unit, for how long (assignments only).
    Routed { unit_id: Uuid, unit_name: String, handling_days: Option<i32>, notice: String, }

    /// `OBJECTED`: the unit's reasons (staff only).
    Objected { reasons: String, }

    /// `OBJECTION_UPHELD`, `OBJECTION_REJECTED`: the bureau's opinion (staff only).
    ObjectionDecided { opinion: String, }

    /// `CLASSIFIED`.
    Classified { category: Category, }

    /// `EXTENDED` (Art 34): by how many days, and why (told to the petitioner).
    Extended { extension_days: i32, notice: String, }

    /// `ANSWERED`: the handling opinion, its outcome and how it was served.
    Answered { outcome: Outcome, served_via: ServedVia, notice: String, }

    /// `CLOSED`.
    Closed { reason: ClosureReason, }

    /// `WITHDRAWN`: the petitioner's reason, if they gave one.
    Withdrawn { reason: Option<String>, }

    /// `EVALUATED`, and the case's stored evaluation: satisfaction with the bureau and the unit.
    Evaluation { bureau: Satisfaction, unit: Satisfaction, reason: Option<String>, }

    /// `CASE_LEAD_DESIGNATED`: who, and the reception session where the leader took charge, if it was at one.
    LeadDesignated {
        lead_id: Uuid,
        lead_name: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reception_session_id: Option<Uuid>,
    }

    /// `HEARING`: its length, which review periods do not count.
    Hearing { hearing_days: i32, }

    /// `REVIEW_REQUESTED`, `RE_REVIEW_REQUESTED`: why, and the jurisdiction asked.
    ReviewRequested { reason: String, to: String, }

    /// `ESCALATED` (staff only): to which jurisdiction, why, and by when it must be decided.
    Escalated {
        escalation_id: Uuid,
        escalation_kind: EscalationKind,
        to: String,
        reason: String,
        disputed_with: Option<String>,
        due_at: DateTime<Utc>,
    }

    /// `REVIEW_DECIDED`, `RE_REVIEW_DECIDED`: the decision, told to the petitioner.
    ReviewDecided {
        escalation_id: Uuid,
        escalation_kind: EscalationKind,
        decision: EscalationDecision,
        notice: String,
    }

    /// `ESCALATION_DECIDED` (staff only): a joint conference's or urgent report's decision.
    EscalationDecided {
        escalation_id: Uuid,
        escalation_kind: EscalationKind,
        decision: EscalationDecision,
        opinion: String,
    }

    /// `ESCALATION_WITHDRAWN` (staff only).
    EscalationWithdrawn { escalation_id: Uuid, escalation_kind: EscalationKind, reason: String, }

    /// `SUPERVISED` (staff only): the notice that supervises the case.
    Supervised {
        notice_id: Uuid,
        #[serde(rename = "type")]
        notice_type: NoticeType,
        trigger: NoticeTrigger,
    }
}

details! {
    /// `FILE_ATTACHED`: which file, what it is, and its SHA-256 (so that a copy can be checked against the record).
    FileAttached { attachment_id: Uuid, kind: AttachmentKind, file_name: String, size_bytes: i64, sha256: String, }

    /// `FILE_WITHDRAWN`: which file, and why.
    FileWithdrawn { attachment_id: Uuid, reason: String, }
}

details! {
    /// `DEADLINE_MISSED`, written by the sweep: which deadline, due when (the text the unique index compares), under
    /// which rule, and the notice for the petitioner.
    DeadlineMissed { deadline: DeadlineKind, due_at: String, basis: String, notice: String, }
}

// The history of a supervision notice.
details! {
    /// `ISSUED`: the cases, the kind of supervision, why, and the last moment for a response.
    NoticeIssued {
        case_ids: Vec<Uuid>,
        #[serde(rename = "type")]
        notice_type: NoticeType,
        trigger: NoticeTrigger,
        response_due_at: DateTime<Utc>,
    }

    /// `RESPONDED`: whether the proposals were adopted, the response, and whether it came late.
    NoticeResponded { adopted: bool, response: String, late: bool, }

    /// `REOPENED`: why, and the new last moment for a response.
    NoticeReopened { reason: String, response_due_at: DateTime<Utc>, }

    /// `OVERDUE`, written by the sweep: the missed moment (the text the unique index compares).
    NoticeOverdue { due_at: String, }
}

/// A case lead's resolution plan (路线图、时间表、任务书), as stored on the case.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResolutionPlan {
    pub team: Vec<String>,
    pub plan: String,
    pub milestones: Vec<Milestone>,
    pub target_date: chrono::NaiveDate,
}

impl Details for ResolutionPlan {}

/// A step of a resolution plan, due by a day.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Milestone {
    pub title: String,
    pub due: chrono::NaiveDate,
}

/// No details: activities and notes carry their text in the entry's note.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Nothing {}

impl Details for Nothing {}

/// The periods an entry sets, as the deadline rules read them back from any kind of entry.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Periods {
    pub handling_days: Option<u32>,
    pub extension_days: Option<u32>,
    pub hearing_days: Option<u32>,
}

impl Periods {
    /// The periods of stored details; details without them (or unreadable ones) set none.
    pub fn of(payload: &serde_json::Value) -> Periods {
        Periods::deserialize(payload).unwrap_or_default()
    }
}

/// The text addressed to the petitioner, as tracking reads it from any kind of entry.
pub fn notice_of(payload: &serde_json::Value) -> Option<&str> {
    payload.get("notice").and_then(|n| n.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_stable() {
        let answered =
            Answered { outcome: Outcome::Explained, served_via: ServedVia::InPerson, notice: "已解释".into() };
        assert_eq!(
            to_payload(&answered),
            serde_json::json!({"outcome": "EXPLAINED", "servedVia": "IN_PERSON", "notice": "已解释"})
        );
        assert_eq!(
            to_payload(&Closed { reason: ClosureReason::NoReviewRequested }),
            serde_json::json!({"reason": "NO_REVIEW_REQUESTED"})
        );
        let supervised =
            Supervised { notice_id: Uuid::nil(), notice_type: NoticeType::ALL[0], trigger: NoticeTrigger::ALL[0] };
        let value = to_payload(&supervised);
        assert!(value.get("type").is_some() && value.get("noticeType").is_none());
        assert_eq!(serde_json::from_value::<Supervised>(value).unwrap(), supervised);
    }

    #[test]
    fn periods_are_read_from_any_entry() {
        let routed =
            Routed { unit_id: Uuid::nil(), unit_name: "x".into(), handling_days: Some(30), notice: "n".into() };
        assert_eq!(Periods::of(&to_payload(&routed)).handling_days, Some(30));
        assert_eq!(Periods::of(&to_payload(&Hearing { hearing_days: 5 })).hearing_days, Some(5));
        assert_eq!(Periods::of(&serde_json::json!({"extensionDays": "soon"})), Periods::default());
        assert_eq!(notice_of(&to_payload(&Told { notice: "已受理".into() })), Some("已受理"));
    }
}
