//! Portal figures (DOMAIN.md §8) for a set of jurisdictions and one period, from the statements of
//! `models::figures`: four statements however many jurisdictions are asked for.
//!
//! What counts: the cases received in the period (by the configured time zone's days), with their deadlines and
//! evaluations as they stand now; the backlog as it stands now; the cases whose lead was designated in the period;
//! the supervision notices issued in the period.

use std::collections::HashMap;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use diesel::PgConnection;

use crate::domain::case::CaseStatus;
use crate::domain::deadline::WorkCalendar;
use crate::domain::figures::{CohortCounts, Ratio};
use crate::error::{AppError, AppResult};
use crate::models::figures::{self as statements, Roots};

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
            return Err(AppError::bad_input("to", "must not lie before `from`"));
        }
        if (to - from).num_days() + 1 > MAX_PERIOD_DAYS {
            return Err(AppError::bad_input("to", format!("a period covers at most {MAX_PERIOD_DAYS} days")));
        }
        Ok(Period { from, to })
    }

    /// The instants `[start, end)` the period covers in `calendar`'s time zone.
    pub fn bounds(&self, calendar: &WorkCalendar) -> (DateTime<Utc>, DateTime<Utc>) {
        (calendar.end_of_day(self.from - chrono::Duration::days(1)), calendar.end_of_day(self.to))
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

/// The figures of each of `roots` (code, materialised path) for `period`.
pub fn compute(
    conn: &mut PgConnection,
    roots: &[(String, String)],
    period: Period,
    calendar: &WorkCalendar,
    now: DateTime<Utc>,
) -> AppResult<HashMap<String, Figures>> {
    let (from, to) = period.bounds(calendar);
    let set = Roots {
        codes: roots.iter().map(|(c, _)| c.clone()).collect(),
        paths: roots.iter().map(|(_, p)| p.clone()).collect(),
    };
    let months = period.months();
    let mut out: HashMap<String, Figures> = roots
        .iter()
        .map(|(code, _)| {
            let empty = months.iter().map(|m| (m.clone(), CohortCounts::default())).collect();
            (code.clone(), Figures { months: empty, ..Figures::default() })
        })
        .collect();

    for row in statements::cohorts_by_month(conn, &set, from, to, now, calendar.tz.name())? {
        let Some(f) = out.get_mut(&row.root) else { continue };
        let counts = row.counts();
        f.counts += counts;
        if let Some((_, month)) = f.months.iter_mut().find(|(m, _)| *m == row.month) {
            *month += counts;
        }
    }
    let open: Vec<&str> = CaseStatus::ALL.iter().filter(|s| s.is_open()).map(|s| s.as_str()).collect();
    for row in statements::backlog(conn, &set, &open, now)? {
        if let Some(f) = out.get_mut(&row.root) {
            f.backlog = Ratio::new(row.backlog, row.open);
        }
    }
    let resolved: Vec<&str> = CaseStatus::ALL.iter().filter(|s| s.is_resolved()).map(|s| s.as_str()).collect();
    for row in statements::case_leads(conn, &set, from, to, &resolved)? {
        if let Some(f) = out.get_mut(&row.root) {
            f.case_lead_resolution = Ratio::new(row.resolved, row.lead_cases);
        }
    }
    for row in statements::notices(conn, &set, from, to, now)? {
        if let Some(f) = out.get_mut(&row.root) {
            (f.notices_issued, f.notices_open, f.notices_overdue) = (row.issued, row.open, row.overdue);
        }
    }
    Ok(out)
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
}
