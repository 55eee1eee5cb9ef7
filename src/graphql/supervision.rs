//! Supervision notices (督办, DOMAIN.md §6) as the API shows them. Only staff see them: committee and bureau staff
//! those about units of their jurisdiction's subtree, handling-unit staff those addressed to their unit.

use async_graphql::{Context, InputObject, Object, Result, ID};
use chrono::{DateTime, FixedOffset, NaiveDate};

use super::case::CaseNode;
use super::connection::{connection, overdue_filter, scoped_page, PageArgs};
use super::context::{caller, filter_id, local_time, object_id, state, work};
use super::jurisdiction::UnitNode;
use super::loaders::Loaders;
use crate::domain::scope::notice_scope;
use crate::domain::supervision::{NoticeAction, NoticeStatus, NoticeTrigger, NoticeType};
use crate::error::{AppError, AppResult};
use crate::models::page::TimeKey;
use crate::models::supervision_notice::{self as model, NoticeEvent, NoticeFilter, NoticeList, SupervisionNotice};
use crate::services::oversight::notices::{self, NoticeRequest, NoticeStep};

/// A supervision notice (督办通知) to a handling unit about one or more cases.
#[derive(Clone)]
pub struct SupervisionNoticeNode(pub SupervisionNotice);

/// A supervision notice (督办通知) to a handling unit about one or more cases.
#[Object(name = "SupervisionNotice")]
impl SupervisionNoticeNode {
    /// The notice's id.
    pub async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// What kind of supervision.
    async fn notice_type(&self) -> NoticeType {
        self.0.notice_type
    }

    /// What prompted it.
    async fn trigger(&self) -> NoticeTrigger {
        self.0.trigger_reason
    }

    /// What the unit must do.
    async fn requirements(&self) -> &str {
        &self.0.requirements
    }

    /// Where it stands.
    async fn status(&self) -> NoticeStatus {
        self.0.status
    }

    /// The handling unit it is addressed to.
    async fn target_unit(&self, ctx: &Context<'_>) -> Result<Option<UnitNode>> {
        Ok(ctx.data_unchecked::<Loaders>().unit().load_one(self.0.target_unit_id).await?.map(UnitNode))
    }

    /// The unit that issued it (a committee or a bureau).
    async fn issuer_unit(&self, ctx: &Context<'_>) -> Result<Option<UnitNode>> {
        Ok(ctx.data_unchecked::<Loaders>().unit().load_one(self.0.issuer_unit_id).await?.map(UnitNode))
    }

    /// The account that issued it.
    async fn issuer_id(&self) -> ID {
        ID(self.0.issuer_account_id.to_string())
    }

    /// The cases it is about, as far as the caller may see them.
    #[graphql(complexity = "10 * child_complexity")]
    async fn cases(&self, ctx: &Context<'_>) -> Result<Vec<CaseNode>> {
        let loaders = ctx.data_unchecked::<Loaders>();
        let ids = loaders.cases_of_notice().load_one(self.0.id).await?.unwrap_or_default();
        let found = loaders.case().load_many(ids.iter().copied()).await?;
        Ok(ids.iter().filter_map(|id| found.get(id).cloned()).map(CaseNode).collect())
    }

    /// When it was issued.
    async fn issued_at(&self, ctx: &Context<'_>) -> DateTime<FixedOffset> {
        local_time(ctx, self.0.issued_at)
    }

    /// When the written response is due (midnight at the end of its last day).
    async fn response_due_at(&self, ctx: &Context<'_>) -> DateTime<FixedOffset> {
        local_time(ctx, self.0.response_due_at)
    }

    /// The last day for the written response, as a date in the configured time zone (as the issuer gave it).
    async fn response_due_on(&self, ctx: &Context<'_>) -> NaiveDate {
        crate::domain::deadline::last_day_before(self.0.response_due_at, state(ctx).settings.time_zone)
    }

    /// Whether a response is owed and past due.
    async fn overdue(&self, ctx: &Context<'_>) -> bool {
        self.0.status.awaits_response() && self.0.response_due_at <= state(ctx).clock.now()
    }

    /// When the unit acknowledged it (签收).
    async fn acknowledged_at(&self, ctx: &Context<'_>) -> Option<DateTime<FixedOffset>> {
        self.0.acknowledged_at.map(|t| local_time(ctx, t))
    }

    /// When the unit last responded.
    async fn responded_at(&self, ctx: &Context<'_>) -> Option<DateTime<FixedOffset>> {
        self.0.responded_at.map(|t| local_time(ctx, t))
    }

    /// Whether the unit adopted the proposals, once it responded.
    async fn adopted(&self) -> Option<bool> {
        self.0.adopted
    }

    /// The unit's latest written response (书面反馈), with its reasons.
    async fn response(&self) -> Option<&str> {
        self.0.response.as_deref()
    }

    /// When the issuer closed it.
    async fn closed_at(&self, ctx: &Context<'_>) -> Option<DateTime<FixedOffset>> {
        self.0.closed_at.map(|t| local_time(ctx, t))
    }

    /// Changes with every step.
    async fn version(&self) -> i32 {
        self.0.version
    }

    /// The notice's history, oldest first (append-only).
    async fn events(&self, ctx: &Context<'_>) -> Result<Vec<NoticeEventNode>> {
        let rows = ctx.data_unchecked::<Loaders>().notice_events().load_one(self.0.id).await?.unwrap_or_default();
        Ok(rows.into_iter().map(NoticeEventNode).collect())
    }
}

/// An entry in a supervision notice's history.
pub struct NoticeEventNode(pub NoticeEvent);

/// An entry in a supervision notice's history (append-only).
#[Object(name = "SupervisionNoticeEvent")]
impl NoticeEventNode {
    /// `ISSUED`, `ACKNOWLEDGED`, `RESPONDED`, `CLOSED`, `REOPENED`, or `OVERDUE` (recorded by the sweep).
    async fn kind(&self) -> &str {
        self.0.entry.kind.as_str()
    }

    /// The status before, for steps.
    async fn from_status(&self) -> Option<NoticeStatus> {
        self.0.entry.from_status
    }

    /// The status after, for steps.
    async fn to_status(&self) -> Option<NoticeStatus> {
        self.0.entry.to_status
    }

    /// When it happened.
    async fn occurred_at(&self, ctx: &Context<'_>) -> DateTime<FixedOffset> {
        local_time(ctx, self.0.entry.occurred_at)
    }

    /// Who acted (an account id); null for the sweep.
    async fn actor_id(&self) -> Option<ID> {
        self.0.entry.actor_account_id.map(|id| ID(id.to_string()))
    }

    /// The role the actor acted in (`SYSTEM` for the sweep).
    async fn actor_role(&self) -> Option<crate::domain::role::ActorRole> {
        self.0.entry.actor_role
    }

    /// A note given with the step.
    async fn note(&self) -> Option<&str> {
        self.0.entry.note.as_deref()
    }

    /// Structured details (the response, the reason to reopen, the due time missed).
    async fn details(&self) -> async_graphql::Json<serde_json::Value> {
        async_graphql::Json(self.0.entry.payload.clone())
    }
}

connection!(
    SupervisionNoticeConnection,
    SupervisionNoticeEdge,
    SupervisionNoticeNode,
    "A page of supervision notices, newest first (Relay connection).",
    "A supervision notice in a page, with its cursor."
);

/// Which notices to list, on top of what the caller may see anyway.
#[derive(InputObject, Default)]
pub struct SupervisionNoticeFilterInput {
    /// Only these statuses.
    pub status: Option<Vec<NoticeStatus>>,
    /// Only this kind.
    pub notice_type: Option<NoticeType>,
    /// Only notices to this unit.
    pub target_unit_id: Option<ID>,
    /// Only notices issued by this account.
    pub issuer_id: Option<ID>,
    /// Only notices whose response is owed and past due (true; leave it out for all).
    pub overdue: Option<bool>,
    /// Only notices to units in the subtree of this jurisdiction.
    pub jurisdiction_code: Option<String>,
    /// Only notices about this case.
    pub case_id: Option<ID>,
}

#[derive(Default)]
pub struct SupervisionQuery;

#[Object]
impl SupervisionQuery {
    /// One supervision notice. `NOT_FOUND` when it does not exist or the caller may not see it.
    async fn supervision_notice(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The notice's id.")] id: ID,
    ) -> Result<Option<SupervisionNoticeNode>> {
        let scope = notice_scope(caller(ctx)?);
        let id = object_id(&id, "supervision notice")?;
        let found = state(ctx).db.run(move |conn| Ok(model::find_visible(conn, &scope, id)?)).await?;
        Ok(Some(SupervisionNoticeNode(found.ok_or_else(|| AppError::not_found("supervision notice"))?)))
    }

    /// The supervision notices the caller may see, newest first. Petitioners see none.
    #[graphql(complexity = "first.or(last).unwrap_or(20).max(1) as usize * child_complexity")]
    async fn supervision_notices(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which notices.")] filter: Option<SupervisionNoticeFilterInput>,
        #[graphql(desc = "Return the first n items (at most the maximum page size).")] first: Option<i32>,
        #[graphql(desc = "Return items after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return the last n items (at most the maximum page size).")] last: Option<i32>,
        #[graphql(desc = "Return items before this cursor.")] before: Option<String>,
    ) -> Result<SupervisionNoticeConnection> {
        let scope = notice_scope(caller(ctx)?);
        let st = state(ctx);
        let page = PageArgs { first, after, last, before }.parse::<TimeKey>(st.settings.limits.max_page_size)?;
        let f = filter.unwrap_or_default();
        let filter = NoticeFilter {
            statuses: f.status,
            notice_type: f.notice_type,
            target_unit_id: filter_id(f.target_unit_id.as_ref(), "filter.targetUnitId")?,
            issuer_account_id: filter_id(f.issuer_id.as_ref(), "filter.issuerId")?,
            overdue_at: overdue_filter(f.overdue, st.clock.now())?,
            within_path: None,
            case_id: filter_id(f.case_id.as_ref(), "filter.caseId")?,
        };
        let (rows, total) = scoped_page::<NoticeList>(ctx, scope, filter, f.jurisdiction_code, page).await?;
        Ok(SupervisionNoticeConnection::build(rows, total, model::key_of, SupervisionNoticeNode))
    }
}

/// A new supervision notice.
#[derive(InputObject)]
pub struct IssueSupervisionNoticeInput {
    /// The cases it is about (1 to 50), all now with the target unit.
    pub case_ids: Vec<ID>,
    /// The handling unit it is addressed to, at the issuer's jurisdiction or below.
    pub target_unit_id: ID,
    /// What kind of supervision.
    pub notice_type: NoticeType,
    /// What prompted it.
    pub trigger: NoticeTrigger,
    /// What the unit must do (improvement proposals and the like), up to 2000 characters.
    pub requirements: String,
    /// The last day for the written response: after today, at most 90 days ahead; 30 days by default.
    pub response_due_on: Option<NaiveDate>,
}

/// A step on a notice that needs nothing but the notice and, perhaps, a note.
#[derive(InputObject)]
pub struct NoticeStepInput {
    /// The notice.
    pub notice_id: ID,
    /// A note, up to 2000 characters.
    pub note: Option<String>,
}

/// The unit's written response (书面反馈).
#[derive(InputObject)]
pub struct RespondToSupervisionNoticeInput {
    /// The notice.
    pub notice_id: ID,
    /// Whether the unit adopted the proposals.
    pub adopted: bool,
    /// What was done, or why the proposals were not adopted; up to 2000 characters.
    pub response: String,
}

/// The issuer reopens a notice whose response did not suffice.
#[derive(InputObject)]
pub struct ReopenSupervisionNoticeInput {
    /// The notice.
    pub notice_id: ID,
    /// Why, up to 2000 characters.
    pub reason: String,
    /// The last day for the new response: after today, at most 90 days ahead; 30 days by default.
    pub response_due_on: Option<NaiveDate>,
}

async fn step(ctx: &Context<'_>, id: &ID, action: NoticeAction, details: NoticeStep) -> Result<SupervisionNoticeNode> {
    let id = object_id(id, "supervision notice")?;
    let w = work(ctx)?;
    let notice = state(ctx).db.transaction(move |conn| notices::act(conn, &w, id, action, details)).await?;
    Ok(SupervisionNoticeNode(notice))
}

#[derive(Default)]
pub struct SupervisionMutation;

#[Object]
impl SupervisionMutation {
    /// A committee member or bureau clerk at the unit's jurisdiction or above issues a supervision notice (督办) to
    /// a handling unit about cases it holds (Arts 39-40). Each case's history records it, for staff.
    async fn issue_supervision_notice(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The notice.")] input: IssueSupervisionNoticeInput,
    ) -> Result<SupervisionNoticeNode> {
        let case_ids = input
            .case_ids
            .iter()
            .map(|id| id.parse().map_err(|_| AppError::not_found("case").with_field("input.caseIds")))
            .collect::<AppResult<Vec<crate::domain::ids::CaseId>>>()?;
        let target_unit_id =
            input.target_unit_id.parse().map_err(|_| AppError::not_found("unit").with_field("input.targetUnitId"))?;
        let req = NoticeRequest {
            case_ids,
            target_unit_id,
            notice_type: input.notice_type,
            trigger: input.trigger,
            requirements: input.requirements,
            response_due_on: input.response_due_on,
        };
        let w = work(ctx)?;
        let notice = state(ctx).db.transaction(move |conn| notices::issue(conn, &w, req)).await?;
        Ok(SupervisionNoticeNode(notice))
    }

    /// The target unit's clerk or case lead acknowledges receipt (签收).
    async fn acknowledge_supervision_notice(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The notice.")] input: NoticeStepInput,
    ) -> Result<SupervisionNoticeNode> {
        let details = NoticeStep { text: input.note, ..Default::default() };
        step(ctx, &input.notice_id, NoticeAction::Acknowledge, details).await
    }

    /// The target unit's clerk or case lead responds in writing: adopted or not, with reasons.
    async fn respond_to_supervision_notice(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The response.")] input: RespondToSupervisionNoticeInput,
    ) -> Result<SupervisionNoticeNode> {
        let details = NoticeStep { adopted: Some(input.adopted), text: Some(input.response), ..Default::default() };
        step(ctx, &input.notice_id, NoticeAction::Respond, details).await
    }

    /// The issuing unit closes a notice once the response suffices.
    async fn close_supervision_notice(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The notice.")] input: NoticeStepInput,
    ) -> Result<SupervisionNoticeNode> {
        let details = NoticeStep { text: input.note, ..Default::default() };
        step(ctx, &input.notice_id, NoticeAction::Close, details).await
    }

    /// The issuing unit reopens a responded or closed notice: a new response is due.
    async fn reopen_supervision_notice(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Why, and by when.")] input: ReopenSupervisionNoticeInput,
    ) -> Result<SupervisionNoticeNode> {
        let details =
            NoticeStep { text: Some(input.reason), response_due_on: input.response_due_on, ..Default::default() };
        step(ctx, &input.notice_id, NoticeAction::Reopen, details).await
    }
}
