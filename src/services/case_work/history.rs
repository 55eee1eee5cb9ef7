//! A case's history: the entries steps write, the facts the deadline rules read back from it, and the deadlines
//! stored from them (with the record of each one missed).

use chrono::{DateTime, SecondsFormat, Utc};
use diesel::{Connection, PgConnection};
use serde::Deserialize;

use super::{Environment, WorkContext};
use crate::domain::case::EventKind;
use crate::domain::deadline::WorkCalendar;
use crate::domain::details::{to_payload, DeadlineMissed, Details, Periods};
use crate::domain::ids::CaseId;
use crate::domain::permission::Authorized;
use crate::domain::permission::SystemWrite;
use crate::domain::role::ActorRole;
use crate::domain::schedule::{next_staff_due, schedule, Deadline, DeadlineKind, EventFact, Rules};
use crate::error::AppResult;
use crate::models::case::Case;
use crate::models::case_event::{self, CaseEntry, CaseEvent, NewCaseEvent};
use crate::models::unscoped;

/// A history entry the caller writes on `case` now, in the role `proof` gives them; the step sets the rest.
pub fn entry_by<'a, A>(ctx: &WorkContext, proof: &Authorized<A>, case: &'a Case, kind: EventKind) -> NewCaseEvent<'a> {
    entry_on(ctx, proof, case.id, &case.jurisdiction_code, kind)
}

/// As [`entry_by`], on the case with this id and jurisdiction (one about to be written).
pub fn entry_on<'a, A>(
    ctx: &WorkContext,
    proof: &Authorized<A>,
    case_id: CaseId,
    jurisdiction_code: &'a str,
    kind: EventKind,
) -> NewCaseEvent<'a> {
    let by = (Some(ctx.caller.account_id), proof.role().into());
    NewCaseEvent { case_id, jurisdiction_code, entry: CaseEntry::new(kind, by, ctx.env.now), staff_only: false }
}

/// The deadline-relevant facts of a history, in order.
pub fn facts(events: &[CaseEvent]) -> Vec<EventFact> {
    events
        .iter()
        .map(|e| {
            let periods = Periods::of(&e.entry.payload);
            EventFact {
                kind: e.entry.kind,
                at: e.entry.occurred_at,
                handling_days: periods.handling_days,
                extension_days: periods.extension_days,
                hearing_days: periods.hearing_days,
            }
        })
        .collect()
}

/// The deadlines of one case, from its stored history.
pub fn deadlines(
    conn: &mut PgConnection,
    env: &Environment,
    case_id: CaseId,
) -> AppResult<(Vec<CaseEvent>, Vec<Deadline>)> {
    deadlines_under(conn, &env.rules, &env.calendar, case_id)
}

pub fn deadlines_under(
    conn: &mut PgConnection,
    rules: &Rules,
    calendar: &WorkCalendar,
    case_id: CaseId,
) -> AppResult<(Vec<CaseEvent>, Vec<Deadline>)> {
    let events = unscoped::histories(conn, &[case_id], true)?;
    let ds = schedule(&facts(&events), rules, calendar);
    Ok((events, ds))
}

/// Re-derives the deadlines of a case from its history and stores them (for the figures and the sweep); returns
/// the earliest one staff still owe, for the case row's `next_due_at`.
pub fn sync_deadlines(
    conn: &mut PgConnection,
    rules: &Rules,
    calendar: &WorkCalendar,
    case_id: CaseId,
    jurisdiction_code: &str,
) -> AppResult<Option<DateTime<Utc>>> {
    let (events, deadlines) = deadlines_under(conn, rules, calendar, case_id)?;
    crate::models::deadline::replace(conn, &SystemWrite::new(), case_id, jurisdiction_code, &deadlines)?;
    // A deadline met late was missed all the same (Arts 42-46 hold units to it): recorded as the sweep records one
    // still unmet, once.
    for d in deadlines.iter().filter(|d| d.kind.owed_by_staff() && d.met_at.is_some_and(|met| met > d.due_at)) {
        let recorded = events.iter().filter(|e| e.entry.kind == EventKind::DeadlineMissed).any(|e| {
            DeadlineMissed::deserialize(&e.entry.payload)
                .is_ok_and(|m| m.deadline == d.kind && m.due_at == stamp(d.due_at))
        });
        if !recorded {
            let entry = missed_entry(case_id, jurisdiction_code, d.kind, d.due_at);
            case_event::append_once(conn, &SystemWrite::new(), &entry)?;
        }
    }
    Ok(next_staff_due(&deadlines))
}

/// The instant as stored in the details the unique index of missed deadlines looks at: the same text from every
/// writer.
pub fn stamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// The entry recording that a deadline staff owed ran out unmet at `due_at`, written by the system. A unique index
/// (case, `deadline`, `dueAt`) keeps it to one, whoever writes it: the sweep for deadlines still unmet, a late step
/// for the deadline it meets late.
pub fn missed_entry(
    case_id: CaseId,
    jurisdiction_code: &str,
    kind: DeadlineKind,
    due_at: DateTime<Utc>,
) -> NewCaseEvent<'_> {
    let basis = kind.basis().to_owned();
    let notice = format!("办理期限已过 ({basis})");
    let details = DeadlineMissed { deadline: kind, due_at: stamp(due_at), basis, notice };
    system_entry(case_id, jurisdiction_code, EventKind::DeadlineMissed, due_at, &details)
}

/// A history entry the system writes (the sweep, or a step recording what the rules observed), at `at`: no account,
/// role `SYSTEM`. The counterpart of [`entry_by`] for entries no caller is behind.
pub fn system_entry<'a>(
    case_id: CaseId,
    jurisdiction_code: &'a str,
    kind: EventKind,
    at: DateTime<Utc>,
    details: &impl Details,
) -> NewCaseEvent<'a> {
    let entry = CaseEntry::new(kind, (None, ActorRole::System), at).saying(None, to_payload(details));
    NewCaseEvent { case_id, jurisdiction_code, entry, staff_only: false }
}

/// [`sync_deadlines`] within a step.
pub fn next_due(conn: &mut PgConnection, env: &Environment, case: &Case) -> AppResult<Option<DateTime<Utc>>> {
    sync_deadlines(conn, &env.rules, &env.calendar, case.id, &case.jurisdiction_code)
}

/// Re-derives and stores the deadlines and `next_due_at` of a case after writing history outside a step (the demo
/// loader, the start-up backfill).
pub fn store_next_due(
    conn: &mut PgConnection,
    rules: &Rules,
    calendar: &WorkCalendar,
    case_id: CaseId,
    jurisdiction_code: &str,
) -> AppResult<()> {
    let due = sync_deadlines(conn, rules, calendar, case_id, jurisdiction_code)?;
    crate::models::case::set_next_due_many(conn, &SystemWrite::new(), &[(case_id, due)])?;
    Ok(())
}

/// Stores the deadlines of every case that has none yet (a database from before they were stored, or cases
/// written in bulk), a thousand cases at a time in a few statements each. Returns how many cases it filled.
pub fn backfill_deadlines(conn: &mut PgConnection, rules: &Rules, calendar: &WorkCalendar) -> AppResult<usize> {
    use std::collections::HashMap;
    let (mut filled, mut after) = (0, None);
    loop {
        let batch = crate::models::unscoped::cases_without_deadlines(conn, after, 1_000)?;
        let Some((last, _)) = batch.last() else {
            if filled > 0 {
                crate::db::analyze(conn)?;
            }
            return Ok(filled);
        };
        after = Some(*last);
        let ids: Vec<CaseId> = batch.iter().map(|(id, _)| *id).collect();
        let mut histories: HashMap<CaseId, Vec<CaseEvent>> = HashMap::new();
        for e in unscoped::histories(conn, &ids, true)? {
            histories.entry(e.case_id).or_default().push(e);
        }
        let derived: Vec<(CaseId, &str, Vec<Deadline>)> = batch
            .iter()
            .map(|(id, code)| {
                let history = histories.get(id).map(Vec::as_slice).unwrap_or_default();
                (*id, code.as_str(), schedule(&facts(history), rules, calendar))
            })
            .collect();
        conn.transaction(|conn| {
            let rows: Vec<(CaseId, &str, &[Deadline])> =
                derived.iter().map(|(id, c, d)| (*id, *c, d.as_slice())).collect();
            crate::models::deadline::insert_many(conn, &SystemWrite::new(), &rows)?;
            let dues: Vec<_> = derived.iter().map(|(id, _, d)| (*id, next_staff_due(d))).collect();
            crate::models::case::set_next_due_many(conn, &SystemWrite::new(), &dues)?;
            Ok::<_, crate::error::AppError>(())
        })?;
        filled += batch.len();
    }
}
