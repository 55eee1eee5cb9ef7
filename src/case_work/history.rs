//! Reading a case's history back into the facts the deadline rules need.

use chrono::{DateTime, Utc};
use diesel::PgConnection;
use uuid::Uuid;

use super::WorkContext;
use crate::domain::case::EventKind;
use crate::domain::deadline::WorkCalendar;
use crate::domain::lifecycle::{next_staff_due, schedule, Deadline, EventFact, Rules};
use crate::error::AppResult;
use crate::models::case::Case;
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

/// Re-derives the deadlines of a case from its history and stores them (for the figures and the sweep); returns
/// the earliest one staff still owe, for the case row's `next_due_at`.
pub fn sync_deadlines(
    conn: &mut PgConnection,
    rules: &Rules,
    calendar: &WorkCalendar,
    case_id: Uuid,
    jurisdiction_code: &str,
) -> AppResult<Option<DateTime<Utc>>> {
    let (_, deadlines) = deadlines_under(conn, rules, calendar, case_id)?;
    crate::models::deadline::replace(conn, case_id, jurisdiction_code, &deadlines)?;
    Ok(next_staff_due(&deadlines))
}

/// [`sync_deadlines`] within a step.
pub fn next_due(conn: &mut PgConnection, ctx: &WorkContext, case: &Case) -> AppResult<Option<DateTime<Utc>>> {
    sync_deadlines(conn, &ctx.rules, &ctx.calendar, case.id, &case.jurisdiction_code)
}

/// Re-derives and stores the deadlines and `next_due_at` of a case after writing history outside a step (the demo
/// loader, the start-up backfill).
pub fn store_next_due(
    conn: &mut PgConnection,
    rules: &Rules,
    calendar: &WorkCalendar,
    case_id: Uuid,
    jurisdiction_code: &str,
) -> AppResult<()> {
    use crate::db::schema::cases;
    use diesel::prelude::*;
    let due = sync_deadlines(conn, rules, calendar, case_id, jurisdiction_code)?;
    diesel::update(cases::table.find(case_id)).set(cases::next_due_at.eq(due)).execute(conn)?;
    Ok(())
}

/// Stores the deadlines of every case that has none yet (a database from before they were stored, or cases
/// written in bulk), in batches. Returns how many cases it filled.
pub fn backfill_deadlines(conn: &mut PgConnection, rules: &Rules, calendar: &WorkCalendar) -> AppResult<usize> {
    let (mut filled, mut after) = (0, None);
    loop {
        let batch = crate::models::deadline::cases_without(conn, after, 500)?;
        let Some((last, _)) = batch.last() else { return Ok(filled) };
        after = Some(*last);
        for (id, code) in &batch {
            store_next_due(conn, rules, calendar, *id, code)?;
        }
        filled += batch.len();
    }
}
