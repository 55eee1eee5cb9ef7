//! Cases as the API shows them: `case`, `caseByReference` and `cases(...)`, always through the caller's scope, with
//! field-level rules for what each viewer may see of a case (DOMAIN.md §7).

use async_graphql::{Context, Enum, InputObject, Object, Result, SimpleObject, ID};
use chrono::{DateTime, FixedOffset, Utc};
use serde::Deserialize;

use crate::domain::case::{CaseStatus, Category, Channel, EventKind, Outcome};
use crate::domain::deadline::last_day_before;
use crate::domain::details::{notice_of, Evaluation, LeadDesignated, RepeatLinked, ResolutionPlan, Supervised};
use crate::domain::person::mask;
use crate::domain::role::ActorRole;
use crate::domain::schedule::{Deadline, DeadlineKind, DeadlineStatus};
use crate::domain::scope::{case_scope, Caller};
use crate::domain::visibility::{case_view, CaseView, PetitionerView};
use crate::error::AppError;
use crate::graphql::connection::{connection, overdue_filter, scoped_page, PageArgs};
use crate::graphql::context::{caller, filter_id, local_time, object_id, state};
use crate::graphql::escalation::EscalationNode;
use crate::graphql::jurisdiction::{JurisdictionNode, UnitNode};
use crate::graphql::loaders::Loaders;
use crate::graphql::supervision::SupervisionNoticeNode;
use crate::models::case::{self as case_model, Case, CaseFilter, CaseKey, CaseList};
use crate::models::case_event::CaseEvent;

mod event;
mod query;

pub use event::*;
pub use query::*;

/// A petition case (信访事项).
#[derive(Clone)]
pub struct CaseNode(pub Case);

impl CaseNode {
    /// What `caller` sees of this case (`crate::domain::visibility` decides; the fields below only apply it).
    pub fn view(&self, caller: &Caller) -> CaseView {
        case_view(caller, &self.0.facts())
    }

    async fn history(&self, ctx: &Context<'_>) -> Result<Vec<CaseEvent>> {
        Ok(ctx.data_unchecked::<Loaders>().events().load_one(self.0.id).await?.unwrap_or_default())
    }
}

/// A petition case (信访事项).
#[Object(name = "Case")]
impl CaseNode {
    /// The case's id.
    pub async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// The public reference, `<county code>-<year>-<serial>` (e.g. `510502-2022-000017`).
    async fn reference(&self) -> &str {
        &self.0.reference
    }

    /// Where the case stands in its lifecycle.
    async fn status(&self) -> CaseStatus {
        self.0.status
    }

    /// Changes with every step; pass it as `expectedVersion` to make a step fail with `CONFLICT` if someone else
    /// changed the case in between.
    async fn version(&self) -> i32 {
        self.0.version
    }

    /// How the petition reached the state.
    async fn channel(&self) -> Channel {
        self.0.channel
    }

    /// The kind of matter; null until known.
    async fn category(&self) -> Option<Category> {
        self.0.category
    }

    /// A short title of the matter.
    async fn title(&self) -> &str {
        &self.0.title
    }

    /// The matter as the petitioner put it.
    async fn content(&self) -> &str {
        &self.0.content
    }

    /// When the petition was received (the start of the routing deadline).
    async fn received_at(&self, ctx: &Context<'_>) -> DateTime<FixedOffset> {
        local_time(ctx, self.0.received_at)
    }

    /// The county (or other jurisdiction) the case belongs to.
    async fn jurisdiction(&self, ctx: &Context<'_>) -> Result<JurisdictionNode> {
        let j = ctx.data_unchecked::<Loaders>().jurisdiction().load_one(self.0.jurisdiction_code.clone()).await?;
        Ok(JurisdictionNode(j.ok_or_else(|| AppError::internal("case without jurisdiction"))?))
    }

    /// Where the petition was received, compared with where its matter belongs: above the county of the matter
    /// (the city's or the province's bureau, or a national channel) it is a skip-level petition (越级).
    async fn received_level(&self) -> crate::domain::case::ReceivedLevel {
        self.0.received_level
    }

    /// The jurisdiction whose bureau received the petition, when above the matter's own; null for a petition
    /// received by the matter's own bureau.
    async fn received_by(&self, ctx: &Context<'_>) -> Result<Option<JurisdictionNode>> {
        let Some(code) = &self.0.received_by_code else { return Ok(None) };
        Ok(ctx.data_unchecked::<Loaders>().jurisdiction().load_one(code.clone()).await?.map(JurisdictionNode))
    }

    /// The township the matter arose in, if known.
    async fn township(&self, ctx: &Context<'_>) -> Result<Option<JurisdictionNode>> {
        let Some(code) = &self.0.township_code else { return Ok(None) };
        Ok(ctx.data_unchecked::<Loaders>().jurisdiction().load_one(code.clone()).await?.map(JurisdictionNode))
    }

    /// The unit now handling the case; null while the bureau has not routed it.
    async fn current_unit(&self, ctx: &Context<'_>) -> Result<Option<UnitNode>> {
        let Some(id) = self.0.handling.current_unit_id else { return Ok(None) };
        Ok(ctx.data_unchecked::<Loaders>().unit().load_one(id).await?.map(UnitNode))
    }

    /// The petitioner's name, or null where the caller may not know it: anonymous petitions, and accusations seen
    /// by the handling unit (Art 30 ¶3).
    async fn petitioner_name(&self, ctx: &Context<'_>) -> Result<Option<&str>> {
        let shown = self.view(caller(ctx)?).petitioner != PetitionerView::Withheld;
        Ok(shown.then_some(self.0.petitioner_name.as_str()))
    }

    /// Whether the petitioner's identity is withheld from the caller.
    async fn petitioner_withheld(&self, ctx: &Context<'_>) -> Result<bool> {
        Ok(self.view(caller(ctx)?).petitioner == PetitionerView::Withheld)
    }

    /// The petitioner's contact data: in full for the petitioner, masked for staff who may know the petitioner
    /// (`revealPetitionerContact` shows it in full, audited), null for everyone else.
    async fn petitioner_contact(&self, ctx: &Context<'_>) -> Result<Option<PetitionerContact>> {
        let own = match self.view(caller(ctx)?).petitioner {
            PetitionerView::Own => true,
            PetitionerView::Known => false,
            PetitionerView::Withheld => return Ok(None),
        };
        let show =
            |v: &Option<String>, start, end| v.as_ref().map(|v| if own { v.clone() } else { mask(v, start, end) });
        Ok(Some(PetitionerContact {
            phone: show(&self.0.petitioner_phone, 3, 4),
            id_number: show(&self.0.petitioner_id_number, 4, 4),
            masked: !own,
        }))
    }

    /// How many people the petition speaks for (group petitions).
    async fn group_size(&self) -> i32 {
        self.0.group_size
    }

    /// Whether this is a backlog case (积案).
    async fn is_backlog(&self) -> bool {
        self.0.handling.is_backlog
    }

    /// The outcome of the handling opinion, once answered.
    async fn outcome(&self) -> Option<Outcome> {
        self.0.outcome
    }

    /// Where the petitioner was told to go (routed out), or why the petition was not accepted.
    async fn disposition(&self) -> Option<&str> {
        self.0.disposition_note.as_deref()
    }

    /// The earlier case this petition repeats, if intake found one (and the caller may see it).
    async fn repeat_of(&self, ctx: &Context<'_>) -> Result<Option<CaseNode>> {
        let Some(id) = self.0.repeat_of_case_id else { return Ok(None) };
        let scope = case_scope(caller(ctx)?);
        let found = state(ctx).db.run(move |conn| Ok(case_model::find_visible(conn, &scope, id)?)).await?;
        Ok(found.map(CaseNode))
    }

    /// Whether a deadline staff owe has run out and is still unmet.
    async fn overdue(&self, ctx: &Context<'_>) -> bool {
        self.0.next_due_at.is_some_and(|d| d <= state(ctx).clock.now())
    }

    /// The earliest deadline staff still owe.
    async fn next_due_at(&self, ctx: &Context<'_>) -> Option<DateTime<FixedOffset>> {
        self.0.next_due_at.map(|d| local_time(ctx, d))
    }

    /// The last day of the earliest deadline staff still owe (`nextDueAt` is midnight at its end), as `dueOn`
    /// of `deadlines` says it: the day to tell a person.
    async fn next_due_on(&self, ctx: &Context<'_>) -> Option<chrono::NaiveDate> {
        self.0.next_due_at.map(|d| last_day_before(d, state(ctx).settings.time_zone))
    }

    /// The case lead (包案领导) in charge, if any. Petitioners see only that there is one, by name.
    async fn case_lead(&self, ctx: &Context<'_>) -> Result<Option<CaseLeadView>> {
        let Some(id) = self.0.handling.case_lead_account_id else { return Ok(None) };
        let event = self.history(ctx).await?.into_iter().rev().find(|e| e.entry.kind == EventKind::CaseLeadDesignated);
        let name = event.and_then(|e| LeadDesignated::deserialize(&e.entry.payload).ok()).map(|d| d.lead_name);
        let staff = !self.view(caller(ctx)?).public_only;
        Ok(Some(CaseLeadView { id: staff.then(|| ID(id.to_string())), name: name.unwrap_or_default() }))
    }

    /// The case lead's resolution plan (路线图、时间表、任务书); staff only.
    async fn resolution_plan(&self, ctx: &Context<'_>) -> Result<Option<ResolutionPlan>> {
        if self.view(caller(ctx)?).public_only {
            return Ok(None);
        }
        Ok(self.0.resolution_plan.as_ref().and_then(|p| stored::<ResolutionPlan>(p, "resolution plan")))
    }

    /// The SHA-256 at the head of the case's history chain, in hex; staff only. Every entry's digest covers its
    /// content and the digest before it, so this value changes with any entry added and names the whole history as
    /// it stands: kept as a receipt, it shows later whether the record is still the one read
    /// (`petition-api verify-history` checks the chain itself). Petitioners see null: the digest moves with
    /// entries they do not see.
    async fn history_digest(&self, ctx: &Context<'_>) -> Result<Option<String>> {
        if self.view(caller(ctx)?).public_only {
            return Ok(None);
        }
        ctx.data_unchecked::<Loaders>().history_heads().load_one(self.0.id).await
    }

    /// The petitioner's evaluation of the bureau and the handling unit, once given.
    async fn evaluation(&self) -> Option<EvaluationView> {
        self.0.evaluation.as_ref().and_then(|e| stored::<Evaluation>(e, "evaluation")).map(Into::into)
    }

    /// Every time limit of the case: what is due, by when, on which legal basis, and whether it was met.
    async fn deadlines(&self, ctx: &Context<'_>) -> Result<Vec<DeadlineView>> {
        let stored = ctx.data_unchecked::<Loaders>().deadlines().load_one(self.0.id).await?.unwrap_or_default();
        let now = state(ctx).clock.now();
        Ok(stored.iter().map(|d| DeadlineView::of(ctx, d, now)).collect())
    }

    /// The files attached to the case, oldest first, withdrawn ones included (marked): those the caller may see
    /// (the handling unit never sees identity documents, nor what the petitioner of an accusation brought).
    async fn attachments(&self, ctx: &Context<'_>) -> Result<Vec<crate::graphql::evidence::AttachmentNode>> {
        let caller = caller(ctx)?;
        let facts = self.0.facts();
        let rows = ctx.data_unchecked::<Loaders>().attachments().load_one(self.0.id).await?.unwrap_or_default();
        Ok(rows
            .into_iter()
            .filter(|a| crate::domain::evidence::shows_attachment(caller, &facts, a.upload.kind, a.by_petitioner()))
            .map(crate::graphql::evidence::AttachmentNode)
            .collect())
    }

    /// The history, oldest first. Petitioners see the public entries only, without internal notes or who acted.
    async fn events(&self, ctx: &Context<'_>) -> Result<Vec<CaseEventNode>> {
        let view = self.view(caller(ctx)?);
        Ok(self
            .history(ctx)
            .await?
            .into_iter()
            .filter(|e| view.shows_event(e.staff_only))
            .map(|e| CaseEventNode { event: e, public: view.public_only })
            .collect())
    }

    /// The escalations of this case, oldest first: reviews and re-reviews, and for staff also joint conferences
    /// and urgent reports.
    async fn escalations(&self, ctx: &Context<'_>) -> Result<Vec<EscalationNode>> {
        let view = self.view(caller(ctx)?);
        let rows = ctx.data_unchecked::<Loaders>().escalations().load_one(self.0.id).await?.unwrap_or_default();
        Ok(rows.into_iter().filter(|e| view.shows_escalation(e.kind)).map(EscalationNode).collect())
    }

    /// The supervision notices (督办) about this case; staff only (empty for petitioners).
    async fn supervision_notices(&self, ctx: &Context<'_>) -> Result<Vec<SupervisionNoticeNode>> {
        let rows = ctx.data_unchecked::<Loaders>().notices_of_case().load_one(self.0.id).await?.unwrap_or_default();
        Ok(rows.into_iter().map(SupervisionNoticeNode).collect())
    }
}

/// Contact data of a petitioner.
#[derive(SimpleObject)]
pub struct PetitionerContact {
    /// Phone number.
    pub phone: Option<String>,
    /// Resident ID number.
    pub id_number: Option<String>,
    /// Whether the values are masked.
    pub masked: bool,
}

/// The case lead of a case.
#[derive(SimpleObject)]
pub struct CaseLeadView {
    /// The lead's account id; null for petitioners.
    pub id: Option<ID>,
    /// The lead's name.
    pub name: String,
}

/// One time limit of a case.
#[derive(SimpleObject)]
pub struct DeadlineView {
    /// Which time limit.
    pub kind: DeadlineKind,
    /// Its legal basis, e.g. `Art 22`.
    pub basis: String,
    /// Whether staff owe it (as opposed to a window the petitioner or unit may use).
    pub owed_by_staff: bool,
    /// When it started to run.
    pub starts_at: DateTime<FixedOffset>,
    /// When it runs out (midnight at the end of its last day).
    pub due_at: DateTime<FixedOffset>,
    /// Its last day, as a date in the configured time zone.
    pub due_on: chrono::NaiveDate,
    /// When it was met, if it was.
    pub met_at: Option<DateTime<FixedOffset>>,
    /// Open, met, missed or waived.
    pub status: DeadlineStatus,
}

impl DeadlineView {
    /// A deadline as the API shows it at `now`.
    pub fn of(ctx: &Context<'_>, d: &Deadline, now: DateTime<Utc>) -> DeadlineView {
        let tz = state(ctx).settings.time_zone;
        DeadlineView {
            kind: d.kind,
            basis: d.kind.basis().to_owned(),
            owed_by_staff: d.kind.owed_by_staff(),
            starts_at: local_time(ctx, d.starts_at),
            due_at: local_time(ctx, d.due_at),
            due_on: last_day_before(d.due_at, tz),
            met_at: d.met_at.map(|m| local_time(ctx, m)),
            status: d.status(now),
        }
    }
}

/// The petitioner's evaluation (评价) of the bureau and of the handling unit.
#[derive(SimpleObject)]
#[graphql(name = "Evaluation")]
pub struct EvaluationView {
    /// How satisfied with the bureau (信访部门).
    pub bureau: crate::domain::case::Satisfaction,
    /// How satisfied with the handling unit (责任单位).
    pub unit: crate::domain::case::Satisfaction,
    /// Why, if the petitioner said.
    pub reason: Option<String>,
}

impl From<Evaluation> for EvaluationView {
    fn from(e: Evaluation) -> Self {
        EvaluationView { bureau: e.bureau, unit: e.unit, reason: e.reason }
    }
}

/// A stored JSON value as its type; one that does not read (never written by this service) is logged and shown as
/// absent rather than failing the whole case.
fn stored<T: serde::de::DeserializeOwned>(value: &serde_json::Value, what: &str) -> Option<T> {
    serde_json::from_value(value.clone()).map_err(|e| tracing::error!(error = %e, "a stored {what} does not read")).ok()
}
