//! The inputs of the handling steps, as clients send them.

use super::*;

/// How the bureau routes a case (Art 22).
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum RouteAction {
    /// 转送 to a handling unit (`unitId`).
    Forward,
    /// 交办 to a handling unit (`unitId`) with a handling period (`handlingDays`) and a completion report.
    Assign,
    /// Out of petition work (litigation, discipline): `whereToGo` tells the petitioner where.
    RouteOut,
    /// Not accepted, with a `reason` told to the petitioner.
    NotAccept,
}

/// Routing a submitted case.
#[derive(InputObject)]
pub struct RouteCaseInput {
    /// The case.
    pub case_id: ID,
    /// What to do with it.
    pub action: RouteAction,
    /// The handling unit (FORWARD, ASSIGN).
    pub unit_id: Option<ID>,
    /// The handling period in days, 1 to 60 (ASSIGN).
    pub handling_days: Option<i32>,
    /// Where the petitioner should turn (ROUTE_OUT).
    pub where_to_go: Option<String>,
    /// Why it is not accepted (NOT_ACCEPT).
    pub reason: Option<String>,
    /// An internal note.
    pub note: Option<String>,
    /// The case version you saw; `CONFLICT` if it changed since.
    pub expected_version: Option<i32>,
}

/// A step that needs nothing but the case.
#[derive(InputObject)]
pub struct CaseStepInput {
    /// The case.
    pub case_id: ID,
    /// The text for the petitioner (acceptance notice); optional.
    pub notice: Option<String>,
    /// The case version you saw; `CONFLICT` if it changed since.
    pub expected_version: Option<i32>,
}

/// An objection by the handling unit (Art 23: within 5 working days).
#[derive(InputObject)]
pub struct ObjectToCaseInput {
    /// The case.
    pub case_id: ID,
    /// Why the matter is not the unit's remit.
    pub reasons: String,
    /// The case version you saw; `CONFLICT` if it changed since.
    pub expected_version: Option<i32>,
}

/// The bureau's decision on an objection.
#[derive(InputObject)]
pub struct DecideObjectionInput {
    /// The case.
    pub case_id: ID,
    /// True: the bureau agrees and will route the case anew; false: the unit must handle it.
    pub agree: bool,
    /// The bureau's opinion.
    pub opinion: String,
    /// The case version you saw; `CONFLICT` if it changed since.
    pub expected_version: Option<i32>,
}

/// Classifying an accepted case, which starts its handling.
#[derive(InputObject)]
pub struct ClassifyCaseInput {
    /// The case.
    pub case_id: ID,
    /// The kind of matter.
    pub category: Category,
    /// The case version you saw; `CONFLICT` if it changed since.
    pub expected_version: Option<i32>,
}

/// Designating a case lead (包案, Art 18).
#[derive(InputObject)]
pub struct DesignateCaseLeadInput {
    /// The case.
    pub case_id: ID,
    /// The account of the case lead.
    pub lead_id: ID,
    /// Mark the case as a backlog case (积案).
    pub backlog: Option<bool>,
    /// An internal note.
    pub note: Option<String>,
    /// The reception session where the leader took charge (领导接访中包案), if it was at one: a session of this
    /// leader that has begun.
    pub reception_session_id: Option<ID>,
}

/// A milestone of a resolution plan.
#[derive(InputObject)]
pub struct MilestoneInput {
    /// What is to be done.
    pub title: String,
    /// By when.
    pub due: NaiveDate,
}

/// A case lead's resolution plan (路线图、时间表、任务书).
#[derive(InputObject)]
pub struct SetResolutionPlanInput {
    /// The case.
    pub case_id: ID,
    /// Who works on it.
    pub team: Vec<String>,
    /// The plan.
    pub plan: String,
    /// Milestones, up to 20.
    #[graphql(default)]
    pub milestones: Vec<MilestoneInput>,
    /// When the matter should be resolved.
    pub target_date: NaiveDate,
}

/// Kinds of activity on a case.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum ActivityKind {
    /// 接访: a reception.
    Reception,
    /// 下访: a home visit.
    HomeVisit,
    /// 约访: an appointment.
    Appointment,
    /// 回访: a return visit.
    ReturnVisit,
    /// 会商: a consultation.
    Consultation,
    /// 听证: a hearing during a review; its days do not count (Art 36).
    Hearing,
    /// A note.
    Note,
}

impl ActivityKind {
    pub(super) fn event(self) -> EventKind {
        match self {
            ActivityKind::Reception => EventKind::Reception,
            ActivityKind::HomeVisit => EventKind::HomeVisit,
            ActivityKind::Appointment => EventKind::Appointment,
            ActivityKind::ReturnVisit => EventKind::ReturnVisit,
            ActivityKind::Consultation => EventKind::Consultation,
            ActivityKind::Hearing => EventKind::Hearing,
            ActivityKind::Note => EventKind::Note,
        }
    }
}

/// Something staff did on a case.
#[derive(InputObject)]
pub struct LogActivityInput {
    /// The case.
    pub case_id: ID,
    /// What kind of activity.
    pub kind: ActivityKind,
    /// When it happened (not in the future, not before the petition was received).
    pub happened_at: DateTime<Utc>,
    /// What happened.
    pub note: String,
    /// For hearings: how many days it took.
    pub hearing_days: Option<i32>,
    /// Whether the petitioner must not see it; defaults to true for notes and consultations.
    pub staff_only: Option<bool>,
}

/// Extending the handling period (Art 34).
#[derive(InputObject)]
pub struct ExtendDeadlineInput {
    /// The case.
    pub case_id: ID,
    /// Days to add, 1 to 30.
    pub days: i32,
    /// The reason, told to the petitioner.
    pub reason: String,
    /// The case version you saw; `CONFLICT` if it changed since.
    pub expected_version: Option<i32>,
}

/// The handling opinion (Art 32).
#[derive(InputObject)]
pub struct AnswerCaseInput {
    /// The case.
    pub case_id: ID,
    /// Supported, explained, or not supported.
    pub outcome: Outcome,
    /// The handling opinion served to the petitioner.
    pub opinion: String,
    /// How it was served.
    pub served_via: ServedVia,
    /// When it was served (default now; not in the future).
    pub served_at: Option<DateTime<Utc>>,
    /// The case version you saw; `CONFLICT` if it changed since.
    pub expected_version: Option<i32>,
}

/// Closing a case.
#[derive(InputObject)]
pub struct CloseCaseInput {
    /// The case.
    pub case_id: ID,
    /// Why.
    pub reason: ClosureReason,
    /// An internal note.
    pub note: Option<String>,
    /// The case version you saw; `CONFLICT` if it changed since.
    pub expected_version: Option<i32>,
}

/// Withdrawing one's own petition.
#[derive(InputObject)]
pub struct WithdrawCaseInput {
    /// The case.
    pub case_id: ID,
    /// Why, if the petitioner wants to say.
    pub reason: Option<String>,
}

/// The petitioner's evaluation of the bureau and of the handling unit, separately.
#[derive(InputObject)]
pub struct EvaluateCaseInput {
    /// The case.
    pub case_id: ID,
    /// How satisfied with the bureau.
    pub bureau: Satisfaction,
    /// How satisfied with the handling unit.
    pub unit: Satisfaction,
    /// Why, required when dissatisfied.
    pub reason: Option<String>,
}

/// A request for review (复查, after an answer) or re-review (复核, after a review decision).
#[derive(InputObject)]
pub struct RequestReviewInput {
    /// The case.
    pub case_id: ID,
    /// Why the petitioner disagrees.
    pub reason: String,
}

/// An audited look at a petitioner's contact data.
#[derive(InputObject)]
pub struct RevealPetitionerContactInput {
    /// The case.
    pub case_id: ID,
    /// Why you need it (recorded in the case's audit trail).
    pub purpose: String,
}
