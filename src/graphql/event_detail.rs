//! A history entry's details as typed objects, one per kind of entry (`CaseEvent.detail`): what each kind records
//! besides who acted and when. The objects are the stored structs of `crate::domain::details` themselves (derived
//! there); this module adds the fields that depend on the reader or the request.
//!
//! The ids of other objects show only where the reader may see them: the earlier case a repeat links to, and the
//! notice that supervised the case, are null for a reader who could not open them.

use async_graphql::{ComplexObject, Context, Object, Result, SimpleObject, Union, ID};
use chrono::{DateTime, FixedOffset};
use serde::de::DeserializeOwned;

use super::context::local_time;
use super::loaders::Loaders;
use crate::domain::case::EventKind;
use crate::domain::details::{self as stored, ResolutionPlan};
use crate::domain::ids::{CaseId, NoticeId};
use crate::models::case_event::CaseEvent;

/// What one kind of history entry records. Entries that record nothing beyond their note (activities, notes,
/// revealing a contact) have none.
#[derive(Union)]
pub enum CaseEventDetail {
    Received(stored::Received),
    RepeatLinked(stored::RepeatLinked),
    Told(stored::Told),
    Routed(stored::Routed),
    Objected(stored::Objected),
    ObjectionDecided(stored::ObjectionDecided),
    Classified(stored::Classified),
    Extended(stored::Extended),
    Answered(stored::Answered),
    Closed(stored::Closed),
    Withdrawn(stored::Withdrawn),
    Evaluated(stored::Evaluation),
    LeadDesignated(stored::LeadDesignated),
    PlanSet(PlanSetDetail),
    Hearing(stored::Hearing),
    ReviewRequested(stored::ReviewRequested),
    Escalated(stored::Escalated),
    ReviewDecided(stored::ReviewDecided),
    EscalationDecided(stored::EscalationDecided),
    EscalationWithdrawn(stored::EscalationWithdrawn),
    Supervised(stored::Supervised),
    DeadlineMissed(stored::DeadlineMissed),
    FileAttached(stored::FileAttached),
    FileWithdrawn(stored::FileWithdrawn),
}

/// `PLAN_SET`: the resolution plan as set then.
#[derive(SimpleObject)]
pub struct PlanSetDetail {
    /// The plan.
    pub plan: ResolutionPlan,
}

/// `REPEAT_LINKED`: the earlier case this petition repeats.
#[Object(name = "RepeatLinkedDetail")]
impl stored::RepeatLinked {
    /// The earlier case; null where the reader may not see it.
    async fn repeat_of(&self, ctx: &Context<'_>) -> Result<Option<ID>> {
        Ok(shows_case(ctx, self.repeat_of).await?.then(|| ID(self.repeat_of.to_string())))
    }
}

#[ComplexObject]
impl stored::Escalated {
    /// When it must be decided.
    async fn due_at(&self, ctx: &Context<'_>) -> DateTime<FixedOffset> {
        local_time(ctx, self.due_at)
    }
}

#[ComplexObject]
impl stored::Supervised {
    /// The notice; null where the reader may not see it.
    async fn notice_id(&self, ctx: &Context<'_>) -> Result<Option<ID>> {
        Ok(shows_notice(ctx, self.notice_id).await?.then(|| ID(self.notice_id.to_string())))
    }
}

/// Whether the reader may see the case an entry names (else its id is not shown).
pub async fn shows_case(ctx: &Context<'_>, id: CaseId) -> Result<bool> {
    Ok(ctx.data_unchecked::<Loaders>().case().load_one(id).await?.is_some())
}

/// Whether the reader may see the notice an entry names (else its id is not shown).
pub async fn shows_notice(ctx: &Context<'_>, id: NoticeId) -> Result<bool> {
    Ok(ctx.data_unchecked::<Loaders>().notice().load_one(id).await?.is_some())
}

/// The stored details of `event` as `T`; details that do not read (never written by this service) are logged and
/// shown as none.
fn read<T: DeserializeOwned>(event: &CaseEvent) -> Option<T> {
    serde_json::from_value(event.entry.payload.clone())
        .map_err(|e| tracing::error!(error = %e, entry = %event.id, "stored history details do not read"))
        .ok()
}

/// Whether `event` records a file the reader may not see (DOMAIN.md §7): then its details are not shown either,
/// since a file's name can name the petitioner.
pub async fn hides_file(ctx: &Context<'_>, event: &CaseEvent) -> Result<bool> {
    let Some(file) =
        (event.entry.kind == EventKind::FileAttached).then(|| read::<stored::FileAttached>(event)).flatten()
    else {
        return Ok(false);
    };
    let caller = super::context::caller(ctx)?;
    let Some(case) = ctx.data_unchecked::<Loaders>().case().load_one(event.case_id).await? else { return Ok(true) };
    let by_petitioner = event.entry.actor_role == Some(crate::domain::role::ActorRole::Petitioner);
    Ok(!crate::domain::evidence::shows_attachment(caller, &case.facts(), file.kind, by_petitioner))
}

/// The typed details of `event`, for a reader of staff.
pub async fn of(ctx: &Context<'_>, event: &CaseEvent) -> Result<Option<CaseEventDetail>> {
    use CaseEventDetail as D;
    use EventKind as K;
    Ok(match event.entry.kind {
        K::Submitted | K::Recorded => read(event).map(D::Received),
        K::RepeatLinked => read(event).map(D::RepeatLinked),
        K::Accepted | K::RoutedOut | K::NotAccepted => read(event).map(D::Told),
        K::Forwarded | K::Assigned => read(event).map(D::Routed),
        K::Objected => read(event).map(D::Objected),
        K::ObjectionUpheld | K::ObjectionRejected => read(event).map(D::ObjectionDecided),
        K::Classified => read(event).map(D::Classified),
        K::Extended => read(event).map(D::Extended),
        K::Answered => read(event).map(D::Answered),
        K::Closed => read(event).map(D::Closed),
        K::Withdrawn => read(event).map(D::Withdrawn),
        K::Evaluated => read(event).map(D::Evaluated),
        K::CaseLeadDesignated => read(event).map(D::LeadDesignated),
        K::PlanSet => read(event).map(|plan| D::PlanSet(PlanSetDetail { plan })),
        K::Hearing => read(event).map(D::Hearing),
        K::ReviewRequested | K::ReReviewRequested => read(event).map(D::ReviewRequested),
        K::Escalated => read(event).map(D::Escalated),
        K::Reviewed | K::ReReviewed => read(event).map(D::ReviewDecided),
        K::EscalationDecided => read(event).map(D::EscalationDecided),
        K::EscalationWithdrawn => read(event).map(D::EscalationWithdrawn),
        K::Supervised => read(event).map(D::Supervised),
        K::DeadlineMissed => read(event).map(D::DeadlineMissed),
        K::FileAttached if hides_file(ctx, event).await? => None,
        K::FileAttached => read(event).map(D::FileAttached),
        K::FileWithdrawn => read(event).map(D::FileWithdrawn),
        K::Reception
        | K::HomeVisit
        | K::Appointment
        | K::ReturnVisit
        | K::Consultation
        | K::Note
        | K::ContactRevealed => None,
    })
}
