//! Readers that do not filter by scope, gathered here so that every use is easy to review (`unscoped::`); a test
//! (`tests/api/shape.rs`) finds any public reader without a scope in the other model files of scoped objects.
//!
//! Each is for code that has already established, through a scoped query (`case::find_visible`,
//! `case::lock_visible`, `escalation::find_visible`, ...), that the caller may read the case the rows belong to;
//! or for the system itself (the deadline backfill); or for public tracking, where the reference and its query
//! code are the scope. The implementations stay private to `crate::models`, so nothing reaches them otherwise.

use std::ops::Range;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use super::attachment::Attachment;
use super::case::{Case, EarlierCase, SamePerson};
use super::case_event::CaseEvent;
use super::deadline::Missed;
use super::escalation::Escalation;
use super::reception::{Booking, Session, Visit};
use super::supervision_notice::{NoticeEvent, SupervisionNotice};
use crate::domain::escalation::EscalationKind;
use crate::domain::ids::AccountId;
use crate::domain::ids::AttachmentId;
use crate::domain::ids::CaseId;
use crate::domain::ids::EscalationId;
use crate::domain::ids::NoticeId;
use crate::domain::ids::{BookingId, ReceptionSessionId};
use crate::domain::schedule::{Deadline, DeadlineKind};

/// Every webhook, for the start-up to seal their secrets again under the current key (the system, as the owner).
pub fn all_webhooks(conn: &mut PgConnection) -> QueryResult<Vec<super::webhook::Webhook>> {
    super::webhook::all(conn)
}

/// A page of one history's entries in chain order, for `verify-history`: the operator reads every chain (the
/// command runs as the tables' owner).
pub fn history_chain_entries(
    conn: &mut PgConnection,
    history: crate::domain::chain::History,
    case: Option<Uuid>,
    after: Option<(Uuid, i32)>,
    limit: i64,
) -> QueryResult<Vec<crate::domain::chain::StoredEntry>> {
    super::history_chain::entries(conn, history, case, after, limit)
}

/// The digests at the head of the histories of cases the caller may read (`Case.historyDigest`).
pub fn history_heads(conn: &mut PgConnection, case_ids: &[CaseId]) -> QueryResult<Vec<(CaseId, String)>> {
    super::history_chain::heads(conn, case_ids)
}

/// The references of cases named in `verify-history`'s report.
pub fn references(conn: &mut PgConnection, case_ids: &[CaseId]) -> QueryResult<Vec<(CaseId, String)>> {
    super::history_chain::references(conn, case_ids)
}

/// The histories of cases the caller may read, each in the order things happened.
pub fn histories(
    conn: &mut PgConnection,
    case_ids: &[CaseId],
    include_staff_only: bool,
) -> QueryResult<Vec<CaseEvent>> {
    super::case_event::of_cases(conn, case_ids, include_staff_only)
}

/// One history entry, announced to a subscriber who is then checked against its case.
pub fn history_entry(conn: &mut PgConnection, id: i64) -> QueryResult<Option<CaseEvent>> {
    super::case_event::find(conn, id)
}

/// The stored deadlines of cases the caller may read.
pub fn deadlines(conn: &mut PgConnection, case_ids: &[CaseId]) -> QueryResult<Vec<(CaseId, Deadline)>> {
    super::deadline::of_cases(conn, case_ids)
}

/// The escalations of cases the caller may read, oldest first.
pub fn escalations(conn: &mut PgConnection, case_ids: &[CaseId]) -> QueryResult<Vec<Escalation>> {
    super::escalation::of_cases(conn, case_ids)
}

/// One escalation by id, to find its case; the caller must then load that case through their scope.
pub fn escalation(conn: &mut PgConnection, id: EscalationId) -> QueryResult<Option<Escalation>> {
    super::escalation::find(conn, id)
}

/// The petitioner's contact data in full, for the audited reveal (`revealPetitionerContact`) only.
pub fn contact(conn: &mut PgConnection, case_id: CaseId) -> QueryResult<(Option<String>, Option<String>)> {
    super::case::contact_of(conn, case_id)
}

/// One case, locked for the system's own step on it (the sweep), unless another transaction holds it: then `None`,
/// and the next sweep tries again.
pub fn lock_case_for_system(conn: &mut PgConnection, id: CaseId) -> QueryResult<Option<Case>> {
    super::case::lock_skipping(conn, id)
}

/// A case and its query code's digest by reference, for public tracking (the code is the scope).
pub fn case_by_reference(conn: &mut PgConnection, reference: &str) -> QueryResult<Option<(Case, Vec<u8>)>> {
    super::case::find_by_reference(conn, reference)
}

/// How many files a case has, for the limit per case (the caller was allowed to attach to it).
pub fn attachment_count(conn: &mut PgConnection, case_id: CaseId) -> QueryResult<i64> {
    super::attachment::count_of_case(conn, case_id)
}

/// The files of cases the caller may read (resolvers then apply the confidentiality rule).
pub fn attachments(conn: &mut PgConnection, case_ids: &[CaseId]) -> QueryResult<Vec<Attachment>> {
    super::attachment::of_cases(conn, case_ids)
}

/// One file, whose case is then read through the caller's scope before anything of it is shown.
pub fn attachment(conn: &mut PgConnection, id: AttachmentId) -> QueryResult<Option<Attachment>> {
    super::attachment::find(conn, id)
}

/// Whether an escalation of `kind` of a case the caller may read is pending.
pub fn escalation_pending(conn: &mut PgConnection, case_id: CaseId, kind: EscalationKind) -> QueryResult<bool> {
    super::escalation::pending_of_kind(conn, case_id, kind)
}

/// The system's backfill: cases whose deadlines were never stored.
pub fn cases_without_deadlines(
    conn: &mut PgConnection,
    after: Option<CaseId>,
    limit: i64,
) -> QueryResult<Vec<(CaseId, String)>> {
    super::deadline::cases_without(conn, after, limit)
}

/// The sweep: answered cases whose window to ask for a review lapsed.
pub fn review_windows_lapsed(
    conn: &mut PgConnection,
    now: DateTime<Utc>,
    limit: i64,
) -> QueryResult<Vec<(CaseId, DateTime<Utc>)>> {
    super::deadline::review_windows_lapsed(conn, now, limit)
}

/// The sweep: deadlines of `kinds` that ran out unmet and are not yet in their case's history.
pub fn missed_deadlines(
    conn: &mut PgConnection,
    kinds: &[DeadlineKind],
    now: DateTime<Utc>,
    limit: i64,
) -> QueryResult<Vec<Missed>> {
    super::deadline::missed_unrecorded(conn, kinds, now, limit)
}

/// The sweep: notices past their response time whose history does not say so yet.
pub fn notices_overdue_unrecorded(
    conn: &mut PgConnection,
    now: DateTime<Utc>,
    limit: i64,
) -> QueryResult<Vec<SupervisionNotice>> {
    super::supervision_notice::overdue_unrecorded(conn, now, limit)
}

/// The histories of notices the caller may read.
pub fn notice_histories(conn: &mut PgConnection, notice_ids: &[NoticeId]) -> QueryResult<Vec<NoticeEvent>> {
    super::supervision_notice::events_of(conn, notice_ids)
}

/// One entry of a notice's history, announced to a subscriber who is then checked against its notice.
pub fn notice_history_entry(conn: &mut PgConnection, id: i64) -> QueryResult<Option<NoticeEvent>> {
    super::supervision_notice::find_event(conn, id)
}

/// The ids of the cases of notices the caller may read (resolvers then load those it may see).
pub fn cases_of_notices(conn: &mut PgConnection, notice_ids: &[NoticeId]) -> QueryResult<Vec<(NoticeId, CaseId)>> {
    super::supervision_notice::case_ids_of(conn, notice_ids)
}

/// One booking, which the service then holds to the caller (their own, or their desk's).
pub fn booking(conn: &mut PgConnection, id: BookingId) -> QueryResult<Option<Booking>> {
    super::reception::find_booking(conn, id)
}

/// The bookings of reception sessions the caller keeps (`services::reception::at_the_desk` checks first).
pub fn bookings_of_sessions(conn: &mut PgConnection, ids: &[ReceptionSessionId]) -> QueryResult<Vec<Booking>> {
    super::reception::bookings_of_sessions(conn, ids)
}

/// The visits of reception sessions the caller keeps (`services::reception::at_the_desk` checks first).
pub fn visits_of_sessions(conn: &mut PgConnection, ids: &[ReceptionSessionId]) -> QueryResult<Vec<Visit>> {
    super::reception::visits_of_sessions(conn, ids)
}

/// Intake's repeat check, across every jurisdiction: an earlier case of the same person about the same matter
/// (Art 19 ¶3, Art 36 ¶3). Only its id, status and place leave intake, as the new case's link and refusal.
pub fn earlier_similar(
    conn: &mut PgConnection,
    person: &SamePerson<'_>,
    text: &str,
) -> QueryResult<Option<EarlierCase>> {
    super::case::earlier_similar(conn, person, text)
}

/// A reception session by id: sessions are public once published, and the desk's rights are checked by the
/// service (`services::reception::kept`).
pub fn reception_session(conn: &mut PgConnection, id: ReceptionSessionId) -> QueryResult<Option<Session>> {
    super::reception::find_session(conn, id)
}

/// Reception sessions by id, for the sessions loader (a booking's session; the public schedule's).
pub fn reception_sessions(conn: &mut PgConnection, ids: &[ReceptionSessionId]) -> QueryResult<Vec<Session>> {
    super::reception::find_sessions(conn, ids)
}

/// A reception session locked for a change the service then authorises at the desk.
pub fn lock_reception_session(conn: &mut PgConnection, id: ReceptionSessionId) -> QueryResult<Option<Session>> {
    super::reception::lock_session(conn, id)
}

/// The public reception schedule: published sessions of a subtree, which anyone may read.
pub fn published_sessions(
    conn: &mut PgConnection,
    within: &str,
    starting: Range<DateTime<Utc>>,
    limit: i64,
) -> QueryResult<Vec<Session>> {
    super::reception::published(conn, within, starting, limit)
}

/// A petitioner's own bookings, by the petitioner's id (the caller's own).
pub fn bookings_of(conn: &mut PgConnection, petitioner: AccountId, limit: i64) -> QueryResult<Vec<Booking>> {
    super::reception::bookings_of(conn, petitioner, limit)
}

/// Reception figures of subtrees the caller may see figures of (`may_see_figures` is asked first).
pub fn reception_counts(
    conn: &mut PgConnection,
    within: &[String],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    resolved: &[&str],
) -> QueryResult<Vec<super::reception::ReceptionCountsWithin>> {
    super::reception::counts(conn, within, from, to, resolved)
}
