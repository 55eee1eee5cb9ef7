//! Supervision notices (督办, DOMAIN.md §6): issued by a committee member or bureau clerk to a handling unit about
//! one or more of its cases; acknowledged and answered by the unit; closed or reopened by the issuer. Each function
//! runs inside the caller's transaction and leaves an entry in the notice's append-only history.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::PgConnection;
use serde_json::json;

use crate::domain::case::EventKind;
use crate::domain::deadline::DayCount;
use crate::domain::details::{to_payload, NoticeIssued, NoticeReopened, NoticeResponded, Supervised};
use crate::domain::ids::CaseId;
use crate::domain::ids::NoticeId;
use crate::domain::ids::UnitId;
use crate::domain::organisation::UnitKind;
use crate::domain::permission::{authorize_notice, may_issue, Authorized, NoticeParties, Operation};
use crate::domain::person::{parse_optional_text, parse_text, NOTE_MAX_CHARS};
use crate::domain::scope::{case_scope, notice_scope};
use crate::domain::supervision::{
    next_notice_status, NoticeAction, NoticeEventKind, NoticeStatus, NoticeTrigger, NoticeType, DEFAULT_RESPONSE_DAYS,
    MAX_CASES_PER_NOTICE, MAX_RESPONSE_DAYS,
};
use crate::error::{AppError, AppResult, Message};
use crate::models::supervision_notice::{
    self as model, NewNotice, NewNoticeEvent, NoticeEntry, NoticeUpdate, SupervisionNotice,
};
use crate::models::{case as case_model, jurisdiction, unit};
use crate::services::case_work::engine::{perform_authorized, Step};
use crate::services::WorkContext;

/// What an issuer asks of a unit.
pub struct NoticeRequest {
    pub case_ids: Vec<CaseId>,
    pub target_unit_id: UnitId,
    pub notice_type: NoticeType,
    pub trigger: NoticeTrigger,
    pub requirements: String,
    /// The last day for the written response; 30 days from issue when absent.
    pub response_due_on: Option<NaiveDate>,
}

/// When a response period chosen as a last day runs out: after today, at most [`MAX_RESPONSE_DAYS`] ahead.
fn response_due(ctx: &WorkContext, due_on: Option<NaiveDate>, field: &str) -> AppResult<DateTime<Utc>> {
    let Some(day) = due_on else {
        return Ok(ctx.env.calendar.due_at(ctx.env.now, DEFAULT_RESPONSE_DAYS, DayCount::Calendar));
    };
    let today = ctx.env.calendar.local_date(ctx.env.now);
    if day <= today {
        return Err(AppError::bad_input(field, Message::AfterToday));
    }
    if (day - today).num_days() > i64::from(MAX_RESPONSE_DAYS) {
        return Err(AppError::bad_input(field, Message::AtMostDaysAhead(MAX_RESPONSE_DAYS.to_string())));
    }
    Ok(ctx.env.calendar.end_of_day(day))
}

/// The acting staff member's unit (issuers always have one: `may_issue` checked it).
fn caller_unit(ctx: &WorkContext) -> AppResult<UnitId> {
    ctx.caller.unit.map(|(id, _)| id).ok_or_else(|| AppError::forbidden(Message::StaffWithoutUnit))
}

/// An entry of the notice's history written by the caller now, in the role `proof` gives them.
fn entry_by<'a, A>(
    ctx: &WorkContext,
    proof: &Authorized<A>,
    notice: &'a SupervisionNotice,
    kind: NoticeEventKind,
) -> NewNoticeEvent<'a> {
    let by = (Some(ctx.caller.account_id), proof.role().into());
    let entry = NoticeEntry::new(kind, by, ctx.env.now);
    NewNoticeEvent { notice_id: notice.id, jurisdiction_code: &notice.jurisdiction_code, entry }
}

/// `issueSupervisionNotice`.
pub fn issue(conn: &mut PgConnection, ctx: &WorkContext, req: NoticeRequest) -> AppResult<SupervisionNotice> {
    let requirements = parse_text(&req.requirements, "input.requirements", NOTE_MAX_CHARS)?;
    let mut case_ids = req.case_ids;
    case_ids.sort();
    case_ids.dedup();
    if case_ids.is_empty() {
        return Err(AppError::bad_input("input.caseIds", Message::NoCases));
    }
    if case_ids.len() > MAX_CASES_PER_NOTICE {
        return Err(AppError::bad_input("input.caseIds", Message::AtMostCases(MAX_CASES_PER_NOTICE.to_string())));
    }
    let target = unit::find_many(conn, &[req.target_unit_id])?
        .pop()
        .ok_or_else(|| AppError::not_found("unit").with_field("input.targetUnitId"))?;
    if target.kind != UnitKind::HandlingUnit {
        return Err(AppError::bad_input("input.targetUnitId", Message::NoticesToHandlingUnits));
    }
    let target_path = jurisdiction::find(conn, &target.jurisdiction_code)?
        .ok_or_else(|| AppError::internal("unit without jurisdiction"))?
        .path;
    let proof = may_issue(&ctx.caller, &target_path, "input.targetUnitId")?;
    let due = response_due(ctx, req.response_due_on, "input.responseDueOn")?;

    let scope = case_scope(&ctx.caller);
    let mut cases = Vec::with_capacity(case_ids.len());
    for id in &case_ids {
        let case = case_model::lock_visible(conn, &scope, *id)?
            .ok_or_else(|| AppError::not_found("case").with_field("input.caseIds"))?;
        if case.handling.current_unit_id != Some(target.id) {
            return Err(AppError::bad_input(
                "input.caseIds",
                Message::CaseNotWithUnit(case.reference.to_string(), target.name.to_string()),
            ));
        }
        cases.push(case);
    }
    let notice = model::insert(
        conn,
        &proof,
        &NewNotice {
            jurisdiction_code: &target.jurisdiction_code,
            target_unit_id: target.id,
            issuer_account_id: ctx.caller.account_id,
            issuer_unit_id: caller_unit(ctx)?,
            notice_type: req.notice_type,
            trigger_reason: req.trigger,
            requirements: &requirements,
            issued_at: ctx.env.now,
            response_due_at: due,
        },
        &cases.iter().map(|c| (c.id, c.jurisdiction_code.as_str())).collect::<Vec<_>>(),
    )?;
    let issued = NoticeIssued {
        case_ids,
        notice_type: req.notice_type,
        trigger: req.trigger,
        response_due_at: notice.response_due_at,
    };
    let written = entry_by(ctx, &proof, &notice, NoticeEventKind::Issued);
    let entry = written.entry.moving(None, Some(NoticeStatus::Issued)).saying(None, to_payload(&issued));
    model::append_event(conn, &proof, &NewNoticeEvent { entry, ..written })?;
    // Each case's history shows it was supervised (for staff: a petitioner does not see supervision).
    for case in cases {
        let mut step = Step::new(Operation::LogActivity, EventKind::Supervised);
        step.staff_only = true;
        step.details(&Supervised { notice_id: notice.id, notice_type: req.notice_type, trigger: req.trigger });
        perform_authorized(conn, ctx, case, &mut step, &proof)?;
    }
    Ok(notice)
}

/// What the unit or the issuer says with a step.
#[derive(Default)]
pub struct NoticeStep {
    /// Respond: whether the proposals were adopted.
    pub adopted: Option<bool>,
    /// Respond: the written response (required); reopen: the reason (required); otherwise a note.
    pub text: Option<String>,
    /// Reopen: the new last day for a response.
    pub response_due_on: Option<NaiveDate>,
}

/// `acknowledgeSupervisionNotice`, `respondToSupervisionNotice`, `closeSupervisionNotice`,
/// `reopenSupervisionNotice`.
pub fn act(
    conn: &mut PgConnection,
    ctx: &WorkContext,
    notice_id: NoticeId,
    action: NoticeAction,
    details: NoticeStep,
) -> AppResult<SupervisionNotice> {
    let scope = notice_scope(&ctx.caller);
    let notice =
        model::lock_visible(conn, &scope, notice_id)?.ok_or_else(|| AppError::not_found("supervision notice"))?;
    let parties = NoticeParties {
        notice_id: notice.id,
        target_unit_id: notice.target_unit_id,
        issuer_unit_id: notice.issuer_unit_id,
    };
    let proof = authorize_notice(&ctx.caller, action, &parties)?;
    let from = notice.status;
    let to = next_notice_status(from, action)?;
    let mut update = NoticeUpdate { status: Some(to), ..Default::default() };
    let mut payload = json!({});
    let note = match action {
        NoticeAction::Acknowledge => {
            update.acknowledged_at = Some(ctx.env.now);
            parse_optional_text(details.text.as_deref(), "input.note", NOTE_MAX_CHARS)?
        }
        NoticeAction::Respond => {
            let adopted = details.adopted.ok_or_else(|| AppError::bad_input("input.adopted", Message::SayIfAdopted))?;
            let response = parse_text(details.text.as_deref().unwrap_or(""), "input.response", NOTE_MAX_CHARS)?;
            update.responded_at = Some(ctx.env.now);
            update.adopted = Some(adopted);
            update.response = Some(response.clone());
            let late = ctx.env.now > notice.response_due_at;
            payload = to_payload(&NoticeResponded { adopted, response, late });
            None
        }
        NoticeAction::Close => {
            update.closed_at = Some(Some(ctx.env.now));
            parse_optional_text(details.text.as_deref(), "input.note", NOTE_MAX_CHARS)?
        }
        NoticeAction::Reopen => {
            let reason = parse_text(details.text.as_deref().unwrap_or(""), "input.reason", NOTE_MAX_CHARS)?;
            let due = response_due(ctx, details.response_due_on, "input.responseDueOn")?;
            update.closed_at = Some(None);
            update.response_due_at = Some(due);
            payload = to_payload(&NoticeReopened { reason, response_due_at: due });
            None
        }
    };
    let notice = model::update(conn, &proof, notice.id, update)?;
    let written = entry_by(ctx, &proof, &notice, action.event());
    let entry = written.entry.moving(Some(from), Some(to)).saying(note, payload);
    model::append_event(conn, &proof, &NewNoticeEvent { entry, ..written })?;
    Ok(notice)
}
