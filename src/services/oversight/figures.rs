//! Portal figures (DOMAIN.md §8) for a set of jurisdictions and one period, from the statements of
//! `models::figures` over the aggregates the database keeps: four statements however many jurisdictions are asked
//! for, and their cost does not grow with the history (a year of a province is a row per county and day).
//!
//! What counts: the cases received in the period (by the configured time zone's days), with their deadlines and
//! evaluations as they stand now; the backlog as it stands now; the cases whose lead was designated in the period;
//! the supervision notices issued in the period.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use diesel::PgConnection;

use crate::domain::case::CaseStatus;
use crate::domain::deadline::WorkCalendar;
use crate::domain::figures::{CohortCounts, Comparison, Ratio};
use crate::domain::organisation::is_within;
use crate::error::{AppError, AppResult, Message};
use crate::models::figures::{self as statements, Asked};

/// The longest period one request may cover, in days (two years, so a portal can compare one year with the last).
pub const MAX_PERIOD_DAYS: i64 = 731;

/// A period of whole local days, both ends included.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl Period {
    /// Checks the order and the length; errors name the arguments `from` and `to`.
    pub fn parse(from: NaiveDate, to: NaiveDate) -> AppResult<Period> {
        if to < from {
            return Err(AppError::bad_input("to", Message::BeforeFrom));
        }
        if (to - from).num_days() + 1 > MAX_PERIOD_DAYS {
            return Err(AppError::bad_input("to", Message::PeriodTooLong(MAX_PERIOD_DAYS.to_string())));
        }
        Ok(Period { from, to })
    }

    /// The instants `[start, end)` the period covers in `calendar`'s time zone.
    pub fn bounds(&self, calendar: &WorkCalendar) -> (DateTime<Utc>, DateTime<Utc>) {
        (calendar.end_of_day(self.from - chrono::Duration::days(1)), calendar.end_of_day(self.to))
    }

    /// The period `self` is compared with: the same number of days just before, or the same days a year earlier
    /// (29 February falls back to the 28th).
    pub fn compared(&self, with: Comparison) -> Period {
        match with {
            Comparison::PreviousPeriod => {
                let days = (self.to - self.from).num_days();
                let to = self.from - chrono::Duration::days(1);
                Period { from: to - chrono::Duration::days(days), to }
            }
            Comparison::SamePeriodLastYear => {
                let back = |d: NaiveDate| {
                    d.with_year(d.year() - 1).unwrap_or_else(|| {
                        d.with_day(28).and_then(|d| d.with_year(d.year() - 1)).expect("28 February exists")
                    })
                };
                Period { from: back(self.from), to: back(self.to) }
            }
        }
    }

    /// Every month the period touches, as `YYYY-MM`.
    pub fn months(&self) -> Vec<String> {
        let mut out = Vec::new();
        let (mut y, mut m) = (self.from.year(), self.from.month());
        while (y, m) <= (self.to.year(), self.to.month()) {
            out.push(format!("{y:04}-{m:02}"));
            (y, m) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
        }
        out
    }
}

/// Everything a portal shows for one jurisdiction and period.
#[derive(Clone, Debug, Default)]
pub struct Figures {
    pub counts: CohortCounts,
    /// Each month of the period, empty months included.
    pub months: Vec<(String, CohortCounts)>,
    /// Backlog / open cases, now.
    pub backlog: Ratio,
    /// Resolved / lead cases.
    pub case_lead_resolution: Ratio,
    pub notices_issued: i64,
    pub notices_open: i64,
    pub notices_overdue: i64,
}

/// Makes the figure aggregates count days in `tz`, recounting them if they counted in another zone. Returns
/// whether it recounted.
pub fn count_days_in(conn: &mut PgConnection, tz: chrono_tz::Tz) -> AppResult<bool> {
    if statements::time_zone(conn)? == tz.name() {
        return Ok(false);
    }
    statements::rebuild(conn, tz.name())?;
    Ok(true)
}

/// Folds the figure differences written since the last fold into the totals (on every server, every few seconds:
/// readers add pending differences themselves, so this only keeps that work small).
pub fn compact(conn: &mut PgConnection) -> AppResult<Option<i64>> {
    Ok(statements::compact(conn)?)
}

/// The counts of every jurisdiction in some subtrees for one period, as read: the figures of any subtree inside
/// them are sums of these, so a province, its cities and their counties cost one read.
#[derive(Debug, Default)]
pub struct SubtreeCounts {
    /// The materialised paths of the subtrees read.
    roots: Vec<String>,
    months: Vec<String>,
    /// Per jurisdiction (by path) and month of the period.
    cohorts: Vec<(String, String, CohortCounts)>,
    backlog: Vec<(String, Ratio)>,
    leads: Vec<(String, Ratio)>,
    notices: Vec<(String, [i64; 3])>,
}

/// Reads the counts of the subtrees with materialised paths `roots`, for `period`, as they stand at `now`: four
/// statements, however many jurisdictions the subtrees hold.
pub fn read(
    conn: &mut PgConnection,
    roots: Vec<String>,
    period: Period,
    calendar: &WorkCalendar,
    now: DateTime<Utc>,
) -> AppResult<SubtreeCounts> {
    let resolved: Vec<&str> = CaseStatus::ALL.iter().filter(|s| s.is_resolved()).map(|s| s.as_str()).collect();
    let asked = Asked {
        subtrees: &roots,
        days: (period.from, period.to),
        times: period.bounds(calendar),
        now,
        resolved: &resolved,
    };
    let cohorts = statements::cohorts_by_month(conn, &asked)?
        .into_iter()
        .map(|r| {
            let counts = r.counts();
            (r.path, r.month, counts)
        })
        .collect();
    let backlog =
        statements::backlog(conn, &asked)?.into_iter().map(|r| (r.path, Ratio::new(r.backlog, r.open))).collect();
    let leads = statements::case_leads(conn, &asked)?
        .into_iter()
        .map(|r| (r.path, Ratio::new(r.resolved, r.lead_cases)))
        .collect();
    let notices =
        statements::notices(conn, &asked)?.into_iter().map(|r| (r.path, [r.issued, r.open, r.overdue])).collect();
    Ok(SubtreeCounts { roots, months: period.months(), cohorts, backlog, leads, notices })
}

impl SubtreeCounts {
    /// Whether the subtree at `path` lies inside what was read.
    pub fn covers(&self, path: &str) -> bool {
        self.roots.iter().any(|root| is_within(path, root))
    }

    /// The figures of the subtree at `path` (which must lie inside what was read).
    pub fn figures_of(&self, path: &str) -> Figures {
        let inside = |p: &String| is_within(p, path);
        let mut f = Figures {
            months: self.months.iter().map(|m| (m.clone(), CohortCounts::default())).collect(),
            ..Figures::default()
        };
        for (_, month, counts) in self.cohorts.iter().filter(|(p, _, _)| inside(p)) {
            f.counts += *counts;
            if let Some((_, m)) = f.months.iter_mut().find(|(m, _)| m == month) {
                *m += *counts;
            }
        }
        for (_, ratio) in self.backlog.iter().filter(|(p, _)| inside(p)) {
            f.backlog = f.backlog + *ratio;
        }
        for (_, ratio) in self.leads.iter().filter(|(p, _)| inside(p)) {
            f.case_lead_resolution = f.case_lead_resolution + *ratio;
        }
        for (_, [issued, open, overdue]) in self.notices.iter().filter(|(p, _)| inside(p)) {
            f.notices_issued += issued;
            f.notices_open += open;
            f.notices_overdue += overdue;
        }
        f
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn periods_are_checked_and_cover_whole_local_days() {
        assert!(Period::parse(day("2024-02-01"), day("2024-01-31")).is_err());
        assert!(Period::parse(day("2022-01-01"), day("2024-01-31")).is_err());
        let p = Period::parse(day("2024-01-01"), day("2024-12-31")).unwrap();
        let cal = WorkCalendar::new(chrono_tz::Asia::Shanghai);
        let (from, to) = p.bounds(&cal);
        assert_eq!(from.to_rfc3339(), "2023-12-31T16:00:00+00:00");
        assert_eq!(to.to_rfc3339(), "2024-12-31T16:00:00+00:00");
        assert_eq!(p.months().len(), 12);
        assert_eq!(
            Period::parse(day("2023-11-15"), day("2024-02-01")).unwrap().months(),
            vec!["2023-11", "2023-12", "2024-01", "2024-02"]
        );
    }

    #[test]
    fn a_period_is_compared_with_the_one_before_or_the_same_days_a_year_earlier() {
        let p = Period::parse(day("2024-03-01"), day("2024-03-31")).unwrap();
        assert_eq!(p.compared(Comparison::PreviousPeriod), Period { from: day("2024-01-30"), to: day("2024-02-29") });
        let year = p.compared(Comparison::SamePeriodLastYear);
        assert_eq!(year, Period { from: day("2023-03-01"), to: day("2023-03-31") });
        let leap = Period::parse(day("2024-02-01"), day("2024-02-29")).unwrap();
        assert_eq!(leap.compared(Comparison::SamePeriodLastYear).to, day("2023-02-28"));
        let one_day = Period::parse(day("2024-01-01"), day("2024-01-01")).unwrap();
        assert_eq!(one_day.compared(Comparison::PreviousPeriod).from, day("2023-12-31"));
    }
}
