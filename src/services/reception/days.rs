//! A leader's reception days as the bureau's desk keeps them, and as the public and the portals read them.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use diesel::PgConnection;

use crate::domain::ids::AccountId;
use crate::domain::ids::ReceptionSessionId;
use crate::domain::organisation::is_within;
use crate::domain::permission::{act, authorize_reception_desk, Authorized};
use crate::domain::person::{parse_text, NOTE_MAX_CHARS};
use crate::domain::reception::{SessionStatus, MAX_CAPACITY};
use crate::domain::role::Role;
use crate::domain::scope::Caller;
use crate::error::{AppError, AppResult, ErrorCode, Message};
use crate::models::reception::{self as model, NewSession, Session, Sitting};
use crate::models::{account, jurisdiction};
use crate::services::WorkContext;

// The GraphQL input itself, so that the API and the service read one declaration (the row is the model's
// `NewSession`).
/// A session to schedule.
#[derive(async_graphql::InputObject)]
#[graphql(name = "ScheduleReceptionInput")]
pub struct Scheduling {
    /// Where it belongs: the bureau's jurisdiction, or a township the leader goes down to.
    pub jurisdiction_code: String,
    /// The receiving leader: an account with `CASE_LEAD` whose jurisdiction covers this one.
    pub leader_account_id: async_graphql::ID,
    #[graphql(flatten)]
    pub sitting: Sitting,
}

/// `scheduleReception`: a bureau clerk schedules a session for a leader (not public until published).
pub fn schedule(conn: &mut PgConnection, work: &WorkContext, s: &Scheduling) -> AppResult<Session> {
    let leader_id: AccountId =
        s.leader_account_id.parse().map_err(|_| AppError::bad_input("input.leaderAccountId", Message::NotAnId))?;
    let place_of = jurisdiction::find(conn, &s.jurisdiction_code)?
        .ok_or_else(|| AppError::not_found("jurisdiction").with_field("input.jurisdictionCode"))?;
    let id = ReceptionSessionId::new_v4();
    let desk = authorize_reception_desk(&work.caller, &place_of.path, id)?;
    let sitting = Sitting {
        leader_title: parse_text(&s.sitting.leader_title, "input.leaderTitle", 50)?,
        place: parse_text(&s.sitting.place, "input.place", 200)?,
        ..s.sitting.clone()
    };
    if sitting.starts_at <= work.env.now {
        return Err(AppError::bad_input("input.startsAt", Message::InThePast));
    }
    if sitting.ends_at <= sitting.starts_at || sitting.ends_at - sitting.starts_at > Duration::hours(24) {
        return Err(AppError::bad_input("input.endsAt", Message::SessionEnd));
    }
    if !(1..=MAX_CAPACITY).contains(&sitting.capacity) {
        return Err(AppError::bad_input("input.capacity", Message::OneTo(MAX_CAPACITY.to_string())));
    }
    let leader = account::find(conn, leader_id)?.filter(|a| a.active && a.roles.contains(&Role::CaseLead));
    let leader_covers = match leader.as_ref().and_then(|l| l.jurisdiction_code.as_deref()) {
        Some(code) => jurisdiction::find(conn, code)?.is_some_and(|j| is_within(&place_of.path, &j.path)),
        None => false,
    };
    if !leader_covers {
        return Err(AppError::bad_input("input.leaderAccountId", Message::NotACoveringLead));
    }
    Ok(model::insert_session(
        conn,
        &desk,
        &NewSession {
            id,
            jurisdiction_code: &place_of.code,
            leader_account_id: leader_id,
            sitting,
            scheduled_by: work.caller.account_id,
        },
    )?)
}

/// A session the caller keeps (bureau clerks over it), locked, with the proof; `NOT_FOUND` for anyone else who
/// could not see it.
pub(super) fn kept(
    conn: &mut PgConnection,
    caller: &Caller,
    id: ReceptionSessionId,
) -> AppResult<(Session, Authorized<act::KeepReceptionDays>)> {
    let session = crate::models::unscoped::lock_reception_session(conn, id)?
        .ok_or_else(|| AppError::not_found("reception session"))?;
    match authorize_reception_desk(caller, &path_of(conn, &session)?, session.id) {
        Ok(desk) => Ok((session, desk)),
        Err(refused) if session.status == SessionStatus::Published => Err(refused),
        Err(_) => Err(AppError::not_found("reception session")),
    }
}

/// `publishReception`: puts a scheduled session on the public schedule.
pub fn publish(conn: &mut PgConnection, work: &WorkContext, id: ReceptionSessionId) -> AppResult<Session> {
    let (session, desk) = kept(conn, &work.caller, id)?;
    if session.status != SessionStatus::Scheduled {
        return Err(AppError::new(ErrorCode::InvalidTransition, Message::PublishOnlyScheduled));
    }
    Ok(model::set_status(conn, &desk, id, SessionStatus::Published, None)?)
}

/// `cancelReception`: calls a session off, with the reason those who booked read.
pub fn cancel(conn: &mut PgConnection, work: &WorkContext, id: ReceptionSessionId, reason: &str) -> AppResult<Session> {
    let reason = parse_text(reason, "input.reason", NOTE_MAX_CHARS)?;
    let (session, desk) = kept(conn, &work.caller, id)?;
    if session.status == SessionStatus::Cancelled {
        return Err(AppError::new(ErrorCode::InvalidTransition, Message::SessionCancelled));
    }
    Ok(model::set_status(conn, &desk, id, SessionStatus::Cancelled, Some(&reason))?)
}

/// The materialised path of a session's jurisdiction.
fn path_of(conn: &mut PgConnection, session: &Session) -> AppResult<String> {
    let found = jurisdiction::find(conn, &session.jurisdiction_code)?;
    Ok(found.ok_or_else(|| AppError::internal("session without jurisdiction"))?.path)
}

/// What the bureau's desk sees of sessions (who booked, who was received), read by `read` for those of
/// `sessions` (id and jurisdiction code) whose reception days `caller` keeps, in one statement for all of them and
/// one for their jurisdictions; the sessions the caller does not keep are left out.
pub fn at_the_desk<T>(
    conn: &mut PgConnection,
    caller: &Caller,
    sessions: &[(ReceptionSessionId, String)],
    read: fn(&mut PgConnection, &[ReceptionSessionId]) -> diesel::QueryResult<Vec<T>>,
    session_of: fn(&T) -> ReceptionSessionId,
) -> AppResult<HashMap<ReceptionSessionId, Vec<T>>> {
    let codes: Vec<String> = sessions.iter().map(|(_, code)| code.clone()).collect();
    let paths: HashMap<String, String> =
        jurisdiction::find_many(conn, &codes)?.into_iter().map(|j| (j.code, j.path)).collect();
    let kept: Vec<ReceptionSessionId> = sessions
        .iter()
        .filter(|(id, code)| paths.get(code).is_some_and(|path| authorize_reception_desk(caller, path, *id).is_ok()))
        .map(|(id, _)| *id)
        .collect();
    let mut seen: HashMap<ReceptionSessionId, Vec<T>> = kept.iter().map(|id| (*id, Vec::new())).collect();
    if !kept.is_empty() {
        for row in read(conn, &kept)? {
            seen.entry(session_of(&row)).or_default().push(row);
        }
    }
    Ok(seen)
}

/// The public schedule: published sessions in the subtree of `code` starting on the instants `[from, to)`.
pub fn public_schedule(
    conn: &mut PgConnection,
    code: &str,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> AppResult<Vec<Session>> {
    let place = jurisdiction::find(conn, code)?.ok_or_else(|| AppError::not_found("jurisdiction"))?;
    Ok(crate::models::unscoped::published_sessions(conn, &place.path, from..to, 500)?)
}

/// The reception figures of each subtree in `within` (by materialised path) for the sessions starting on
/// `[from, to)`, by kind.
pub fn figures(
    conn: &mut PgConnection,
    within: &[String],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> AppResult<Vec<model::ReceptionCountsWithin>> {
    let resolved: Vec<&str> =
        crate::domain::case::CaseStatus::ALL.iter().filter(|s| s.is_resolved()).map(|s| s.as_str()).collect();
    Ok(crate::models::unscoped::reception_counts(conn, within, from, to, &resolved)?)
}
