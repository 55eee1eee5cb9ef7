//! Leaders' reception days over GraphQL: the public schedule (no account needed, never who booked), bookings for
//! petitioners, and the bureau's scheduling, publishing and cancelling.

use async_graphql::{Context, InputObject, Object, Result, ID};
use chrono::{DateTime, FixedOffset, NaiveDate};

use super::context::{caller, local_time, object_id, state, viewer, work};
use super::jurisdiction::JurisdictionNode;
use super::loaders::Loaders;
use crate::domain::reception::{BookingStatus, ReceptionKind, SessionStatus, MAX_SCHEDULE_DAYS};
use crate::error::{AppError, Message};
use crate::models::reception::{Booking, Session};
use crate::services::reception::{self, Scheduling};

/// A reception session (接访日、下访、约访).
pub struct ReceptionSessionNode(pub Session);

/// A leader's reception session: when, where, and how many places are free. Who booked shows only to the bureau.
#[Object(name = "ReceptionSession")]
impl ReceptionSessionNode {
    /// The session's id.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// How the leader receives.
    async fn kind(&self) -> ReceptionKind {
        self.0.sitting.kind
    }

    /// The receiving leader's title (县委书记, 副县长 …).
    async fn leader_title(&self) -> &str {
        &self.0.sitting.leader_title
    }

    /// The receiving leader's name.
    async fn leader_name(&self, ctx: &Context<'_>) -> Result<Option<String>> {
        ctx.data_unchecked::<Loaders>().display_names().load_one(self.0.leader_account_id).await
    }

    /// Where the session belongs.
    async fn jurisdiction(&self, ctx: &Context<'_>) -> Result<Option<JurisdictionNode>> {
        let code = self.0.jurisdiction_code.clone();
        Ok(ctx.data_unchecked::<Loaders>().jurisdiction().load_one(code).await?.map(JurisdictionNode))
    }

    /// When it starts.
    async fn starts_at(&self, ctx: &Context<'_>) -> DateTime<FixedOffset> {
        local_time(ctx, self.0.sitting.starts_at)
    }

    /// When it ends.
    async fn ends_at(&self, ctx: &Context<'_>) -> DateTime<FixedOffset> {
        local_time(ctx, self.0.sitting.ends_at)
    }

    /// Where.
    async fn place(&self) -> &str {
        &self.0.sitting.place
    }

    /// Places in all.
    async fn capacity(&self) -> i32 {
        self.0.sitting.capacity
    }

    /// Places still free.
    async fn free_places(&self) -> i32 {
        self.0.sitting.capacity - self.0.booked
    }

    /// Scheduled, published or cancelled.
    async fn status(&self) -> SessionStatus {
        self.0.status
    }

    /// Why it was called off, if it was.
    async fn cancellation_reason(&self) -> Option<&str> {
        self.0.cancellation_reason.as_deref()
    }

    /// Who was received and what became of each matter: for the bureau clerks who may keep the session's reception
    /// days, those of its jurisdiction or above (null for anyone else).
    async fn visits(&self, ctx: &Context<'_>) -> Result<Option<Vec<ReceptionVisitNode>>> {
        // A token gone bad, or one of a temporary password, is refused here as on every field anyone may read.
        if viewer(ctx)?.is_none() {
            return Ok(None);
        }
        let key = (self.0.id, self.0.jurisdiction_code.clone());
        let rows = ctx.data_unchecked::<Loaders>().desk_visits().load_one(key).await?;
        Ok(rows.map(|rows| rows.into_iter().map(ReceptionVisitNode).collect()))
    }

    /// Who booked, in order: for the bureau clerks who may keep the session's reception days, those of its
    /// jurisdiction or above (null for anyone else).
    async fn bookings(&self, ctx: &Context<'_>) -> Result<Option<Vec<ReceptionBookingNode>>> {
        if viewer(ctx)?.is_none() {
            return Ok(None);
        }
        let key = (self.0.id, self.0.jurisdiction_code.clone());
        let rows = ctx.data_unchecked::<Loaders>().desk_bookings().load_one(key).await?;
        Ok(rows.map(|rows| rows.into_iter().map(ReceptionBookingNode).collect()))
    }
}

/// A visitor received at a session.
pub struct ReceptionVisitNode(pub crate::models::reception::Visit);

/// A visitor the leader received at a session, and what became of the matter.
#[Object(name = "ReceptionVisit")]
impl ReceptionVisitNode {
    /// The visit's id.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// The case of the matter (recorded at the session, or an existing one).
    async fn case(&self, ctx: &Context<'_>) -> Result<Option<super::case::CaseNode>> {
        Ok(ctx.data_unchecked::<Loaders>().case().load_one(self.0.case_id).await?.map(super::case::CaseNode))
    }

    /// Whether the petition was recorded at the session.
    async fn new_petition(&self) -> bool {
        self.0.new_petition
    }

    /// Whether the leader took charge of the case there (包案).
    async fn leader_took_charge(&self) -> bool {
        self.0.leader_took_charge
    }

    /// How many people came with the matter (人次).
    async fn persons(&self) -> i32 {
        self.0.persons
    }
}

/// What recording a visitor gave.
#[derive(async_graphql::SimpleObject)]
pub struct RecordReceptionVisitPayload {
    /// The visit.
    pub visit: ReceptionVisitNode,
    /// For a petition recorded at the session: its query code, shown this once (for the petitioner).
    pub query_code: Option<String>,
}

/// A petition raised at a session.
#[derive(InputObject)]
pub struct ReceptionPetitionInput {
    /// A short title.
    pub title: String,
    /// The matter.
    pub content: String,
    /// The petitioner's name.
    pub petitioner_name: String,
    /// A phone number.
    pub phone: Option<String>,
}

/// A visitor received at a session: an existing case, or a petition raised there.
#[derive(InputObject)]
pub struct RecordReceptionVisitInput {
    /// The session.
    pub session_id: ID,
    /// An existing case of the visitor's.
    pub case_id: Option<ID>,
    /// Or a petition raised at the session (recorded with channel VISIT).
    pub petition: Option<ReceptionPetitionInput>,
    /// How many people came with the matter.
    #[graphql(default = 1)]
    pub persons: i32,
    /// The leader takes charge of the case on the spot (包案).
    #[graphql(default)]
    pub leader_takes_charge: bool,
}

/// A petitioner's booking of a reception session.
pub struct ReceptionBookingNode(pub Booking);

/// A place booked in a reception session.
#[Object(name = "ReceptionBooking")]
impl ReceptionBookingNode {
    /// The booking's id.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// The session booked (its status and cancellation reason tell whether it takes place).
    async fn session(&self, ctx: &Context<'_>) -> Result<Option<ReceptionSessionNode>> {
        let found = ctx.data_unchecked::<Loaders>().sessions().load_one(self.0.session_id).await?;
        Ok(found.map(ReceptionSessionNode))
    }

    /// The matter, in a few words.
    async fn matter(&self) -> &str {
        &self.0.matter
    }

    /// The petitioner's case the booking is about, if one was named.
    async fn case_id(&self) -> Option<ID> {
        self.0.case_id.map(|id| ID(id.to_string()))
    }

    /// Booked or cancelled.
    async fn status(&self) -> BookingStatus {
        self.0.status
    }

    /// When it was booked.
    async fn booked_at(&self, ctx: &Context<'_>) -> DateTime<FixedOffset> {
        local_time(ctx, self.0.booked_at)
    }
}

/// Calling a session off.
#[derive(InputObject)]
pub struct CancelReceptionInput {
    /// The session.
    pub session_id: ID,
    /// Why (those who booked read it on their booking).
    pub reason: String,
}

/// Booking a place.
#[derive(InputObject)]
pub struct BookReceptionInput {
    /// The session.
    pub session_id: ID,
    /// The matter, in a few words.
    pub matter: String,
    /// One of the petitioner's own cases, if the matter is one.
    pub case_id: Option<ID>,
}

#[derive(Default)]
pub struct ReceptionQuery;

#[Object]
impl ReceptionQuery {
    /// The public schedule of leaders' reception days in a jurisdiction and everything under it, by start: the
    /// published sessions starting on the days `from` to `to` (at most 92 days). No account needed; who booked is
    /// never shown here.
    async fn reception_schedule(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The jurisdiction, e.g. `510502`.")] jurisdiction_code: String,
        #[graphql(desc = "The first day.")] from: NaiveDate,
        #[graphql(desc = "The last day.")] to: NaiveDate,
    ) -> Result<Vec<ReceptionSessionNode>> {
        viewer(ctx)?;
        if to < from || (to - from).num_days() >= MAX_SCHEDULE_DAYS {
            return Err(AppError::bad_input("to", Message::ScheduleSpan((MAX_SCHEDULE_DAYS - 1).to_string())).into());
        }
        let calendar = state(ctx).settings.calendar();
        let (start, end) = (calendar.end_of_day(from - chrono::Duration::days(1)), calendar.end_of_day(to));
        let rows =
            state(ctx).reads.run(move |conn| reception::public_schedule(conn, &jurisdiction_code, start, end)).await?;
        Ok(rows.into_iter().map(ReceptionSessionNode).collect())
    }

    /// The caller's bookings, newest first (a petitioner's).
    async fn my_reception_bookings(&self, ctx: &Context<'_>) -> Result<Vec<ReceptionBookingNode>> {
        let me = caller(ctx)?.account_id;
        let rows = state(ctx).db.run(move |conn| Ok(crate::models::unscoped::bookings_of(conn, me, 100)?)).await?;
        Ok(rows.into_iter().map(ReceptionBookingNode).collect())
    }
}

#[derive(Default)]
pub struct ReceptionMutation;

#[Object]
impl ReceptionMutation {
    /// A bureau clerk schedules a reception session for a leader (not public until published).
    async fn schedule_reception(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The session.")] input: Scheduling,
    ) -> Result<ReceptionSessionNode> {
        let work = work(ctx)?;
        let session = state(ctx).db.transaction(move |conn| reception::schedule(conn, &work, &input)).await?;
        Ok(ReceptionSessionNode(session))
    }

    /// Puts a scheduled session on the public schedule.
    async fn publish_reception(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The session.")] session_id: ID,
    ) -> Result<ReceptionSessionNode> {
        let work = work(ctx)?;
        let id = object_id(&session_id, "reception session")?;
        Ok(ReceptionSessionNode(state(ctx).db.transaction(move |conn| reception::publish(conn, &work, id)).await?))
    }

    /// Calls a session off, with the reason those who booked read.
    async fn cancel_reception(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The session and why.")] input: CancelReceptionInput,
    ) -> Result<ReceptionSessionNode> {
        let work = work(ctx)?;
        let id = object_id(&input.session_id, "reception session")?;
        let cancel = move |conn: &mut _| reception::cancel(conn, &work, id, &input.reason);
        let cancelled = state(ctx).db.transaction(cancel).await?;
        Ok(ReceptionSessionNode(cancelled))
    }

    /// A petitioner books a place in a published session: one per petitioner and session, never beyond its
    /// capacity (`CONFLICT` when it is full).
    async fn book_reception(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The session and the matter.")] input: BookReceptionInput,
    ) -> Result<ReceptionBookingNode> {
        let work = work(ctx)?;
        let id = object_id(&input.session_id, "reception session")?;
        let case_id = input
            .case_id
            .as_ref()
            .map(|c| c.parse().map_err(|_| AppError::not_found("case").with_field("input.caseId")))
            .transpose()?;
        let book = move |conn: &mut _| reception::book(conn, &work, id, &input.matter, case_id);
        let booking = state(ctx).db.transaction(book).await?;
        Ok(ReceptionBookingNode(booking))
    }

    /// The bureau records a visitor the leader received at a session that has begun: an existing case (a
    /// RECEPTION entry in its history) or a petition raised there (recorded with channel VISIT); the leader may
    /// take charge of the case on the spot (包案).
    async fn record_reception_visit(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The visitor.")] input: RecordReceptionVisitInput,
    ) -> Result<RecordReceptionVisitPayload> {
        let w = work(ctx)?;
        let session = object_id(&input.session_id, "reception session")?;
        let case_id = input.case_id.as_ref().map(|c| object_id(c, "case")).transpose()?;
        if case_id.is_some() == input.petition.is_some() {
            return Err(AppError::bad_input("input.caseId", Message::CaseOrPetition).into());
        }
        let st = state(ctx);
        let numbering = super::intake::numbering(ctx);
        let (visit, query_code) = st
            .db
            .run(move |conn| {
                let visitor = match (case_id, &input.petition) {
                    (Some(id), _) => reception::Visitor::Case(id),
                    (None, Some(p)) => reception::Visitor::Petition {
                        petition: crate::services::case_work::intake::Petition {
                            jurisdiction_code: "",
                            title: &p.title,
                            content: &p.content,
                            category: None,
                            phone: p.phone.as_deref(),
                            id_number: None,
                            anonymous: false,
                            addressed_to: None,
                        },
                        petitioner_name: &p.petitioner_name,
                    },
                    (None, None) => return Err(AppError::bad_input("input.caseId", Message::CaseOrPetition)),
                };
                reception::record_visit(
                    conn,
                    &w,
                    &numbering,
                    session,
                    visitor,
                    input.persons,
                    input.leader_takes_charge,
                )
            })
            .await?;
        Ok(RecordReceptionVisitPayload { visit: ReceptionVisitNode(visit), query_code })
    }

    /// A petitioner gives up their booking.
    async fn cancel_reception_booking(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The booking.")] booking_id: ID,
    ) -> Result<ReceptionBookingNode> {
        let work = work(ctx)?;
        let id = object_id(&booking_id, "booking")?;
        let cancel = move |conn: &mut _| reception::cancel_booking(conn, &work, id);
        Ok(ReceptionBookingNode(state(ctx).db.transaction(cancel).await?))
    }
}

/// Leaders' reception in a period (the sessions that started in it): the numbers county reports give.
#[derive(async_graphql::SimpleObject, Default)]
pub struct ReceptionFigures {
    /// Sessions held (批次): sessions with at least one visitor recorded.
    pub sessions_held: i64,
    /// Persons received (人次).
    pub persons_received: i64,
    /// Cases received at the sessions.
    pub cases_received: i64,
    /// Of them, petitions recorded at the sessions.
    pub new_petitions: i64,
    /// 领导包案: cases the leader took charge of at a session / of those, the resolved ones (as they stand now).
    pub taken_in_charge_resolved: super::jurisdiction::RatioView,
    /// By kind of session.
    pub by_kind: Vec<ReceptionKindFigures>,
}

/// Reception figures of one kind of session.
#[derive(async_graphql::SimpleObject)]
pub struct ReceptionKindFigures {
    /// The kind (接访、下访、约访、视频).
    pub kind: ReceptionKind,
    /// Sessions held.
    pub sessions_held: i64,
    /// Persons received.
    pub persons_received: i64,
}

impl ReceptionFigures {
    pub fn of(rows: Vec<crate::models::reception::ReceptionCounts>) -> ReceptionFigures {
        let mut f = ReceptionFigures::default();
        let (mut taken, mut resolved) = (0, 0);
        for r in rows {
            f.sessions_held += r.sessions;
            f.persons_received += r.persons;
            f.cases_received += r.cases;
            f.new_petitions += r.new_petitions;
            taken += r.taken_in_charge;
            resolved += r.taken_resolved;
            f.by_kind.push(ReceptionKindFigures {
                kind: r.kind,
                sessions_held: r.sessions,
                persons_received: r.persons,
            });
        }
        f.taken_in_charge_resolved = crate::domain::figures::Ratio::new(resolved, taken).into();
        f
    }
}
