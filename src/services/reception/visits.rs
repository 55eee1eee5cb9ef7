//! Who a leader received at a session, recorded by the desk.

use diesel::{Connection, PgConnection};

use super::days::kept;
use crate::domain::ids::{CaseId, ReceptionSessionId};
use crate::domain::reception::SessionStatus;
use crate::error::{AppError, AppResult, ErrorCode, Message};
use crate::models::reception::{self as model};
use crate::services::case_work::intake;
use crate::services::WorkContext;

/// A visitor received at a session: an existing case, or a petition recorded there.
pub enum Visitor<'a> {
    Case(CaseId),
    Petition { petition: crate::services::case_work::intake::Petition<'a>, petitioner_name: &'a str },
}

/// `recordReceptionVisit`: the bureau records a visitor the leader received: the case gets a RECEPTION entry (or a
/// petition is recorded there first, channel VISIT, with its own reference), then in one transaction the leader
/// takes charge of it on the spot when asked (包案) and the visit is recorded against the session. Like intake,
/// whose serials are reserved in a statement of their own, `conn` must not be inside a transaction: this opens
/// its own.
pub fn record_visit(
    conn: &mut PgConnection,
    ctx: &WorkContext,
    numbering: &intake::Numbering,
    session_id: ReceptionSessionId,
    visitor: Visitor<'_>,
    persons: i32,
    leader_takes_charge: bool,
) -> AppResult<(model::Visit, Option<String>)> {
    use crate::services::case_work::handling;
    if !(1..=1000).contains(&persons) {
        return Err(AppError::bad_input("input.persons", Message::OneTo1000));
    }
    let (session, desk) = conn.transaction(|conn| kept(conn, &ctx.caller, session_id))?;
    if session.status == SessionStatus::Cancelled {
        return Err(AppError::new(ErrorCode::InvalidTransition, Message::SessionCancelled));
    }
    if session.sitting.starts_at > ctx.env.now {
        return Err(AppError::new(ErrorCode::InvalidTransition, Message::SessionNotBegun));
    }
    let who = format!("{}接访", session.sitting.leader_title);
    let (case_id, query_code, new_petition) = match visitor {
        Visitor::Case(case_id) => (case_id, None, false),
        Visitor::Petition { petition, petitioner_name } => {
            let petition = intake::Petition { jurisdiction_code: &session.jurisdiction_code, ..petition };
            let recording = intake::Recording {
                channel: crate::domain::case::Channel::Visit,
                received_at: ctx.env.now,
                petitioner: intake::RecordedPetitioner { name: petitioner_name, account_id: None },
                representatives: &[],
                group_size: persons,
                note: Some(&who),
                national_channel: false,
            };
            let recorded = intake::record(conn, ctx, numbering, &petition, &recording)?;
            (recorded.case.id, recorded.query_code, true)
        }
    };
    conn.transaction(|conn| {
        let case = if new_petition {
            crate::services::case_work::engine::load(conn, ctx, case_id, None)?
        } else {
            let activity = handling::Activity {
                kind: crate::domain::case::EventKind::Reception,
                happened_at: ctx.env.now,
                note: &who,
                hearing_days: None,
                staff_only: false,
            };
            handling::log_activity(conn, ctx, case_id, activity)?
        };
        if leader_takes_charge {
            let note = format!("{who}时包案");
            let (lead, at) = (session.leader_account_id, Some(session.id));
            handling::designate_case_lead(conn, ctx, case_id, lead, None, Some(&note), at)?;
        }
        let visit = model::insert_visit(
            conn,
            &desk,
            session_id,
            case_id,
            &case.jurisdiction_code,
            new_petition,
            leader_takes_charge,
            persons,
            ctx.caller.account_id,
            ctx.env.now,
        )?
        .ok_or_else(|| AppError::new(ErrorCode::Conflict, Message::VisitRecorded))?;
        Ok((visit, query_code))
    })
}
