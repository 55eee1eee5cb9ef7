//! Escalations (DOMAIN.md §5) as the API shows them: `escalations(...)`, `escalation(id)`, `escalateCase` and
//! `decideEscalation`. Reads go through the scope of the cases they are about; petitioners see only their own
//! reviews and re-reviews.

use async_graphql::{Context, InputObject, Object, Result, SimpleObject, ID};
use chrono::{DateTime, FixedOffset};

use super::case::CaseNode;
use super::connection::{connection, overdue_filter, scoped_page, PageArgs};
use super::context::{caller, filter_id, local_time, object_id, state, work};
use super::jurisdiction::JurisdictionNode;
use super::loaders::Loaders;
use crate::domain::escalation::{EscalationDecision, EscalationKind, EscalationStatus};
use crate::domain::scope::escalation_scope;
use crate::error::AppError;
use crate::models::escalation::{self as model, Escalation, EscalationFilter, EscalationList};
use crate::models::page::TimeKey;
use crate::services::case_work::escalations::{self, EscalationRequest};

/// An escalation of a case to a higher body: a review (复查), re-review (复核), joint conference (联席会议) or
/// urgent report.
#[derive(Clone)]
pub struct EscalationNode(pub Escalation);

/// An escalation of a case to a higher body: a review (复查), re-review (复核), joint conference (联席会议) or
/// urgent report.
#[Object(name = "Escalation")]
impl EscalationNode {
    /// The escalation's id (for `decideEscalation`).
    pub async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// What is asked of the higher body.
    async fn kind(&self) -> EscalationKind {
        self.0.kind
    }

    /// The case it is about (null if the caller may no longer see it).
    async fn case(&self, ctx: &Context<'_>) -> Result<Option<CaseNode>> {
        Ok(ctx.data_unchecked::<Loaders>().case().load_one(self.0.case_id).await?.map(CaseNode))
    }

    /// The code of the jurisdiction whose decision or matter is escalated.
    async fn from_jurisdiction(&self) -> &str {
        &self.0.from_jurisdiction
    }

    /// The code of the jurisdiction that decides.
    async fn to_jurisdiction(&self) -> &str {
        &self.0.to_jurisdiction
    }

    /// The jurisdiction that decides.
    async fn addressed_to(&self, ctx: &Context<'_>) -> Result<JurisdictionNode> {
        let j = ctx.data_unchecked::<Loaders>().jurisdiction().load_one(self.0.to_jurisdiction.clone()).await?;
        Ok(JurisdictionNode(j.ok_or_else(|| AppError::internal("escalation without target"))?))
    }

    /// For a jurisdiction dispute (Art 24): the code of the other jurisdiction in the dispute.
    async fn disputed_with(&self) -> Option<&str> {
        self.0.disputed_with.as_deref()
    }

    /// Why it was asked for.
    async fn reason(&self) -> &str {
        &self.0.reason
    }

    /// When it was asked for.
    async fn requested_at(&self, ctx: &Context<'_>) -> DateTime<FixedOffset> {
        local_time(ctx, self.0.requested_at)
    }

    /// When the decision is due (midnight at the end of its last day).
    async fn due_at(&self, ctx: &Context<'_>) -> DateTime<FixedOffset> {
        local_time(ctx, self.0.due_at)
    }

    /// The last day for the decision, as a date in the configured time zone.
    async fn due_on(&self, ctx: &Context<'_>) -> chrono::NaiveDate {
        crate::domain::deadline::last_day_before(self.0.due_at, state(ctx).settings.time_zone)
    }

    /// Whether it is still pending past its due time.
    async fn overdue(&self, ctx: &Context<'_>) -> bool {
        self.0.status == EscalationStatus::Pending && self.0.due_at <= state(ctx).clock.now()
    }

    /// Pending, decided or withdrawn.
    async fn status(&self) -> EscalationStatus {
        self.0.status
    }

    /// How it was decided.
    async fn decision(&self) -> Option<EscalationDecision> {
        self.0.decision
    }

    /// The decision's opinion.
    async fn opinion(&self) -> Option<&str> {
        self.0.opinion.as_deref()
    }

    /// When it was decided.
    async fn decided_at(&self, ctx: &Context<'_>) -> Option<DateTime<FixedOffset>> {
        self.0.decided_at.map(|d| local_time(ctx, d))
    }
}

connection!(
    EscalationConnection,
    EscalationEdge,
    EscalationNode,
    "A page of escalations, newest first (Relay connection).",
    "An escalation in a page, with its cursor."
);

/// Which escalations to list, on top of what the caller may see anyway.
#[derive(InputObject, Default)]
pub struct EscalationFilterInput {
    /// Only these kinds.
    pub kind: Option<Vec<EscalationKind>>,
    /// Only these statuses.
    pub status: Option<Vec<EscalationStatus>>,
    /// Only escalations of cases in the subtree of this jurisdiction.
    pub jurisdiction_code: Option<String>,
    /// Only escalations addressed to exactly this jurisdiction (what its staff must decide).
    pub addressed_to: Option<String>,
    /// Only pending escalations past their due time (true; leave it out for all).
    pub overdue: Option<bool>,
    /// Only escalations of this case.
    pub case_id: Option<ID>,
}

#[derive(Default)]
pub struct EscalationQuery;

#[Object]
impl EscalationQuery {
    /// One escalation. `NOT_FOUND` when it does not exist or the caller may not see it.
    async fn escalation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The escalation's id.")] id: ID,
    ) -> Result<Option<EscalationNode>> {
        let scope = escalation_scope(caller(ctx)?);
        let id = object_id(&id, "escalation")?;
        let found = state(ctx).db.run(move |conn| Ok(model::find_visible(conn, &scope, id)?)).await?;
        Ok(Some(EscalationNode(found.ok_or_else(|| AppError::not_found("escalation"))?)))
    }

    /// The escalations the caller may see, newest first: staff those of the cases in their scope, petitioners
    /// their own reviews and re-reviews.
    #[graphql(complexity = "first.or(last).unwrap_or(20).max(1) as usize * child_complexity")]
    async fn escalations(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which escalations.")] filter: Option<EscalationFilterInput>,
        #[graphql(desc = "Return the first n items (at most the maximum page size).")] first: Option<i32>,
        #[graphql(desc = "Return items after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return the last n items (at most the maximum page size).")] last: Option<i32>,
        #[graphql(desc = "Return items before this cursor.")] before: Option<String>,
    ) -> Result<EscalationConnection> {
        let scope = escalation_scope(caller(ctx)?);
        let st = state(ctx);
        let page = PageArgs { first, after, last, before }.parse::<TimeKey>(st.settings.limits.max_page_size)?;
        let f = filter.unwrap_or_default();
        let case_id = filter_id(f.case_id.as_ref(), "filter.caseId")?;
        let filter = EscalationFilter {
            kinds: f.kind,
            statuses: f.status,
            within_path: None,
            addressed_to: f.addressed_to,
            overdue_at: overdue_filter(f.overdue, st.clock.now())?,
            case_id,
        };
        let (rows, total) = scoped_page::<EscalationList>(ctx, scope, filter, f.jurisdiction_code, page).await?;
        Ok(EscalationConnection::build(rows, total, model::key_of, EscalationNode))
    }
}

/// An escalation and the case it is about, after a change.
#[derive(SimpleObject)]
pub struct EscalationPayload {
    /// The case.
    pub case: CaseNode,
    /// The escalation.
    pub escalation: EscalationNode,
}

/// A case put to a joint conference or reported up as urgent.
#[derive(InputObject)]
pub struct EscalateCaseInput {
    /// The case.
    pub case_id: ID,
    /// `JOINT_CONFERENCE` or `URGENT_REPORT` (reviews are the petitioner's: `requestReview`).
    pub kind: EscalationKind,
    /// Why, up to 2000 characters.
    pub reason: String,
    /// The jurisdiction addressed; one level above the case's by default. A joint conference may be the case's own
    /// jurisdiction's; an urgent report goes above it.
    pub to_jurisdiction_code: Option<String>,
    /// For a jurisdiction dispute: the other jurisdiction's code. The common superior's joint conference decides
    /// (Art 24), so leave `toJurisdictionCode` out.
    pub disputed_with: Option<String>,
    /// Days the higher body has to decide: 1 to 60; 30 for joint conferences, 15 for urgent reports by default.
    pub decision_days: Option<i32>,
}

/// A decision on an escalation.
#[derive(InputObject)]
pub struct DecideEscalationInput {
    /// The escalation.
    pub escalation_id: ID,
    /// Reviews: `UPHELD`, `CHANGED` or `REVOKED`; joint conferences: `COORDINATED`; urgent reports: `INSTRUCTED`.
    pub decision: EscalationDecision,
    /// The opinion (served to the petitioner for reviews), up to 2000 characters.
    pub opinion: String,
}

/// Withdrawing a pending escalation.
#[derive(InputObject)]
pub struct WithdrawEscalationInput {
    /// The escalation.
    pub escalation_id: ID,
    /// Why, up to 2000 characters.
    pub reason: String,
}

#[derive(Default)]
pub struct EscalationMutation;

#[Object]
impl EscalationMutation {
    /// Bureau clerks and committee members over the case, or its case lead, put a major, difficult or disputed
    /// matter to a joint conference (Art 24), or report a major or urgent one to the level above (Art 25). The
    /// case's status does not change.
    async fn escalate_case(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The escalation.")] input: EscalateCaseInput,
    ) -> Result<EscalationPayload> {
        let id = object_id(&input.case_id, "case")?;
        let w = work(ctx)?;
        let req = EscalationRequest {
            kind: input.kind,
            reason: input.reason,
            to_code: input.to_jurisdiction_code,
            disputed_with: input.disputed_with,
            decision_days: input.decision_days,
        };
        let (case, e) = state(ctx).db.transaction(move |conn| escalations::escalate(conn, &w, id, req)).await?;
        Ok(EscalationPayload { case: CaseNode(case), escalation: EscalationNode(e) })
    }

    /// Staff of the addressed level decide an escalation: reviews by its bureau clerks or case leads (a re-review
    /// decision makes the case final), joint conferences by its committee members, urgent reports by its bureau or
    /// committee staff.
    async fn decide_escalation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The decision.")] input: DecideEscalationInput,
    ) -> Result<EscalationPayload> {
        let id = object_id(&input.escalation_id, "escalation")?;
        let w = work(ctx)?;
        let (case, e) = state(ctx)
            .db
            .transaction(move |conn| escalations::decide(conn, &w, id, input.decision, &input.opinion))
            .await?;
        Ok(EscalationPayload { case: CaseNode(case), escalation: EscalationNode(e) })
    }

    /// Whoever asked for a joint conference or urgent report withdraws it while it is pending (`WITHDRAWN`).
    async fn withdraw_escalation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The escalation and why.")] input: WithdrawEscalationInput,
    ) -> Result<EscalationPayload> {
        let id = object_id(&input.escalation_id, "escalation")?;
        let w = work(ctx)?;
        let (case, e) =
            state(ctx).db.transaction(move |conn| escalations::withdraw(conn, &w, id, &input.reason)).await?;
        Ok(EscalationPayload { case: CaseNode(case), escalation: EscalationNode(e) })
    }
}
