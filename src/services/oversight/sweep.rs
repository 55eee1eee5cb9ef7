//! The deadline sweep (DOMAIN.md §3: "overdue is computed, never typed in"): records, once, every deadline staff
//! owed that ran out unmet, in the case's history, and every supervision notice whose response is overdue, in the
//! notice's; and closes the answered or reviewed cases whose petitioner let the window for a review run out (row
//! 10). Lateness then shows in histories and figures, and reaches live subscribers through the history
//! triggers. Every server runs it; unique indexes make a second server's run write nothing twice.

use chrono::{DateTime, Utc};
use diesel::Connection;
use diesel::PgConnection;

use crate::domain::case::{ClosureReason, EventKind};
use crate::domain::details::Closed;
use crate::domain::details::{to_payload, NoticeOverdue};
use crate::domain::lifecycle::{next_status, Action};
use crate::domain::permission::SystemWrite;
use crate::domain::role::ActorRole;
use crate::domain::schedule::DeadlineKind;
use crate::domain::supervision::NoticeEventKind;
use crate::error::AppResult;
use crate::models::case::{self as case_model, CaseUpdate};
use crate::models::case_event::{self, NewCaseEvent};
use crate::models::supervision_notice::{self as notice_model, NewNoticeEvent, NoticeEntry};
use crate::models::unscoped;
use crate::services::case_work::history::{self, stamp};
use crate::services::Environment;

/// What one run recorded.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct SweepReport {
    pub deadlines_missed: usize,
    pub notices_overdue: usize,
    /// Answered or reviewed cases closed because no review was requested in time.
    pub cases_closed: usize,
}

const BATCH: i64 = 500;

/// One sweep at `now`, in batches of one transaction each.
pub fn run_once(conn: &mut PgConnection, env: &Environment) -> AppResult<SweepReport> {
    let now = env.now;
    let mut report = SweepReport::default();
    let staff_owed: Vec<DeadlineKind> = DeadlineKind::ALL.iter().copied().filter(|k| k.owed_by_staff()).collect();
    loop {
        let (seen, written) = conn.transaction(|conn| -> AppResult<(usize, usize)> {
            let missed = unscoped::missed_deadlines(conn, &staff_owed, now, BATCH)?;
            let mut written = 0;
            for m in &missed {
                let entry = history::missed_entry(m.case_id, &m.jurisdiction_code, m.kind, m.due_at);
                let fresh = case_event::append_once(conn, &SystemWrite::new(), &entry)?;
                written += usize::from(fresh);
            }
            Ok((missed.len(), written))
        })?;
        report.deadlines_missed += written;
        // A short batch was the last; a batch another server wrote first comes back empty next time.
        if (seen as i64) < BATCH || written == 0 {
            break;
        }
    }
    loop {
        let (seen, written) = conn.transaction(|conn| -> AppResult<(usize, usize)> {
            let overdue = unscoped::notices_overdue_unrecorded(conn, now, BATCH)?;
            let mut written = 0;
            for n in &overdue {
                let fresh = notice_model::append_event_once(
                    conn,
                    &SystemWrite::new(),
                    &NewNoticeEvent {
                        notice_id: n.id,
                        jurisdiction_code: &n.jurisdiction_code,
                        entry: NoticeEntry::new(NoticeEventKind::Overdue, (None, ActorRole::System), n.response_due_at)
                            .saying(None, to_payload(&NoticeOverdue { due_at: stamp(n.response_due_at) })),
                    },
                )?;
                written += usize::from(fresh);
            }
            Ok((overdue.len(), written))
        })?;
        report.notices_overdue += written;
        if (seen as i64) < BATCH || written == 0 {
            break;
        }
    }
    loop {
        let (seen, closed) = conn.transaction(|conn| -> AppResult<(usize, usize)> {
            let lapsed = unscoped::review_windows_lapsed(conn, now, BATCH)?;
            let mut closed = 0;
            for (case_id, lapsed_at) in &lapsed {
                closed += usize::from(close_unreviewed(conn, env, *case_id, *lapsed_at)?);
            }
            Ok((lapsed.len(), closed))
        })?;
        report.cases_closed += closed;
        if (seen as i64) < BATCH || closed == 0 {
            break;
        }
    }
    Ok(report)
}

/// Closes a case whose petitioner let the window for a review run out (DOMAIN.md §3 row 10), as of the moment it
/// ran out. `false` when there is nothing to do after all: another transaction holds the case, or it moved on.
fn close_unreviewed(
    conn: &mut PgConnection,
    env: &Environment,
    case_id: crate::domain::ids::CaseId,
    lapsed_at: DateTime<Utc>,
) -> AppResult<bool> {
    let Some(case) = unscoped::lock_case_for_system(conn, case_id)? else { return Ok(false) };
    let Ok(to) = next_status(case.status, Action::Close, false) else { return Ok(false) };
    let system = SystemWrite::new();
    let closed = &Closed { reason: ClosureReason::NoReviewRequested };
    let written = history::system_entry(case.id, &case.jurisdiction_code, EventKind::Closed, lapsed_at, closed);
    let entry = written.entry.moving(Some(case.status), Some(to));
    case_event::append(conn, &system, &NewCaseEvent { entry, ..written })?;
    let next_due = history::next_due(conn, env, &case)?;
    let update = CaseUpdate { status: Some(to), ..Default::default() };
    case_model::apply_update(conn, &system, case.id, &update, next_due, env.now)?;
    Ok(true)
}
