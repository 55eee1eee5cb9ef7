//! A history entry's details as typed objects, one per kind of entry (`CaseEvent.detail`): what each kind records
//! besides who acted and when, read from the stored details of `crate::domain::details`.
//!
//! The ids of other objects show only where the reader may see them: the earlier case a repeat links to, and the
//! notice that supervised the case, are null for a reader who could not open them.

use async_graphql::{Context, Result, SimpleObject, Union, ID};
use chrono::{DateTime, FixedOffset};
use serde::de::DeserializeOwned;

use super::context::local_time;
use super::loaders::Loaders;
use crate::domain::case::{Category, Channel, ClosureReason, EventKind, Outcome, Satisfaction, ServedVia};
use crate::domain::details as stored;
use crate::domain::escalation::{EscalationDecision, EscalationKind};
use crate::domain::schedule::DeadlineKind;
use crate::domain::supervision::{NoticeTrigger, NoticeType};
use crate::models::case_event::CaseEvent;

/// What one kind of history entry records. Entries that record nothing beyond their note (activities, notes,
/// revealing a contact) have none.
#[derive(Union)]
pub enum CaseEventDetail {
    Received(ReceivedDetail),
    RepeatLinked(RepeatLinkedDetail),
    Told(ToldDetail),
    Routed(RoutedDetail),
    Objected(ObjectedDetail),
    ObjectionDecided(ObjectionDecidedDetail),
    Classified(ClassifiedDetail),
    Extended(ExtendedDetail),
    Answered(AnsweredDetail),
    Closed(ClosedDetail),
    Withdrawn(WithdrawnDetail),
    Evaluated(EvaluatedDetail),
    LeadDesignated(LeadDesignatedDetail),
    PlanSet(PlanSetDetail),
    Hearing(HearingDetail),
    ReviewRequested(ReviewRequestedDetail),
    Escalated(EscalatedDetail),
    ReviewDecided(ReviewDecidedDetail),
    EscalationDecided(EscalationDecidedDetail),
    EscalationWithdrawn(EscalationWithdrawnDetail),
    Supervised(SupervisedDetail),
    DeadlineMissed(DeadlineMissedDetail),
    FileAttached(FileAttachedDetail),
    FileWithdrawn(FileWithdrawnDetail),
}

/// `FILE_ATTACHED`: which file, what it is, and its SHA-256.
#[derive(SimpleObject)]
pub struct FileAttachedDetail {
    /// The attachment.
    pub attachment_id: ID,
    /// What the file is to the case.
    pub kind: crate::domain::evidence::AttachmentKind,
    /// Its name.
    pub file_name: String,
    /// Its size in bytes.
    pub size_bytes: i64,
    /// The SHA-256 of its content, in hex: a copy can be checked against it.
    pub sha256: String,
}

/// `FILE_WITHDRAWN`: which file, and why (the file stays).
#[derive(SimpleObject)]
pub struct FileWithdrawnDetail {
    /// The attachment.
    pub attachment_id: ID,
    /// Why it was withdrawn.
    pub reason: String,
}

/// `SUBMITTED`, `RECORDED`: how the petition came in.
#[derive(SimpleObject)]
pub struct ReceivedDetail {
    /// The channel (来信、来访、网上…).
    pub channel: Channel,
}

/// `REPEAT_LINKED`: the earlier case this petition repeats.
#[derive(SimpleObject)]
pub struct RepeatLinkedDetail {
    /// The earlier case; null where the reader may not see it.
    pub repeat_of: Option<ID>,
}

/// `ACCEPTED`, `ROUTED_OUT`, `NOT_ACCEPTED`: what the petitioner was told.
#[derive(SimpleObject)]
pub struct ToldDetail {
    /// The notice for the petitioner.
    pub notice: String,
}

/// `FORWARDED`, `ASSIGNED`: to which unit, and for how long.
#[derive(SimpleObject)]
pub struct RoutedDetail {
    /// The handling unit.
    pub unit_id: ID,
    /// Its name when the case was routed.
    pub unit_name: String,
    /// The handling period in days (assignments only).
    pub handling_days: Option<i32>,
    /// The notice for the petitioner.
    pub notice: String,
}

/// `OBJECTED`: the unit's reasons.
#[derive(SimpleObject)]
pub struct ObjectedDetail {
    /// Why the matter is not the unit's.
    pub reasons: String,
}

/// `OBJECTION_UPHELD`, `OBJECTION_REJECTED`: the bureau's opinion.
#[derive(SimpleObject)]
pub struct ObjectionDecidedDetail {
    /// The bureau's opinion.
    pub opinion: String,
}

/// `CLASSIFIED`: the kind of matter.
#[derive(SimpleObject)]
pub struct ClassifiedDetail {
    /// The category.
    pub category: Category,
}

/// `EXTENDED` (Art 34): by how many days, and why.
#[derive(SimpleObject)]
pub struct ExtendedDetail {
    /// The extension in days.
    pub extension_days: i32,
    /// The notice for the petitioner.
    pub notice: String,
}

/// `ANSWERED`: the handling opinion.
#[derive(SimpleObject)]
pub struct AnsweredDetail {
    /// The outcome.
    pub outcome: Outcome,
    /// How the opinion was served.
    pub served_via: ServedVia,
    /// The handling opinion, as told to the petitioner.
    pub notice: String,
}

/// `CLOSED`: why.
#[derive(SimpleObject)]
pub struct ClosedDetail {
    /// The reason for closing.
    pub reason: ClosureReason,
}

/// `WITHDRAWN`: the petitioner's reason, if given.
#[derive(SimpleObject)]
pub struct WithdrawnDetail {
    /// The reason.
    pub reason: Option<String>,
}

/// `EVALUATED`: the petitioner's satisfaction.
#[derive(SimpleObject)]
pub struct EvaluatedDetail {
    /// With the bureau.
    pub bureau: Satisfaction,
    /// With the handling unit.
    pub unit: Satisfaction,
    /// Why, if said.
    pub reason: Option<String>,
}

/// `CASE_LEAD_DESIGNATED`: who took charge (包案).
#[derive(SimpleObject)]
pub struct LeadDesignatedDetail {
    /// The case lead's account.
    pub lead_id: ID,
    /// Their name.
    pub lead_name: String,
    /// The reception session where the leader took charge, if it was at one.
    pub reception_session_id: Option<ID>,
}

/// `PLAN_SET`: the resolution plan as set then.
#[derive(SimpleObject)]
pub struct PlanSetDetail {
    /// The plan.
    pub plan: super::case::ResolutionPlanView,
}

/// `HEARING`: its length, which review periods do not count.
#[derive(SimpleObject)]
pub struct HearingDetail {
    /// Days.
    pub hearing_days: i32,
}

/// `REVIEW_REQUESTED`, `RE_REVIEW_REQUESTED`: why, and where.
#[derive(SimpleObject)]
pub struct ReviewRequestedDetail {
    /// The petitioner's reason.
    pub reason: String,
    /// The code of the jurisdiction asked.
    pub to: String,
}

/// `ESCALATED`: to which jurisdiction, why, and by when it must be decided.
#[derive(SimpleObject)]
pub struct EscalatedDetail {
    /// The escalation.
    pub escalation_id: ID,
    /// Its kind.
    pub escalation_kind: EscalationKind,
    /// The code of the jurisdiction it went to.
    pub to: String,
    /// Why.
    pub reason: String,
    /// The other jurisdiction of a dispute.
    pub disputed_with: Option<String>,
    /// When it must be decided.
    pub due_at: DateTime<FixedOffset>,
}

/// `REVIEWED`, `RE_REVIEWED`: the decision, as told to the petitioner.
#[derive(SimpleObject)]
pub struct ReviewDecidedDetail {
    /// The escalation decided.
    pub escalation_id: ID,
    /// Its kind.
    pub escalation_kind: EscalationKind,
    /// The decision.
    pub decision: EscalationDecision,
    /// The notice for the petitioner.
    pub notice: String,
}

/// `ESCALATION_DECIDED`: a joint conference's or the level above's decision.
#[derive(SimpleObject)]
pub struct EscalationDecidedDetail {
    /// The escalation decided.
    pub escalation_id: ID,
    /// Its kind.
    pub escalation_kind: EscalationKind,
    /// The decision.
    pub decision: EscalationDecision,
    /// The opinion.
    pub opinion: String,
}

/// `ESCALATION_WITHDRAWN`.
#[derive(SimpleObject)]
pub struct EscalationWithdrawnDetail {
    /// The escalation withdrawn.
    pub escalation_id: ID,
    /// Its kind.
    pub escalation_kind: EscalationKind,
    /// Why.
    pub reason: String,
}

/// `SUPERVISED`: the notice that supervises the case.
#[derive(SimpleObject)]
pub struct SupervisedDetail {
    /// The notice; null where the reader may not see it.
    pub notice_id: Option<ID>,
    /// The kind of supervision.
    pub notice_type: NoticeType,
    /// What prompted it.
    pub trigger: NoticeTrigger,
}

/// `DEADLINE_MISSED`: which deadline ran out unmet, and under which rule.
#[derive(SimpleObject)]
pub struct DeadlineMissedDetail {
    /// The deadline.
    pub deadline: DeadlineKind,
    /// When it was due.
    pub due_at: String,
    /// The legal basis.
    pub basis: String,
    /// The notice for the petitioner.
    pub notice: String,
}

fn id(uuid: uuid::Uuid) -> ID {
    ID(uuid.to_string())
}

/// The stored details of `event` as `T`; details that do not read (never written by this service) are logged and
/// shown as none.
fn read<T: DeserializeOwned>(event: &CaseEvent) -> Option<T> {
    serde_json::from_value(event.payload.clone())
        .map_err(|e| tracing::error!(error = %e, entry = %event.id, "stored history details do not read"))
        .ok()
}

/// Whether `event` records a file the reader may not see (DOMAIN.md §7): then its details are not shown either,
/// since a file's name can name the petitioner.
pub async fn hides_file(ctx: &Context<'_>, event: &CaseEvent) -> Result<bool> {
    let Some(file) = (event.kind == EventKind::FileAttached).then(|| read::<stored::FileAttached>(event)).flatten()
    else {
        return Ok(false);
    };
    let caller = super::context::caller(ctx)?;
    let Some(case) = ctx.data_unchecked::<Loaders>().case().load_one(event.case_id).await? else { return Ok(true) };
    let by_petitioner = event.actor_role == Some(crate::domain::role::ActorRole::Petitioner);
    Ok(!crate::domain::evidence::shows_attachment(caller, &case.facts(), file.kind, by_petitioner))
}

/// The typed details of `event`, for a reader of staff.
pub async fn of(ctx: &Context<'_>, event: &CaseEvent) -> Result<Option<CaseEventDetail>> {
    use CaseEventDetail as D;
    use EventKind as K;
    let loaders = ctx.data_unchecked::<Loaders>();
    Ok(match event.kind {
        K::Submitted | K::Recorded => {
            read::<stored::Received>(event).map(|d| D::Received(ReceivedDetail { channel: d.channel }))
        }
        K::RepeatLinked => match read::<stored::RepeatLinked>(event) {
            Some(d) => {
                let visible = loaders.case().load_one(d.repeat_of).await?.is_some();
                Some(D::RepeatLinked(RepeatLinkedDetail { repeat_of: visible.then(|| id(d.repeat_of)) }))
            }
            None => None,
        },
        K::Accepted | K::RoutedOut | K::NotAccepted => {
            read::<stored::Told>(event).map(|d| D::Told(ToldDetail { notice: d.notice }))
        }
        K::Forwarded | K::Assigned => read::<stored::Routed>(event).map(|d| {
            D::Routed(RoutedDetail {
                unit_id: id(d.unit_id),
                unit_name: d.unit_name,
                handling_days: d.handling_days,
                notice: d.notice,
            })
        }),
        K::Objected => read::<stored::Objected>(event).map(|d| D::Objected(ObjectedDetail { reasons: d.reasons })),
        K::ObjectionUpheld | K::ObjectionRejected => read::<stored::ObjectionDecided>(event)
            .map(|d| D::ObjectionDecided(ObjectionDecidedDetail { opinion: d.opinion })),
        K::Classified => {
            read::<stored::Classified>(event).map(|d| D::Classified(ClassifiedDetail { category: d.category }))
        }
        K::Extended => read::<stored::Extended>(event)
            .map(|d| D::Extended(ExtendedDetail { extension_days: d.extension_days, notice: d.notice })),
        K::Answered => read::<stored::Answered>(event)
            .map(|d| D::Answered(AnsweredDetail { outcome: d.outcome, served_via: d.served_via, notice: d.notice })),
        K::Closed => read::<stored::Closed>(event).map(|d| D::Closed(ClosedDetail { reason: d.reason })),
        K::Withdrawn => read::<stored::Withdrawn>(event).map(|d| D::Withdrawn(WithdrawnDetail { reason: d.reason })),
        K::Evaluated => read::<stored::Evaluation>(event)
            .map(|d| D::Evaluated(EvaluatedDetail { bureau: d.bureau, unit: d.unit, reason: d.reason })),
        K::CaseLeadDesignated => read::<stored::LeadDesignated>(event).map(|d| {
            D::LeadDesignated(LeadDesignatedDetail {
                lead_id: id(d.lead_id),
                lead_name: d.lead_name,
                reception_session_id: d.reception_session_id.map(id),
            })
        }),
        K::PlanSet => read::<stored::ResolutionPlan>(event).map(|p| D::PlanSet(PlanSetDetail { plan: p.into() })),
        K::Hearing => {
            read::<stored::Hearing>(event).map(|d| D::Hearing(HearingDetail { hearing_days: d.hearing_days }))
        }
        K::ReviewRequested | K::ReReviewRequested => read::<stored::ReviewRequested>(event)
            .map(|d| D::ReviewRequested(ReviewRequestedDetail { reason: d.reason, to: d.to })),
        K::Escalated => read::<stored::Escalated>(event).map(|d| {
            D::Escalated(EscalatedDetail {
                escalation_id: id(d.escalation_id),
                escalation_kind: d.escalation_kind,
                to: d.to,
                reason: d.reason,
                disputed_with: d.disputed_with,
                due_at: local_time(ctx, d.due_at),
            })
        }),
        K::Reviewed | K::ReReviewed => read::<stored::ReviewDecided>(event).map(|d| {
            D::ReviewDecided(ReviewDecidedDetail {
                escalation_id: id(d.escalation_id),
                escalation_kind: d.escalation_kind,
                decision: d.decision,
                notice: d.notice,
            })
        }),
        K::EscalationDecided => read::<stored::EscalationDecided>(event).map(|d| {
            D::EscalationDecided(EscalationDecidedDetail {
                escalation_id: id(d.escalation_id),
                escalation_kind: d.escalation_kind,
                decision: d.decision,
                opinion: d.opinion,
            })
        }),
        K::EscalationWithdrawn => read::<stored::EscalationWithdrawn>(event).map(|d| {
            D::EscalationWithdrawn(EscalationWithdrawnDetail {
                escalation_id: id(d.escalation_id),
                escalation_kind: d.escalation_kind,
                reason: d.reason,
            })
        }),
        K::Supervised => match read::<stored::Supervised>(event) {
            Some(d) => {
                let visible = loaders.notices_of_case().load_one(event.case_id).await?.unwrap_or_default();
                let shown = visible.iter().any(|n| n.id == d.notice_id);
                Some(D::Supervised(SupervisedDetail {
                    notice_id: shown.then(|| id(d.notice_id)),
                    notice_type: d.notice_type,
                    trigger: d.trigger,
                }))
            }
            None => None,
        },
        K::DeadlineMissed => read::<stored::DeadlineMissed>(event).map(|d| {
            D::DeadlineMissed(DeadlineMissedDetail {
                deadline: d.deadline,
                due_at: d.due_at,
                basis: d.basis,
                notice: d.notice,
            })
        }),
        K::FileAttached if hides_file(ctx, event).await? => None,
        K::FileAttached => read::<stored::FileAttached>(event).map(|d| {
            D::FileAttached(FileAttachedDetail {
                attachment_id: id(d.attachment_id),
                kind: d.kind,
                file_name: d.file_name,
                size_bytes: d.size_bytes,
                sha256: d.sha256,
            })
        }),
        K::FileWithdrawn => read::<stored::FileWithdrawn>(event)
            .map(|d| D::FileWithdrawn(FileWithdrawnDetail { attachment_id: id(d.attachment_id), reason: d.reason })),
        K::Reception
        | K::HomeVisit
        | K::Appointment
        | K::ReturnVisit
        | K::Consultation
        | K::Note
        | K::ContactRevealed => None,
    })
}
