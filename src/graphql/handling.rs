//! The steps of handling a case after intake (DOMAIN.md §3, §4, §7): routing and acceptance (Arts 22-23), handling,
//! case leads and activities (Arts 18, 32-34), answer, evaluation, review requests, closure and withdrawal. Each
//! mutation is one transaction: a refusal changes nothing. The rules live in `crate::domain`, the steps in
//! `crate::services::case_work`; this module only translates.

use async_graphql::{Context, Enum, InputObject, Object, Result, ID};
use chrono::{DateTime, NaiveDate, Utc};
use diesel::PgConnection;
use uuid::Uuid;

use super::case::{CaseNode, PetitionerContact};
use super::context::{object_id, state, work};
use super::escalation::{EscalationNode, EscalationPayload};
use crate::domain::case::{Category, ClosureReason, EventKind, Outcome, Satisfaction, ServedVia};
use crate::domain::details::{Milestone, ResolutionPlan};
use crate::domain::person::{parse_text, NOTE_MAX_CHARS};
use crate::error::{AppError, AppResult};
use crate::models::case::Case;
use crate::services::case_work::closing;
use crate::services::case_work::contact;
use crate::services::case_work::handling::{self, Activity, Answer};
use crate::services::case_work::reviews;
use crate::services::case_work::routing::{self, Route};
use crate::services::case_work::WorkContext;

fn case_id(id: &ID) -> AppResult<Uuid> {
    object_id(id, "case")
}

/// Runs one step in one transaction and returns the changed case.
async fn step<F>(ctx: &Context<'_>, f: F) -> Result<CaseNode>
where
    F: FnOnce(&mut PgConnection, &WorkContext) -> AppResult<Case> + Send + 'static,
{
    let w = work(ctx)?;
    Ok(CaseNode(state(ctx).db.transaction(move |conn| f(conn, &w)).await?))
}

/// How the bureau routes a case (Art 22).
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum RouteAction {
    /// 转送 to a handling unit (`unitId`).
    Forward,
    /// 交办 to a handling unit (`unitId`) with a handling period (`handlingDays`) and a completion report.
    Assign,
    /// Out of petition work (litigation, discipline): `whereToGo` tells the petitioner where.
    RouteOut,
    /// Not accepted, with a `reason` told to the petitioner.
    NotAccept,
}

/// Routing a submitted case.
#[derive(InputObject)]
pub struct RouteCaseInput {
    /// The case.
    pub case_id: ID,
    /// What to do with it.
    pub action: RouteAction,
    /// The handling unit (FORWARD, ASSIGN).
    pub unit_id: Option<ID>,
    /// The handling period in days, 1 to 60 (ASSIGN).
    pub handling_days: Option<i32>,
    /// Where the petitioner should turn (ROUTE_OUT).
    pub where_to_go: Option<String>,
    /// Why it is not accepted (NOT_ACCEPT).
    pub reason: Option<String>,
    /// An internal note.
    pub note: Option<String>,
    /// The case version you saw; `CONFLICT` if it changed since.
    pub expected_version: Option<i32>,
}

/// A step that needs nothing but the case.
#[derive(InputObject)]
pub struct CaseStepInput {
    /// The case.
    pub case_id: ID,
    /// The text for the petitioner (acceptance notice); optional.
    pub notice: Option<String>,
    /// The case version you saw; `CONFLICT` if it changed since.
    pub expected_version: Option<i32>,
}

/// An objection by the handling unit (Art 23: within 5 working days).
#[derive(InputObject)]
pub struct ObjectToCaseInput {
    /// The case.
    pub case_id: ID,
    /// Why the matter is not the unit's remit.
    pub reasons: String,
    /// The case version you saw; `CONFLICT` if it changed since.
    pub expected_version: Option<i32>,
}

/// The bureau's decision on an objection.
#[derive(InputObject)]
pub struct DecideObjectionInput {
    /// The case.
    pub case_id: ID,
    /// True: the bureau agrees and will route the case anew; false: the unit must handle it.
    pub agree: bool,
    /// The bureau's opinion.
    pub opinion: String,
    /// The case version you saw; `CONFLICT` if it changed since.
    pub expected_version: Option<i32>,
}

/// Classifying an accepted case, which starts its handling.
#[derive(InputObject)]
pub struct ClassifyCaseInput {
    /// The case.
    pub case_id: ID,
    /// The kind of matter.
    pub category: Category,
    /// The case version you saw; `CONFLICT` if it changed since.
    pub expected_version: Option<i32>,
}

/// Designating a case lead (包案, Art 18).
#[derive(InputObject)]
pub struct DesignateCaseLeadInput {
    /// The case.
    pub case_id: ID,
    /// The account of the case lead.
    pub lead_id: ID,
    /// Mark the case as a backlog case (积案).
    pub backlog: Option<bool>,
    /// An internal note.
    pub note: Option<String>,
    /// The reception session where the leader took charge (领导接访中包案), if it was at one: a session of this
    /// leader that has begun.
    pub reception_session_id: Option<ID>,
}

/// A milestone of a resolution plan.
#[derive(InputObject)]
pub struct MilestoneInput {
    /// What is to be done.
    pub title: String,
    /// By when.
    pub due: NaiveDate,
}

/// A case lead's resolution plan (路线图、时间表、任务书).
#[derive(InputObject)]
pub struct SetResolutionPlanInput {
    /// The case.
    pub case_id: ID,
    /// Who works on it.
    pub team: Vec<String>,
    /// The plan.
    pub plan: String,
    /// Milestones, up to 20.
    #[graphql(default)]
    pub milestones: Vec<MilestoneInput>,
    /// When the matter should be resolved.
    pub target_date: NaiveDate,
}

/// Kinds of activity on a case.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum ActivityKind {
    /// 接访: a reception.
    Reception,
    /// 下访: a home visit.
    HomeVisit,
    /// 约访: an appointment.
    Appointment,
    /// 回访: a return visit.
    ReturnVisit,
    /// 会商: a consultation.
    Consultation,
    /// 听证: a hearing during a review; its days do not count (Art 36).
    Hearing,
    /// A note.
    Note,
}

impl ActivityKind {
    fn event(self) -> EventKind {
        match self {
            ActivityKind::Reception => EventKind::Reception,
            ActivityKind::HomeVisit => EventKind::HomeVisit,
            ActivityKind::Appointment => EventKind::Appointment,
            ActivityKind::ReturnVisit => EventKind::ReturnVisit,
            ActivityKind::Consultation => EventKind::Consultation,
            ActivityKind::Hearing => EventKind::Hearing,
            ActivityKind::Note => EventKind::Note,
        }
    }
}

/// Something staff did on a case.
#[derive(InputObject)]
pub struct LogActivityInput {
    /// The case.
    pub case_id: ID,
    /// What kind of activity.
    pub kind: ActivityKind,
    /// When it happened (not in the future, not before the petition was received).
    pub happened_at: DateTime<Utc>,
    /// What happened.
    pub note: String,
    /// For hearings: how many days it took.
    pub hearing_days: Option<i32>,
    /// Whether the petitioner must not see it; defaults to true for notes and consultations.
    pub staff_only: Option<bool>,
}

/// Extending the handling period (Art 34).
#[derive(InputObject)]
pub struct ExtendDeadlineInput {
    /// The case.
    pub case_id: ID,
    /// Days to add, 1 to 30.
    pub days: i32,
    /// The reason, told to the petitioner.
    pub reason: String,
    /// The case version you saw; `CONFLICT` if it changed since.
    pub expected_version: Option<i32>,
}

/// The handling opinion (Art 32).
#[derive(InputObject)]
pub struct AnswerCaseInput {
    /// The case.
    pub case_id: ID,
    /// Supported, explained, or not supported.
    pub outcome: Outcome,
    /// The handling opinion served to the petitioner.
    pub opinion: String,
    /// How it was served.
    pub served_via: ServedVia,
    /// When it was served (default now; not in the future).
    pub served_at: Option<DateTime<Utc>>,
    /// The case version you saw; `CONFLICT` if it changed since.
    pub expected_version: Option<i32>,
}

/// Closing a case.
#[derive(InputObject)]
pub struct CloseCaseInput {
    /// The case.
    pub case_id: ID,
    /// Why.
    pub reason: ClosureReason,
    /// An internal note.
    pub note: Option<String>,
    /// The case version you saw; `CONFLICT` if it changed since.
    pub expected_version: Option<i32>,
}

/// Withdrawing one's own petition.
#[derive(InputObject)]
pub struct WithdrawCaseInput {
    /// The case.
    pub case_id: ID,
    /// Why, if the petitioner wants to say.
    pub reason: Option<String>,
}

/// The petitioner's evaluation of the bureau and of the handling unit, separately.
#[derive(InputObject)]
pub struct EvaluateCaseInput {
    /// The case.
    pub case_id: ID,
    /// How satisfied with the bureau.
    pub bureau: Satisfaction,
    /// How satisfied with the handling unit.
    pub unit: Satisfaction,
    /// Why, required when dissatisfied.
    pub reason: Option<String>,
}

/// A request for review (复查, after an answer) or re-review (复核, after a review decision).
#[derive(InputObject)]
pub struct RequestReviewInput {
    /// The case.
    pub case_id: ID,
    /// Why the petitioner disagrees.
    pub reason: String,
}

/// An audited look at a petitioner's contact data.
#[derive(InputObject)]
pub struct RevealPetitionerContactInput {
    /// The case.
    pub case_id: ID,
    /// Why you need it (recorded in the case's audit trail).
    pub purpose: String,
}

#[derive(Default)]
pub struct HandlingMutation;

#[Object]
impl HandlingMutation {
    /// The bureau routes a submitted case: forward, assign, route out, or not accept (Art 22, within 15 days).
    async fn route_case(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The routing.")] input: RouteCaseInput,
    ) -> Result<CaseNode> {
        let id = case_id(&input.case_id)?;
        let unit = || -> AppResult<Uuid> {
            let raw = input
                .unit_id
                .as_ref()
                .ok_or_else(|| AppError::bad_input("input.unitId", "required to forward or assign"))?;
            raw.parse().map_err(|_| AppError::bad_input("input.unitId", "not an id"))
        };
        let route = match input.action {
            RouteAction::Forward => Route::Forward { unit_id: unit()? },
            RouteAction::Assign => Route::Assign {
                unit_id: unit()?,
                handling_days: input
                    .handling_days
                    .ok_or_else(|| AppError::bad_input("input.handlingDays", "required to assign"))?,
            },
            RouteAction::RouteOut => Route::RouteOut {
                where_to_go: input
                    .where_to_go
                    .clone()
                    .ok_or_else(|| AppError::bad_input("input.whereToGo", "required to route out"))?,
            },
            RouteAction::NotAccept => Route::NotAccept {
                reason: input
                    .reason
                    .clone()
                    .ok_or_else(|| AppError::bad_input("input.reason", "required to not accept"))?,
            },
        };
        let (note, version) = (input.note, input.expected_version);
        step(ctx, move |conn, w| routing::route(conn, w, id, route, note.as_deref(), version)).await
    }

    /// The handling unit accepts the case (Art 23, within 15 days of receipt by the unit).
    async fn accept_case(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The case.")] input: CaseStepInput,
    ) -> Result<CaseNode> {
        let id = case_id(&input.case_id)?;
        step(ctx, move |conn, w| routing::accept(conn, w, id, input.notice.as_deref(), input.expected_version)).await
    }

    /// The handling unit objects that the matter is not its remit (Art 23, within 5 working days).
    async fn object_to_case(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The objection.")] input: ObjectToCaseInput,
    ) -> Result<CaseNode> {
        let id = case_id(&input.case_id)?;
        step(ctx, move |conn, w| routing::object(conn, w, id, &input.reasons, input.expected_version)).await
    }

    /// The bureau decides an objection.
    async fn decide_objection(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The decision.")] input: DecideObjectionInput,
    ) -> Result<CaseNode> {
        let id = case_id(&input.case_id)?;
        step(ctx, move |conn, w| {
            routing::decide_objection(conn, w, id, input.agree, &input.opinion, input.expected_version)
        })
        .await
    }

    /// Classifies an accepted case, which starts its handling.
    async fn classify_case(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The classification.")] input: ClassifyCaseInput,
    ) -> Result<CaseNode> {
        let id = case_id(&input.case_id)?;
        step(ctx, move |conn, w| handling::classify(conn, w, id, input.category, input.expected_version)).await
    }

    /// A committee member or bureau clerk designates a case lead.
    async fn designate_case_lead(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The designation.")] input: DesignateCaseLeadInput,
    ) -> Result<CaseNode> {
        let id = case_id(&input.case_id)?;
        let lead: Uuid = input.lead_id.parse().map_err(|_| AppError::bad_input("input.leadId", "not an id"))?;
        let session = input
            .reception_session_id
            .as_ref()
            .map(|s| s.parse().map_err(|_| AppError::bad_input("input.receptionSessionId", "not an id")))
            .transpose()?;
        step(ctx, move |conn, w| {
            handling::designate_case_lead(conn, w, id, lead, input.backlog, input.note.as_deref(), session)
        })
        .await
    }

    /// The case lead sets the resolution plan.
    async fn set_resolution_plan(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The plan.")] input: SetResolutionPlanInput,
    ) -> Result<CaseNode> {
        let id = case_id(&input.case_id)?;
        let plan = parse_text(&input.plan, "input.plan", NOTE_MAX_CHARS)?;
        if input.team.is_empty() || input.team.len() > 30 {
            return Err(AppError::bad_input("input.team", "1 to 30 members").into());
        }
        let team = input
            .team
            .iter()
            .enumerate()
            .map(|(i, m)| parse_text(m, &format!("input.team.{i}"), 100))
            .collect::<AppResult<Vec<_>>>()?;
        if input.milestones.len() > 20 {
            return Err(AppError::bad_input("input.milestones", "at most 20").into());
        }
        let mut milestones = Vec::new();
        for (i, m) in input.milestones.iter().enumerate() {
            let title = parse_text(&m.title, &format!("input.milestones.{i}.title"), 200)?;
            if m.due > input.target_date {
                return Err(AppError::bad_input(format!("input.milestones.{i}.due"), "after the target date").into());
            }
            milestones.push(Milestone { title, due: m.due });
        }
        let today = state(ctx).settings.calendar().local_date(state(ctx).clock.now());
        if input.target_date < today {
            return Err(AppError::bad_input("input.targetDate", "must not lie in the past").into());
        }
        let plan = ResolutionPlan { team, plan, milestones, target_date: input.target_date };
        step(ctx, move |conn, w| handling::set_resolution_plan(conn, w, id, &plan)).await
    }

    /// Logs a reception, visit, appointment, return visit, consultation, hearing or note.
    async fn log_activity(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The activity.")] input: LogActivityInput,
    ) -> Result<CaseNode> {
        let id = case_id(&input.case_id)?;
        let kind = input.kind.event();
        let staff_only =
            input.staff_only.unwrap_or(matches!(input.kind, ActivityKind::Note | ActivityKind::Consultation));
        step(ctx, move |conn, w| {
            let activity = Activity {
                kind,
                happened_at: input.happened_at,
                note: &input.note,
                hearing_days: input.hearing_days,
                staff_only,
            };
            handling::log_activity(conn, w, id, activity)
        })
        .await
    }

    /// A case lead extends the handling period, once, by at most 30 days, before it runs out (Art 34).
    async fn extend_deadline(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The extension.")] input: ExtendDeadlineInput,
    ) -> Result<CaseNode> {
        let id = case_id(&input.case_id)?;
        step(ctx, move |conn, w| handling::extend(conn, w, id, input.days, &input.reason, input.expected_version)).await
    }

    /// The handling unit (or the case lead) serves the handling opinion.
    async fn answer_case(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The answer.")] input: AnswerCaseInput,
    ) -> Result<CaseNode> {
        let id = case_id(&input.case_id)?;
        step(ctx, move |conn, w| {
            let a = Answer {
                outcome: input.outcome,
                opinion: &input.opinion,
                served_via: input.served_via,
                served_at: input.served_at,
            };
            handling::answer(conn, w, id, a, input.expected_version)
        })
        .await
    }

    /// Closes an answered or reviewed case: closure commitment signed, or no review asked in time.
    async fn close_case(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The closure.")] input: CloseCaseInput,
    ) -> Result<CaseNode> {
        let id = case_id(&input.case_id)?;
        step(ctx, move |conn, w| {
            closing::close(conn, w, id, input.reason, input.note.as_deref(), input.expected_version)
        })
        .await
    }

    /// The petitioner withdraws their petition.
    async fn withdraw_case(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The withdrawal.")] input: WithdrawCaseInput,
    ) -> Result<CaseNode> {
        let id = case_id(&input.case_id)?;
        step(ctx, move |conn, w| closing::withdraw(conn, w, id, input.reason.as_deref())).await
    }

    /// The petitioner evaluates the bureau and the handling unit, within the evaluation window.
    async fn evaluate_case(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The evaluation.")] input: EvaluateCaseInput,
    ) -> Result<CaseNode> {
        let id = case_id(&input.case_id)?;
        step(ctx, move |conn, w| closing::evaluate(conn, w, id, input.bureau, input.unit, input.reason.as_deref()))
            .await
    }

    /// The petitioner requests a review (复查) after an answer, or a re-review (复核) after a review decision,
    /// within 30 days (Arts 35, 36).
    async fn request_review(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The request.")] input: RequestReviewInput,
    ) -> Result<EscalationPayload> {
        let id = case_id(&input.case_id)?;
        let w = work(ctx)?;
        let (case, e) = state(ctx).db.transaction(move |conn| reviews::request(conn, &w, id, &input.reason)).await?;
        Ok(EscalationPayload { case: CaseNode(case), escalation: EscalationNode(e) })
    }

    /// Shows a petitioner's contact data in full to staff who may know the petitioner. Every use is recorded in
    /// the case's append-only history with its purpose.
    async fn reveal_petitioner_contact(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The case and why.")] input: RevealPetitionerContactInput,
    ) -> Result<PetitionerContact> {
        let id = case_id(&input.case_id)?;
        let w = work(ctx)?;
        let (phone, id_number) =
            state(ctx).db.transaction(move |conn| contact::reveal_contact(conn, &w, id, &input.purpose)).await?;
        Ok(PetitionerContact { phone, id_number, masked: false })
    }
}
