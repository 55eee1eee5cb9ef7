//! Reading a case's history back into the facts the deadline rules need.

use chrono::{DateTime, Utc};
use diesel::PgConnection;
use uuid::Uuid;

use super::WorkContext;
use crate::domain::case::EventKind;
use crate::domain::deadline::WorkCalendar;
use crate::domain::lifecycle::{next_staff_due, schedule, Deadline, EventFact, Rules};
use crate::error::AppResult;
use crate::models::case_event::{self, CaseEvent};

fn payload_days(e: &CaseEvent, key: &str) -> Option<u32> {
    e.payload.get(key).and_then(|v| v.as_u64()).and_then(|v| u32::try_from(v).ok())
}

/// The deadline-relevant facts of a history, in order.
pub fn facts(events: &[CaseEvent]) -> Vec<EventFact> {
    events
        .iter()
        .filter_map(|e| {
            let kind = EventKind::parse(&e.kind)?;
            Some(EventFact {
                kind,
                at: e.occurred_at,
                handling_days: payload_days(e, "handlingDays"),
                extension_days: payload_days(e, "extensionDays"),
                hearing_days: payload_days(e, "hearingDays"),
            })
        })
        .collect()
}

/// The deadlines of one case, from its stored history.
pub fn deadlines(
    conn: &mut PgConnection,
    ctx: &WorkContext,
    case_id: Uuid,
) -> AppResult<(Vec<CaseEvent>, Vec<Deadline>)> {
    deadlines_under(conn, &ctx.rules, &ctx.calendar, case_id)
}

pub fn deadlines_under(
    conn: &mut PgConnection,
    rules: &Rules,
    calendar: &WorkCalendar,
    case_id: Uuid,
) -> AppResult<(Vec<CaseEvent>, Vec<Deadline>)> {
    let events = case_event::of_cases(conn, &[case_id], true)?;
    let ds = schedule(&facts(&events), rules, calendar);
    Ok((events, ds))
}

/// The earliest deadline staff still owe, to store on the case row.
pub fn next_due(conn: &mut PgConnection, ctx: &WorkContext, case_id: Uuid) -> AppResult<Option<DateTime<Utc>>> {
    Ok(next_staff_due(&deadlines(conn, ctx, case_id)?.1))
}

/// Re-derives and stores `next_due_at` of a case (after writing history outside a step, as the demo loader does).
pub fn store_next_due(conn: &mut PgConnection, rules: &Rules, calendar: &WorkCalendar, case_id: Uuid) -> AppResult<()> {
    use crate::db::schema::cases;
    use diesel::prelude::*;
    let due = next_staff_due(&deadlines_under(conn, rules, calendar, case_id)?.1);
    diesel::update(cases::table.find(case_id)).set(cases::next_due_at.eq(due)).execute(conn)?;
    Ok(())
}
