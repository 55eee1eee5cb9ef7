//! Reception sessions and their bookings. A booking takes a place with one conditional update of the session's
//! `booked` count (only while places are free and the session is published), so concurrent bookings can never
//! exceed its capacity; the unique index keeps one booking per petitioner and session.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::db::schema::{jurisdictions, reception_bookings, reception_sessions, reception_visits};
use crate::domain::ids::AccountId;
use crate::domain::ids::CaseId;
use crate::domain::ids::{BookingId, ReceptionSessionId, VisitId};
use crate::domain::permission::{act, Authorized};
use crate::domain::reception::{BookingStatus, ReceptionKind, SessionStatus};

#[derive(Queryable, Selectable, Clone, Debug)]
#[diesel(table_name = reception_sessions, check_for_backend(diesel::pg::Pg))]
pub struct Session {
    pub id: ReceptionSessionId,
    pub jurisdiction_code: String,
    pub leader_account_id: AccountId,
    #[diesel(embed)]
    pub sitting: Sitting,
    pub booked: i32,
    pub status: SessionStatus,
    pub cancellation_reason: Option<String>,
}

/// When and where a leader receives, how, and for how many: what the desk schedules, declared once for the API's
/// input (`ScheduleReceptionInput` flattens it), the row read and the row written.
#[derive(Queryable, Selectable, Insertable, async_graphql::InputObject, Clone, Debug)]
#[diesel(table_name = reception_sessions, check_for_backend(diesel::pg::Pg))]
pub struct Sitting {
    /// The leader's title as the public schedule shows it.
    pub leader_title: String,
    /// How the leader receives.
    pub kind: ReceptionKind,
    /// When it starts (in the future).
    pub starts_at: DateTime<Utc>,
    /// When it ends (within a day of the start).
    pub ends_at: DateTime<Utc>,
    /// Where.
    pub place: String,
    /// Places, 1 to 500.
    pub capacity: i32,
}

#[derive(Insertable)]
#[diesel(table_name = reception_sessions)]
pub struct NewSession<'a> {
    pub id: ReceptionSessionId,
    pub jurisdiction_code: &'a str,
    pub leader_account_id: AccountId,
    #[diesel(embed)]
    pub sitting: Sitting,
    pub scheduled_by: AccountId,
}

#[derive(Queryable, Selectable, Clone, Debug)]
#[diesel(table_name = reception_bookings, check_for_backend(diesel::pg::Pg))]
pub struct Booking {
    pub id: BookingId,
    pub session_id: ReceptionSessionId,
    pub petitioner_account_id: AccountId,
    pub matter: String,
    pub case_id: Option<CaseId>,
    pub status: BookingStatus,
    pub booked_at: DateTime<Utc>,
    pub cancelled_at: Option<DateTime<Utc>>,
}

pub fn insert_session(
    conn: &mut PgConnection,
    desk: &Authorized<act::KeepReceptionDays>,
    new: &NewSession<'_>,
) -> QueryResult<Session> {
    super::decided_for(desk, new.id)?;
    diesel::insert_into(reception_sessions::table).values(new).returning(Session::as_returning()).get_result(conn)
}

pub(in crate::models) fn find_session(conn: &mut PgConnection, id: ReceptionSessionId) -> QueryResult<Option<Session>> {
    reception_sessions::table.find(id).select(Session::as_select()).first(conn).optional()
}

pub(in crate::models) fn find_sessions(
    conn: &mut PgConnection,
    ids: &[ReceptionSessionId],
) -> QueryResult<Vec<Session>> {
    reception_sessions::table.filter(reception_sessions::id.eq_any(ids)).select(Session::as_select()).load(conn)
}

/// Locks a session for a change of its status.
pub(in crate::models) fn lock_session(conn: &mut PgConnection, id: ReceptionSessionId) -> QueryResult<Option<Session>> {
    reception_sessions::table.find(id).for_update().select(Session::as_select()).first(conn).optional()
}

pub fn set_status(
    conn: &mut PgConnection,
    desk: &Authorized<act::KeepReceptionDays>,
    id: ReceptionSessionId,
    status: SessionStatus,
    reason: Option<&str>,
) -> QueryResult<Session> {
    super::decided_for(desk, id)?;
    diesel::update(reception_sessions::table.find(id))
        .set((reception_sessions::status.eq(status.as_str()), reception_sessions::cancellation_reason.eq(reason)))
        .returning(Session::as_returning())
        .get_result(conn)
}

/// Published sessions in the subtree with materialised path `within` starting in `starting`, by start.
pub(in crate::models) fn published(
    conn: &mut PgConnection,
    within: &str,
    starting: std::ops::Range<DateTime<Utc>>,
    limit: i64,
) -> QueryResult<Vec<Session>> {
    reception_sessions::table
        .inner_join(jurisdictions::table.on(jurisdictions::code.eq(reception_sessions::jurisdiction_code)))
        .filter(jurisdictions::path.like(format!("{within}%")))
        .filter(reception_sessions::status.eq(SessionStatus::Published.as_str()))
        .filter(reception_sessions::starts_at.ge(starting.start).and(reception_sessions::starts_at.lt(starting.end)))
        .order((reception_sessions::starts_at, reception_sessions::id))
        .limit(limit)
        .select(Session::as_select())
        .load(conn)
}

/// Takes one place of a published session that has one free: the session, or none when it is full or not open.
pub fn take_place(
    conn: &mut PgConnection,
    booking: &Authorized<act::Book>,
    id: ReceptionSessionId,
) -> QueryResult<Option<Session>> {
    super::decided_for(booking, id)?;
    diesel::update(
        reception_sessions::table
            .find(id)
            .filter(reception_sessions::status.eq(SessionStatus::Published.as_str()))
            .filter(reception_sessions::booked.lt(reception_sessions::capacity)),
    )
    .set(reception_sessions::booked.eq(reception_sessions::booked + 1))
    .returning(Session::as_returning())
    .get_result(conn)
    .optional()
}

/// Gives a place back.
pub fn free_place(
    conn: &mut PgConnection,
    booking: &Authorized<act::Book>,
    id: ReceptionSessionId,
) -> QueryResult<usize> {
    super::decided_for(booking, id)?;
    diesel::update(reception_sessions::table.find(id).filter(reception_sessions::booked.gt(0)))
        .set(reception_sessions::booked.eq(reception_sessions::booked - 1))
        .execute(conn)
}

/// Inserts a booking; none when the petitioner holds one for the session already (the unique index).
pub fn insert_booking(
    conn: &mut PgConnection,
    booking: &Authorized<act::Book>,
    session_id: ReceptionSessionId,
    petitioner: AccountId,
    matter: &str,
    case_id: Option<CaseId>,
    at: DateTime<Utc>,
) -> QueryResult<Option<Booking>> {
    super::decided_for(booking, session_id)?;
    diesel::insert_into(reception_bookings::table)
        .values((
            reception_bookings::id.eq(BookingId::new_v4()),
            reception_bookings::session_id.eq(session_id),
            reception_bookings::petitioner_account_id.eq(petitioner),
            reception_bookings::matter.eq(matter),
            reception_bookings::case_id.eq(case_id),
            reception_bookings::booked_at.eq(at),
        ))
        .on_conflict_do_nothing()
        .returning(Booking::as_returning())
        .get_result(conn)
        .optional()
}

pub fn cancel_booking(
    conn: &mut PgConnection,
    booking: &Authorized<act::Book>,
    id: BookingId,
    at: DateTime<Utc>,
) -> QueryResult<Option<Booking>> {
    super::decided_for(booking, id)?;
    diesel::update(
        reception_bookings::table.find(id).filter(reception_bookings::status.eq(BookingStatus::Booked.as_str())),
    )
    .set((reception_bookings::status.eq(BookingStatus::Cancelled.as_str()), reception_bookings::cancelled_at.eq(at)))
    .returning(Booking::as_returning())
    .get_result(conn)
    .optional()
}

pub(in crate::models) fn find_booking(conn: &mut PgConnection, id: BookingId) -> QueryResult<Option<Booking>> {
    reception_bookings::table.find(id).select(Booking::as_select()).first(conn).optional()
}

/// A petitioner's bookings, newest first.
pub(in crate::models) fn bookings_of(
    conn: &mut PgConnection,
    petitioner: AccountId,
    limit: i64,
) -> QueryResult<Vec<Booking>> {
    reception_bookings::table
        .filter(reception_bookings::petitioner_account_id.eq(petitioner))
        .order((reception_bookings::booked_at.desc(), reception_bookings::id))
        .limit(limit)
        .select(Booking::as_select())
        .load(conn)
}

/// The bookings of the sessions `ids`, each session's in the order they were made.
pub(in crate::models) fn bookings_of_sessions(
    conn: &mut PgConnection,
    ids: &[ReceptionSessionId],
) -> QueryResult<Vec<Booking>> {
    reception_bookings::table
        .filter(reception_bookings::session_id.eq_any(ids))
        .order((reception_bookings::session_id, reception_bookings::booked_at, reception_bookings::id))
        .select(Booking::as_select())
        .load(conn)
}

#[derive(Queryable, Selectable, Clone, Debug)]
#[diesel(table_name = reception_visits, check_for_backend(diesel::pg::Pg))]
pub struct Visit {
    pub id: VisitId,
    pub session_id: ReceptionSessionId,
    pub case_id: CaseId,
    pub new_petition: bool,
    pub leader_took_charge: bool,
    pub persons: i32,
    pub recorded_at: DateTime<Utc>,
}

#[allow(clippy::too_many_arguments)]
/// Records a visitor received at a session; none when the case was recorded at the session already.
pub fn insert_visit(
    conn: &mut PgConnection,
    desk: &Authorized<act::KeepReceptionDays>,
    session_id: ReceptionSessionId,
    case_id: CaseId,
    jurisdiction_code: &str,
    new_petition: bool,
    leader_took_charge: bool,
    persons: i32,
    by: AccountId,
    at: DateTime<Utc>,
) -> QueryResult<Option<Visit>> {
    super::decided_for(desk, session_id)?;
    diesel::insert_into(reception_visits::table)
        .values((
            reception_visits::id.eq(VisitId::new_v4()),
            reception_visits::session_id.eq(session_id),
            reception_visits::case_id.eq(case_id),
            reception_visits::jurisdiction_code.eq(jurisdiction_code),
            reception_visits::new_petition.eq(new_petition),
            reception_visits::leader_took_charge.eq(leader_took_charge),
            reception_visits::persons.eq(persons),
            reception_visits::recorded_by.eq(by),
            reception_visits::recorded_at.eq(at),
        ))
        .on_conflict_do_nothing()
        .returning(Visit::as_returning())
        .get_result(conn)
        .optional()
}

/// The visitors received at the sessions `ids`, each session's in the order they were recorded.
pub(in crate::models) fn visits_of_sessions(
    conn: &mut PgConnection,
    ids: &[ReceptionSessionId],
) -> QueryResult<Vec<Visit>> {
    reception_visits::table
        .filter(reception_visits::session_id.eq_any(ids))
        .order((reception_visits::session_id, reception_visits::recorded_at, reception_visits::id))
        .select(Visit::as_select())
        .load(conn)
}

/// Reception figures of the sessions of a subtree that started on the instants `[from, to)`.
#[derive(QueryableByName, Clone, Debug)]
pub struct ReceptionCounts {
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub kind: ReceptionKind,
    /// Sessions held (批次): sessions with at least one visitor recorded.
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub sessions: i64,
    /// Persons received (人次).
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub persons: i64,
    /// Cases received at the sessions, and of them the petitions recorded there.
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub cases: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub new_petitions: i64,
    /// Cases the leader took charge of there, and of them the resolved ones (as they stand now).
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub taken_in_charge: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub taken_resolved: i64,
}

/// [`ReceptionCounts`] of one of the subtrees asked for.
#[derive(QueryableByName, Debug)]
pub struct ReceptionCountsWithin {
    /// The materialised path of the subtree.
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub within: String,
    #[diesel(embed)]
    pub counts: ReceptionCounts,
}

/// The reception counts of each subtree in `within` (materialised paths), in one statement: a portal's roll-up
/// asks for a province, its cities and its counties at once.
pub(in crate::models) fn counts(
    conn: &mut PgConnection,
    within: &[String],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    resolved: &[&str],
) -> QueryResult<Vec<ReceptionCountsWithin>> {
    diesel::sql_query(
        "SELECT w.path AS within, s.kind, count(DISTINCT s.id)::bigint AS sessions,
                coalesce(sum(v.persons), 0)::bigint AS persons,
                count(v.id)::bigint AS cases, count(v.id) FILTER (WHERE v.new_petition)::bigint AS new_petitions,
                count(v.id) FILTER (WHERE v.leader_took_charge)::bigint AS taken_in_charge,
                count(v.id) FILTER (WHERE v.leader_took_charge AND c.status = ANY($4))::bigint AS taken_resolved
         FROM unnest($1::text[]) AS w(path)
         JOIN jurisdictions j ON starts_with(j.path, w.path)
         JOIN reception_sessions s ON s.jurisdiction_code = j.code
         JOIN reception_visits v ON v.session_id = s.id
         JOIN cases c ON c.id = v.case_id
         WHERE s.starts_at >= $2 AND s.starts_at < $3
         GROUP BY w.path, s.kind",
    )
    .bind::<diesel::sql_types::Array<diesel::sql_types::Text>, _>(within)
    .bind::<diesel::sql_types::Timestamptz, _>(from)
    .bind::<diesel::sql_types::Timestamptz, _>(to)
    .bind::<diesel::sql_types::Array<diesel::sql_types::Text>, _>(resolved)
    .load(conn)
}
