//! The deadlines a case's history implies (DOMAIN.md §3 "Deadlines", Arts 22-36): which time limits run, from
//! when, for how long, and whether they were met. Pure: the service layer loads the history, asks here, and stores
//! what this derives.

use chrono::{DateTime, Utc};

use super::case::EventKind;
use super::deadline::{DayCount, WorkCalendar};

/// The legal time limits, in days.
#[derive(Clone, Debug)]
pub struct Rules {
    /// Art 22: the bureau routes within 15 days of receipt.
    pub route_days: u32,
    /// Art 23: the unit accepts within 15 days of receipt.
    pub accept_days: u32,
    /// Art 23: the unit objects within 5 working days.
    pub object_working_days: u32,
    /// Arts 32, 34: the unit answers within 60 days of acceptance, unless the assignment set another period.
    pub answer_days: u32,
    /// Art 34: one extension of at most 30 days.
    pub max_extension_days: u32,
    /// How long the petitioner may evaluate after the answer (configurable; default 30).
    pub evaluation_days: u32,
    /// Arts 35, 36: 30 days to request a review or re-review after the decision.
    pub request_review_days: u32,
    /// Arts 35, 36: 30 days to decide it.
    pub decide_review_days: u32,
}

impl Default for Rules {
    fn default() -> Self {
        Rules {
            route_days: 15,
            accept_days: 15,
            object_working_days: 5,
            answer_days: 60,
            max_extension_days: 30,
            evaluation_days: 30,
            request_review_days: 30,
            decide_review_days: 30,
        }
    }
}

text_enum! {
    /// Which time limit a deadline is.
    DeadlineKind {
        /// The bureau routes the petition (Art 22, 15 days from receipt).
        Route => "ROUTE",
        /// The handling unit accepts it (Art 23, 15 days from receipt by the unit).
        Accept => "ACCEPT",
        /// The handling unit may object (Art 23, 5 working days).
        Object => "OBJECT",
        /// The handling unit answers (Arts 32, 34: 60 days from acceptance or the assigned period, plus extension).
        Answer => "ANSWER",
        /// The petitioner may evaluate the answer.
        Evaluate => "EVALUATE",
        /// The petitioner may request a review (Art 35, 30 days from the answer).
        RequestReview => "REQUEST_REVIEW",
        /// The level above decides the review (Art 35, 30 days; hearing days do not count).
        DecideReview => "DECIDE_REVIEW",
        /// The petitioner may request a re-review (Art 36, 30 days from the review decision).
        RequestReReview => "REQUEST_RE_REVIEW",
        /// The level above the reviewer decides the re-review (Art 36, 30 days; hearing days do not count).
        DecideReReview => "DECIDE_RE_REVIEW",
    }
}

text_enum! {
    /// Where a deadline stands.
    DeadlineStatus {
        /// Not yet met, and time remains.
        Open => "OPEN",
        /// Met in time.
        Met => "MET",
        /// Met late, or not met and past due.
        Missed => "MISSED",
        /// No longer owed: the case ended another way, or the option was not taken.
        Waived => "WAIVED",
    }
}

impl DeadlineKind {
    /// The article of the regulation that sets it.
    pub const fn basis(self) -> &'static str {
        match self {
            DeadlineKind::Route => "Art 22",
            DeadlineKind::Accept | DeadlineKind::Object => "Art 23",
            DeadlineKind::Answer => "Arts 32, 34",
            DeadlineKind::Evaluate => "DOMAIN §3 (evaluation window)",
            DeadlineKind::RequestReview | DeadlineKind::DecideReview => "Art 35",
            DeadlineKind::RequestReReview | DeadlineKind::DecideReReview => "Art 36",
        }
    }

    /// Whether staff owe it (lateness is theirs), as opposed to a window the petitioner or unit may use.
    pub const fn owed_by_staff(self) -> bool {
        matches!(
            self,
            DeadlineKind::Route
                | DeadlineKind::Accept
                | DeadlineKind::Answer
                | DeadlineKind::DecideReview
                | DeadlineKind::DecideReReview
        )
    }
}

/// One time limit of a case.
#[derive(Clone, Debug, PartialEq)]
pub struct Deadline {
    pub kind: DeadlineKind,
    pub starts_at: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
    pub met_at: Option<DateTime<Utc>>,
    pub waived: bool,
}

impl Deadline {
    pub fn status(&self, now: DateTime<Utc>) -> DeadlineStatus {
        match self.met_at {
            Some(met) if met <= self.due_at => DeadlineStatus::Met,
            Some(_) => DeadlineStatus::Missed,
            None if self.waived => DeadlineStatus::Waived,
            None if now >= self.due_at => DeadlineStatus::Missed,
            None => DeadlineStatus::Open,
        }
    }

    /// Still owed: neither met nor waived.
    pub fn pending(&self) -> bool {
        self.met_at.is_none() && !self.waived
    }
}

/// What the schedule needs to know about one history entry.
#[derive(Clone, Debug)]
pub struct EventFact {
    pub kind: EventKind,
    pub at: DateTime<Utc>,
    /// ASSIGNED: the handling period set by the bureau.
    pub handling_days: Option<u32>,
    /// EXTENDED: the days added.
    pub extension_days: Option<u32>,
    /// HEARING: days the hearing took, which do not count.
    pub hearing_days: Option<u32>,
}

impl EventFact {
    pub fn new(kind: EventKind, at: DateTime<Utc>) -> Self {
        EventFact { kind, at, handling_days: None, extension_days: None, hearing_days: None }
    }
}

/// The deadlines while a history is read: each period opens, is met or waived, and may be lengthened.
struct Book<'a> {
    out: Vec<Deadline>,
    cal: &'a WorkCalendar,
}

impl Book<'_> {
    fn open(&mut self, kind: DeadlineKind, start: DateTime<Utc>, days: u32, count: DayCount) {
        let due_at = self.cal.due_at(start, days, count);
        self.out.push(Deadline { kind, starts_at: start, due_at, met_at: None, waived: false });
    }

    /// Closes the pending deadlines of `kinds`: met at `at`, or waived.
    fn settle(&mut self, kinds: &[DeadlineKind], at: DateTime<Utc>, met: bool) {
        for d in self.pending(kinds) {
            if met {
                d.met_at = Some(at);
            } else {
                d.waived = true;
            }
        }
    }

    /// The pending deadlines of `kinds`.
    fn pending<'d>(&'d mut self, kinds: &'d [DeadlineKind]) -> impl Iterator<Item = &'d mut Deadline> {
        self.out.iter_mut().filter(|d| kinds.contains(&d.kind) && d.pending())
    }
}

/// Every deadline the history implies, in the order they arose. Computed from the events' own times, so a letter
/// recorded late is already late.
pub fn schedule(events: &[EventFact], rules: &Rules, cal: &WorkCalendar) -> Vec<Deadline> {
    let mut book = Book { out: Vec::new(), cal };
    let mut handling_days = None;
    use DeadlineKind as K;
    for e in events {
        match e.kind {
            EventKind::Submitted | EventKind::Recorded => {
                book.open(K::Route, e.at, rules.route_days, DayCount::Calendar)
            }
            EventKind::Forwarded | EventKind::Assigned => {
                book.settle(&[K::Route], e.at, true);
                handling_days = e.handling_days;
                book.open(K::Accept, e.at, rules.accept_days, DayCount::Calendar);
                book.open(K::Object, e.at, rules.object_working_days, DayCount::Working);
            }
            EventKind::RoutedOut | EventKind::NotAccepted => book.settle(&[K::Route], e.at, true),
            EventKind::Objected => {
                book.settle(&[K::Object, K::Accept], e.at, true);
            }
            // Back to the bureau: a new routing period from the decision.
            EventKind::ObjectionUpheld => book.open(K::Route, e.at, rules.route_days, DayCount::Calendar),
            // Back to the unit, which must now accept.
            EventKind::ObjectionRejected => book.open(K::Accept, e.at, rules.accept_days, DayCount::Calendar),
            EventKind::Accepted => {
                book.settle(&[K::Accept], e.at, true);
                book.settle(&[K::Object], e.at, false);
                book.open(K::Answer, e.at, handling_days.unwrap_or(rules.answer_days), DayCount::Calendar);
            }
            EventKind::Extended => {
                let days = i64::from(e.extension_days.unwrap_or(0));
                for d in book.pending(&[K::Answer]) {
                    d.due_at = cal.end_of_day(
                        cal.local_date(d.due_at) - chrono::Duration::days(1) + chrono::Duration::days(days),
                    );
                }
            }
            EventKind::Answered => {
                book.settle(&[K::Answer], e.at, true);
                book.open(K::Evaluate, e.at, rules.evaluation_days, DayCount::Calendar);
                book.open(K::RequestReview, e.at, rules.request_review_days, DayCount::Calendar);
            }
            EventKind::Evaluated => book.settle(&[K::Evaluate], e.at, true),
            EventKind::ReviewRequested => {
                book.settle(&[K::RequestReview], e.at, true);
                book.open(K::DecideReview, e.at, rules.decide_review_days, DayCount::Calendar);
            }
            EventKind::Reviewed => {
                book.settle(&[K::DecideReview], e.at, true);
                book.open(K::RequestReReview, e.at, rules.request_review_days, DayCount::Calendar);
            }
            EventKind::ReReviewRequested => {
                book.settle(&[K::RequestReReview], e.at, true);
                book.open(K::DecideReReview, e.at, rules.decide_review_days, DayCount::Calendar);
            }
            EventKind::ReReviewed => book.settle(&[K::DecideReReview], e.at, true),
            EventKind::Hearing => {
                let days = i64::from(e.hearing_days.unwrap_or(0));
                for d in book.pending(&[K::DecideReview, K::DecideReReview]) {
                    d.due_at += chrono::Duration::days(days);
                }
            }
            EventKind::Closed | EventKind::Withdrawn => {
                let all: Vec<DeadlineKind> = DeadlineKind::ALL.to_vec();
                // Evaluation stays possible after closure; everything else is no longer owed.
                let ended: Vec<DeadlineKind> = all.into_iter().filter(|k| *k != K::Evaluate).collect();
                book.settle(&ended, e.at, false);
            }
            _ => {}
        }
    }
    book.out
}

/// The earliest due time among deadlines staff still owe, for the case row's `next_due_at` (overdue filter, sweep).
pub fn next_staff_due(deadlines: &[Deadline]) -> Option<DateTime<Utc>> {
    deadlines.iter().filter(|d| d.kind.owed_by_staff() && d.pending()).map(|d| d.due_at).min()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn cal() -> WorkCalendar {
        WorkCalendar::new(chrono_tz::Asia::Shanghai)
    }

    fn fact(kind: EventKind, s: &str) -> EventFact {
        EventFact::new(kind, at(s))
    }

    #[test]
    fn route_accept_and_answer_deadlines() {
        let mut assigned = fact(EventKind::Assigned, "2022-01-27T10:00:00+08:00");
        assigned.handling_days = Some(20);
        let events = vec![
            fact(EventKind::Recorded, "2022-01-20T09:00:00+08:00"),
            assigned,
            fact(EventKind::Accepted, "2022-01-28T10:00:00+08:00"),
        ];
        let ds = schedule(&events, &Rules::default(), &cal());
        let get = |k| ds.iter().find(|d| d.kind == k).unwrap();
        let now = at("2022-02-01T00:00:00+08:00");
        assert_eq!(get(DeadlineKind::Route).due_at, at("2022-02-05T00:00:00+08:00"));
        assert_eq!(get(DeadlineKind::Route).status(now), DeadlineStatus::Met);
        assert_eq!(get(DeadlineKind::Accept).status(now), DeadlineStatus::Met);
        assert_eq!(get(DeadlineKind::Object).status(now), DeadlineStatus::Waived);
        // The assigned period (20 days) replaces the default 60.
        assert_eq!(get(DeadlineKind::Answer).due_at, at("2022-02-18T00:00:00+08:00"));
        assert_eq!(get(DeadlineKind::Answer).status(now), DeadlineStatus::Open);
        assert_eq!(get(DeadlineKind::Answer).status(at("2022-02-18T00:00:00+08:00")), DeadlineStatus::Missed);
        assert_eq!(next_staff_due(&ds), Some(at("2022-02-18T00:00:00+08:00")));
    }

    #[test]
    fn a_letter_recorded_late_is_already_overdue() {
        let events = vec![fact(EventKind::Recorded, "2022-01-01T09:00:00+08:00")];
        let ds = schedule(&events, &Rules::default(), &cal());
        assert_eq!(ds[0].status(at("2022-03-01T09:00:00+08:00")), DeadlineStatus::Missed);
    }

    #[test]
    fn an_extension_moves_the_answer_deadline() {
        let mut ext = fact(EventKind::Extended, "2022-03-01T10:00:00+08:00");
        ext.extension_days = Some(30);
        let events = vec![
            fact(EventKind::Submitted, "2022-01-01T09:00:00+08:00"),
            fact(EventKind::Forwarded, "2022-01-02T09:00:00+08:00"),
            fact(EventKind::Accepted, "2022-01-03T09:00:00+08:00"),
            ext,
        ];
        let ds = schedule(&events, &Rules::default(), &cal());
        let answer = ds.iter().find(|d| d.kind == DeadlineKind::Answer).unwrap();
        // 60 days after 3 January is 4 March; plus 30 is 3 April, ending at midnight.
        assert_eq!(answer.due_at, at("2022-04-04T00:00:00+08:00"));
    }

    #[test]
    fn objection_window_is_five_working_days() {
        let events = vec![
            fact(EventKind::Submitted, "2024-06-03T09:00:00+08:00"),
            fact(EventKind::Forwarded, "2024-06-07T09:00:00+08:00"), // a Friday
        ];
        let ds = schedule(&events, &Rules::default(), &cal());
        let object = ds.iter().find(|d| d.kind == DeadlineKind::Object).unwrap();
        assert_eq!(object.due_at, at("2024-06-15T00:00:00+08:00"));
    }

    #[test]
    fn reviews_and_hearings() {
        let mut hearing = fact(EventKind::Hearing, "2022-05-05T09:00:00+08:00");
        hearing.hearing_days = Some(7);
        let events = vec![
            fact(EventKind::Submitted, "2022-01-01T09:00:00+08:00"),
            fact(EventKind::Forwarded, "2022-01-02T09:00:00+08:00"),
            fact(EventKind::Accepted, "2022-01-03T09:00:00+08:00"),
            fact(EventKind::Answered, "2022-04-01T09:00:00+08:00"),
            fact(EventKind::ReviewRequested, "2022-04-20T09:00:00+08:00"),
            hearing,
        ];
        let ds = schedule(&events, &Rules::default(), &cal());
        let request = ds.iter().find(|d| d.kind == DeadlineKind::RequestReview).unwrap();
        assert_eq!(request.due_at, at("2022-05-02T00:00:00+08:00"));
        assert!(request.met_at.is_some());
        let decide = ds.iter().find(|d| d.kind == DeadlineKind::DecideReview).unwrap();
        // 30 days from 20 April is 20 May; the 7 hearing days push it to 27 May.
        assert_eq!(decide.due_at, at("2022-05-28T00:00:00+08:00"));
        // The late answer (after 60 days from 3 January) shows as missed even though it was given.
        let answer = ds.iter().find(|d| d.kind == DeadlineKind::Answer).unwrap();
        assert_eq!(answer.status(at("2022-06-01T00:00:00Z")), DeadlineStatus::Missed);
    }

    #[test]
    fn closing_waives_what_is_no_longer_owed() {
        let events = vec![
            fact(EventKind::Submitted, "2022-01-01T09:00:00+08:00"),
            fact(EventKind::Withdrawn, "2022-01-02T09:00:00+08:00"),
        ];
        let ds = schedule(&events, &Rules::default(), &cal());
        assert_eq!(ds[0].status(at("2023-01-01T00:00:00Z")), DeadlineStatus::Waived);
        assert_eq!(next_staff_due(&ds), None);
    }
}
