//! The steps of handling a case after intake (DOMAIN.md §3, §4, §7): routing and acceptance (Arts 22-23), handling,
//! case leads and activities (Arts 18, 32-34), answer, evaluation, review requests, closure and withdrawal. Each
//! mutation is one transaction: a refusal changes nothing. The rules live in `crate::domain`, the steps in
//! `crate::services::case_work`; this module only translates.

use async_graphql::{Context, Enum, InputObject, Object, Result, ID};
use chrono::{DateTime, NaiveDate, Utc};
use diesel::PgConnection;

use super::case::{CaseNode, PetitionerContact};
use super::context::{object_id, state, work};
use super::escalation::{EscalationNode, EscalationPayload};
use crate::domain::case::{Category, ClosureReason, EventKind, Outcome, Satisfaction, ServedVia};
use crate::domain::details::{Milestone, ResolutionPlan};
use crate::domain::ids::AccountId;
use crate::domain::ids::CaseId;
use crate::domain::ids::UnitId;
use crate::domain::person::{parse_text, NOTE_MAX_CHARS};
use crate::error::{AppError, AppResult, Message};
use crate::models::case::Case;
use crate::services::case_work::closing;
use crate::services::case_work::contact;
use crate::services::case_work::engine::SeenCase;
use crate::services::case_work::handling::{self, Activity, Answer};
use crate::services::case_work::reviews;
use crate::services::case_work::routing::{self, Route};
use crate::services::WorkContext;

mod inputs;

pub use inputs::*;

fn case_id(id: &ID) -> AppResult<CaseId> {
    object_id(id, "case")
}

/// The case a step names, as the client last saw it.
fn seen(id: &ID, version: Option<i32>) -> AppResult<SeenCase> {
    Ok(SeenCase { id: case_id(id)?, version })
}

/// Runs one step in one transaction and returns the changed case.
async fn step<F>(ctx: &Context<'_>, f: F) -> Result<CaseNode>
where
    F: FnOnce(&mut PgConnection, &WorkContext) -> AppResult<Case> + Send + 'static,
{
    let w = work(ctx)?;
    Ok(CaseNode(state(ctx).db.transaction(move |conn| f(conn, &w)).await?))
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
        let case = seen(&input.case_id, input.expected_version)?;
        let unit = || -> AppResult<UnitId> {
            let raw = input
                .unit_id
                .as_ref()
                .ok_or_else(|| AppError::bad_input("input.unitId", Message::RequiredToForward))?;
            raw.parse().map_err(|_| AppError::bad_input("input.unitId", Message::NotAnId))
        };
        let route = match input.action {
            RouteAction::Forward => Route::Forward { unit_id: unit()? },
            RouteAction::Assign => Route::Assign {
                unit_id: unit()?,
                handling_days: input
                    .handling_days
                    .ok_or_else(|| AppError::bad_input("input.handlingDays", Message::RequiredToAssign))?,
            },
            RouteAction::RouteOut => Route::RouteOut {
                where_to_go: input
                    .where_to_go
                    .clone()
                    .ok_or_else(|| AppError::bad_input("input.whereToGo", Message::RequiredToRouteOut))?,
            },
            RouteAction::NotAccept => Route::NotAccept {
                reason: input
                    .reason
                    .clone()
                    .ok_or_else(|| AppError::bad_input("input.reason", Message::RequiredToNotAccept))?,
            },
        };
        let note = input.note;
        step(ctx, move |conn, w| routing::route(conn, w, case, route, note.as_deref())).await
    }

    /// The handling unit accepts the case (Art 23, within 15 days of receipt by the unit).
    async fn accept_case(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The case.")] input: CaseStepInput,
    ) -> Result<CaseNode> {
        let case = seen(&input.case_id, input.expected_version)?;
        step(ctx, move |conn, w| routing::accept(conn, w, case, input.notice.as_deref())).await
    }

    /// The handling unit objects that the matter is not its remit (Art 23, within 5 working days).
    async fn object_to_case(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The objection.")] input: ObjectToCaseInput,
    ) -> Result<CaseNode> {
        let case = seen(&input.case_id, input.expected_version)?;
        step(ctx, move |conn, w| routing::object(conn, w, case, &input.reasons)).await
    }

    /// The bureau decides an objection.
    async fn decide_objection(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The decision.")] input: DecideObjectionInput,
    ) -> Result<CaseNode> {
        let case = seen(&input.case_id, input.expected_version)?;
        step(ctx, move |conn, w| routing::decide_objection(conn, w, case, input.agree, &input.opinion)).await
    }

    /// Classifies an accepted case, which starts its handling.
    async fn classify_case(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The classification.")] input: ClassifyCaseInput,
    ) -> Result<CaseNode> {
        let case = seen(&input.case_id, input.expected_version)?;
        step(ctx, move |conn, w| handling::classify(conn, w, case, input.category)).await
    }

    /// A committee member or bureau clerk designates a case lead.
    async fn designate_case_lead(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The designation.")] input: DesignateCaseLeadInput,
    ) -> Result<CaseNode> {
        let id = case_id(&input.case_id)?;
        let lead: AccountId =
            input.lead_id.parse().map_err(|_| AppError::bad_input("input.leadId", Message::NotAnId))?;
        let session = input
            .reception_session_id
            .as_ref()
            .map(|s| s.parse().map_err(|_| AppError::bad_input("input.receptionSessionId", Message::NotAnId)))
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
            return Err(AppError::bad_input("input.team", Message::OneTo30Members).into());
        }
        let team = input
            .team
            .iter()
            .enumerate()
            .map(|(i, m)| parse_text(m, &format!("input.team.{i}"), 100))
            .collect::<AppResult<Vec<_>>>()?;
        if input.milestones.len() > 20 {
            return Err(AppError::bad_input("input.milestones", Message::AtMost20).into());
        }
        let mut milestones = Vec::new();
        for (i, m) in input.milestones.iter().enumerate() {
            let title = parse_text(&m.title, &format!("input.milestones.{i}.title"), 200)?;
            if m.due > input.target_date {
                return Err(AppError::bad_input(format!("input.milestones.{i}.due"), Message::AfterTargetDate).into());
            }
            milestones.push(Milestone { title, due: m.due });
        }
        let today = state(ctx).settings.calendar().local_date(state(ctx).clock.now());
        if input.target_date < today {
            return Err(AppError::bad_input("input.targetDate", Message::InThePast).into());
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
        let case = seen(&input.case_id, input.expected_version)?;
        step(ctx, move |conn, w| handling::extend(conn, w, case, input.days, &input.reason)).await
    }

    /// The handling unit (or the case lead) serves the handling opinion.
    async fn answer_case(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The answer.")] input: AnswerCaseInput,
    ) -> Result<CaseNode> {
        let case = seen(&input.case_id, input.expected_version)?;
        step(ctx, move |conn, w| {
            let a = Answer {
                outcome: input.outcome,
                opinion: &input.opinion,
                served_via: input.served_via,
                served_at: input.served_at,
            };
            handling::answer(conn, w, case, a)
        })
        .await
    }

    /// Closes an answered or reviewed case: closure commitment signed, or no review asked in time.
    async fn close_case(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The closure.")] input: CloseCaseInput,
    ) -> Result<CaseNode> {
        let case = seen(&input.case_id, input.expected_version)?;
        step(ctx, move |conn, w| closing::close(conn, w, case, input.reason, input.note.as_deref())).await
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
