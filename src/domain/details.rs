//! What each kind of history entry records besides who acted and when: the entry's details (the `payload` column),
//! one struct per kind, serialised with the stable camelCase names below. Clients read them as the entry's
//! `details`; tracking reads `notice` (the text addressed to the petitioner); the deadline rules read the periods
//! back through [`Periods`]; the database's unique indexes read `deadline` and `dueAt` of the sweep's entries.
//! Renaming a field here renames it in stored history: don't.

use super::ids::{AccountId, AttachmentId, CaseId, EscalationId, NoticeId, ReceptionSessionId, UnitId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

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
    ($($(#[$meta:meta])* $name:ident $(as $graphql:literal)? { $($(#[$fmeta:meta])* $field:ident: $ty:ty,)* })+) => {
        $(
            // The API's object for the entry (where it has one: `as "…"`) is derived from the stored struct, as
            // `text_enum!` derives the enums, so the two cannot drift; fields a reader may not always see, or sees
            // in local time, are skipped here and resolved by `graphql::event_detail`.
            #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
            $(#[derive(async_graphql::SimpleObject)] #[graphql(name = $graphql)])?
            #[serde(rename_all = "camelCase")]
            $(#[$meta])*
            pub struct $name { $($(#[$fmeta])* pub $field: $ty,)* }

            impl Details for $name {}
        )+
    };
}

details! {
    /// `SUBMITTED`, `RECORDED`: how the petition came in.
    Received as "ReceivedDetail" {
        /// The channel (来信、来访、网上…).
        channel: Channel,
    }

    /// `REPEAT_LINKED`: the earlier case this petition repeats (its object, `graphql::event_detail`, shows it only to
    /// a reader who may see it).
    RepeatLinked {
        repeat_of: CaseId,
    }

    /// `ACCEPTED`, `ROUTED_OUT`, `NOT_ACCEPTED`: what the petitioner was told, and nothing else.
    Told as "ToldDetail" {
        /// The notice for the petitioner.
        notice: String,
    }

    /// `FORWARDED`, `ASSIGNED`: to which unit, and for how long.
    Routed as "RoutedDetail" {
        /// The handling unit.
        unit_id: UnitId,
        /// Its name when the case was routed.
        unit_name: String,
        /// The handling period in days (assignments only).
        handling_days: Option<i32>,
        /// The notice for the petitioner.
        notice: String,
    }

    /// `OBJECTED`: the unit's reasons.
    Objected as "ObjectedDetail" {
        /// Why the matter is not the unit's.
        reasons: String,
    }

    /// `OBJECTION_UPHELD`, `OBJECTION_REJECTED`: the bureau's opinion.
    ObjectionDecided as "ObjectionDecidedDetail" {
        /// The bureau's opinion.
        opinion: String,
    }

    /// `CLASSIFIED`: the kind of matter.
    Classified as "ClassifiedDetail" {
        /// The category.
        category: Category,
    }

    /// `EXTENDED` (Art 34): by how many days, and why.
    Extended as "ExtendedDetail" {
        /// The extension in days.
        extension_days: i32,
        /// The notice for the petitioner.
        notice: String,
    }

    /// `ANSWERED`: the handling opinion.
    Answered as "AnsweredDetail" {
        /// The outcome.
        outcome: Outcome,
        /// How the opinion was served.
        served_via: ServedVia,
        /// The handling opinion, as told to the petitioner.
        notice: String,
    }

    /// `CLOSED`: why.
    Closed as "ClosedDetail" {
        /// The reason for closing.
        reason: ClosureReason,
    }

    /// `WITHDRAWN`: the petitioner's reason, if given.
    Withdrawn as "WithdrawnDetail" {
        /// The reason.
        reason: Option<String>,
    }

    /// `EVALUATED`: the petitioner's satisfaction (also the case's stored evaluation).
    Evaluation as "EvaluatedDetail" {
        /// With the bureau.
        bureau: Satisfaction,
        /// With the handling unit.
        unit: Satisfaction,
        /// Why, if said.
        reason: Option<String>,
    }

    /// `CASE_LEAD_DESIGNATED`: who took charge (包案).
    LeadDesignated as "LeadDesignatedDetail" {
        /// The case lead's account.
        lead_id: AccountId,
        /// Their name.
        lead_name: String,
        /// The reception session where the leader took charge, if it was at one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reception_session_id: Option<ReceptionSessionId>,
    }

    /// `HEARING`: its length, which review periods do not count.
    Hearing as "HearingDetail" {
        /// Days.
        hearing_days: i32,
    }

    /// `REVIEW_REQUESTED`, `RE_REVIEW_REQUESTED`: why, and where.
    ReviewRequested as "ReviewRequestedDetail" {
        /// The petitioner's reason.
        reason: String,
        /// The code of the jurisdiction asked.
        to: String,
    }

    /// `ESCALATED` (staff only): to which jurisdiction, why, and by when it must be decided.
    #[graphql(complex)]
    Escalated as "EscalatedDetail" {
        /// The escalation.
        escalation_id: EscalationId,
        /// Its kind.
        escalation_kind: EscalationKind,
        /// The code of the jurisdiction it went to.
        to: String,
        /// Why.
        reason: String,
        /// The other jurisdiction of a dispute.
        disputed_with: Option<String>,
        #[graphql(skip)]
        due_at: DateTime<Utc>,
    }

    /// `REVIEWED`, `RE_REVIEWED`: the decision, as told to the petitioner.
    ReviewDecided as "ReviewDecidedDetail" {
        /// The escalation decided.
        escalation_id: EscalationId,
        /// Its kind.
        escalation_kind: EscalationKind,
        /// The decision.
        decision: EscalationDecision,
        /// The notice for the petitioner.
        notice: String,
    }

    /// `ESCALATION_DECIDED` (staff only): a joint conference's or the level above's decision.
    EscalationDecided as "EscalationDecidedDetail" {
        /// The escalation decided.
        escalation_id: EscalationId,
        /// Its kind.
        escalation_kind: EscalationKind,
        /// The decision.
        decision: EscalationDecision,
        /// The opinion.
        opinion: String,
    }

    /// `ESCALATION_WITHDRAWN` (staff only).
    EscalationWithdrawn as "EscalationWithdrawnDetail" {
        /// The escalation withdrawn.
        escalation_id: EscalationId,
        /// Its kind.
        escalation_kind: EscalationKind,
        /// Why.
        reason: String,
    }

    /// `SUPERVISED` (staff only): the notice that supervises the case.
    #[graphql(complex)]
    Supervised as "SupervisedDetail" {
        #[graphql(skip)]
        notice_id: NoticeId,
        /// The kind of supervision.
        #[serde(rename = "type")]
        notice_type: NoticeType,
        /// What prompted it.
        trigger: NoticeTrigger,
    }
}

details! {
    /// `FILE_ATTACHED`: which file, what it is, and its SHA-256.
    FileAttached as "FileAttachedDetail" {
        /// The attachment.
        attachment_id: AttachmentId,
        /// What the file is to the case.
        kind: AttachmentKind,
        /// Its name.
        file_name: String,
        /// Its size in bytes.
        size_bytes: i64,
        /// The SHA-256 of its content, in hex: a copy can be checked against it.
        sha256: String,
    }

    /// `FILE_WITHDRAWN`: which file, and why (the file stays).
    FileWithdrawn as "FileWithdrawnDetail" {
        /// The attachment.
        attachment_id: AttachmentId,
        /// Why it was withdrawn.
        reason: String,
    }
}

details! {
    /// `DEADLINE_MISSED`, written by the sweep: which deadline ran out unmet, and under which rule.
    DeadlineMissed as "DeadlineMissedDetail" {
        /// The deadline.
        deadline: DeadlineKind,
        /// When it was due (the text the database's unique index compares).
        due_at: String,
        /// The legal basis.
        basis: String,
        /// The notice for the petitioner.
        notice: String,
    }
}

// The history of a supervision notice.
details! {
    /// `ISSUED`: the cases, the kind of supervision, why, and the last moment for a response.
    NoticeIssued {
        case_ids: Vec<CaseId>,
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

/// A case lead's resolution plan (路线图、时间表、任务书), as stored on the case and in `PLAN_SET` entries.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, async_graphql::SimpleObject)]
#[serde(rename_all = "camelCase")]
pub struct ResolutionPlan {
    /// Who works on it.
    pub team: Vec<String>,
    /// The plan.
    pub plan: String,
    /// The steps, each due by a day.
    pub milestones: Vec<Milestone>,
    /// When the matter should be resolved.
    pub target_date: chrono::NaiveDate,
}

impl Details for ResolutionPlan {}

/// A step of a resolution plan.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, async_graphql::SimpleObject)]
pub struct Milestone {
    /// What is to be done.
    pub title: String,
    /// By when.
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
    use uuid::Uuid;

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
        let supervised = Supervised {
            notice_id: NoticeId(Uuid::nil()),
            notice_type: NoticeType::ALL[0],
            trigger: NoticeTrigger::ALL[0],
        };
        let value = to_payload(&supervised);
        assert!(value.get("type").is_some() && value.get("noticeType").is_none());
        assert_eq!(serde_json::from_value::<Supervised>(value).unwrap(), supervised);
    }

    #[test]
    fn periods_are_read_from_any_entry() {
        let routed =
            Routed { unit_id: UnitId(Uuid::nil()), unit_name: "x".into(), handling_days: Some(30), notice: "n".into() };
        assert_eq!(Periods::of(&to_payload(&routed)).handling_days, Some(30));
        assert_eq!(Periods::of(&to_payload(&Hearing { hearing_days: 5 })).hearing_days, Some(5));
        assert_eq!(Periods::of(&serde_json::json!({"extensionDays": "soon"})), Periods::default());
        assert_eq!(notice_of(&to_payload(&Told { notice: "已受理".into() })), Some("已受理"));
    }
}
