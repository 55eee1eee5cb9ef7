//! A petitioner's place at a published session: taken without ever exceeding the capacity, and given up.

use diesel::PgConnection;

use crate::domain::ids::{BookingId, CaseId, ReceptionSessionId};
use crate::domain::permission::authorize_booking;
use crate::domain::person::parse_text;
use crate::domain::reception::SessionStatus;
use crate::error::{AppError, AppResult, ErrorCode, Message};
use crate::models::case as case_model;
use crate::models::reception::{self as model, Booking};
use crate::services::WorkContext;

/// `bookReception`: a petitioner books a place; `case_id`, if given, must be one of their own cases. In the
/// caller's transaction, so that a refused booking gives its place back.
pub fn book(
    conn: &mut PgConnection,
    work: &WorkContext,
    session_id: ReceptionSessionId,
    matter: &str,
    case_id: Option<CaseId>,
) -> AppResult<Booking> {
    let (caller, now) = (&work.caller, work.env.now);
    let booking = authorize_booking(caller, session_id, None)?;
    let matter = parse_text(matter, "input.matter", 200)?;
    if let Some(case_id) = case_id {
        let scope = crate::domain::scope::case_scope(caller);
        let own = case_model::find_visible(conn, &scope, case_id)?
            .is_some_and(|c| c.petitioner_account_id == Some(caller.account_id));
        if !own {
            return Err(AppError::not_found("case").with_field("input.caseId"));
        }
    }
    let Some(session) = model::take_place(conn, &booking, session_id)? else {
        let open = crate::models::unscoped::reception_session(conn, session_id)?
            .is_some_and(|s| s.status == SessionStatus::Published);
        return Err(if open { full() } else { AppError::not_found("reception session") });
    };
    if session.sitting.starts_at <= now {
        return Err(AppError::new(ErrorCode::DeadlinePassed, Message::SessionBegun));
    }
    model::insert_booking(conn, &booking, session_id, caller.account_id, &matter, case_id, now)?
        .ok_or_else(|| AppError::new(ErrorCode::Conflict, Message::AlreadyBooked))
}

fn full() -> AppError {
    AppError::new(ErrorCode::Conflict, Message::SessionFull)
}

/// `cancelReceptionBooking`: a petitioner gives up their booking; the place is free again.
pub fn cancel_booking(conn: &mut PgConnection, work: &WorkContext, id: BookingId) -> AppResult<Booking> {
    let caller = &work.caller;
    let mine = crate::models::unscoped::booking(conn, id)?.filter(|b| b.petitioner_account_id == caller.account_id);
    let Some(booking) = mine else { return Err(AppError::not_found("booking")) };
    let proof = authorize_booking(caller, booking.session_id, Some(id)).map_err(|_| AppError::not_found("booking"))?;
    let cancelled = model::cancel_booking(conn, &proof, booking.id, work.env.now)?
        .ok_or_else(|| AppError::new(ErrorCode::InvalidTransition, Message::BookingCancelled))?;
    model::free_place(conn, &proof, booking.session_id)?;
    Ok(cancelled)
}
