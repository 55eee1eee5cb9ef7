//! Legal time limits (DOMAIN.md §3), as pure arithmetic over a work calendar.
//!
//! A period of N days "from" an event does not count the event's own day, and ends at midnight at the end of its
//! last day, in the configured time zone (Asia/Shanghai unless set otherwise). Working-day periods skip weekends
//! and holidays, and count adjusted working weekends (调休). Hearing days do not count (Art 36): they lengthen the
//! period they fall in.

use std::collections::BTreeSet;

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc, Weekday};
use chrono_tz::Tz;

/// The years a day given to the service may fall in: from the founding of the People's Republic, before any
/// petition on record, to far past any period the law counts. A day outside is refused as bad input before any
/// rule counts from it, so no arithmetic on days ever leaves what the calendar can hold.
pub const SANE_YEARS: std::ops::RangeInclusive<i32> = 1949..=2200;

/// Whether `day` falls in [`SANE_YEARS`].
pub fn is_sane_day(day: NaiveDate) -> bool {
    SANE_YEARS.contains(&day.year())
}

/// The last day of a period that runs out at `due_at` (midnight at the end of that day, local time): the day a
/// person is told, where `due_at` is the instant a machine compares with.
pub fn last_day_before(due_at: DateTime<Utc>, tz: Tz) -> NaiveDate {
    (due_at - Duration::seconds(1)).with_timezone(&tz).date_naive()
}

/// How a period is counted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DayCount {
    Calendar,
    Working,
}

/// Where days end, and which days are worked.
#[derive(Clone, Debug)]
pub struct WorkCalendar {
    pub tz: Tz,
    /// Public holidays that fall on weekdays.
    pub holidays: BTreeSet<NaiveDate>,
    /// Weekend days that are worked (调休).
    pub working_weekends: BTreeSet<NaiveDate>,
}

impl WorkCalendar {
    pub fn new(tz: Tz) -> Self {
        WorkCalendar { tz, holidays: BTreeSet::new(), working_weekends: BTreeSet::new() }
    }

    pub fn is_working_day(&self, day: NaiveDate) -> bool {
        if self.working_weekends.contains(&day) {
            return true;
        }
        !self.holidays.contains(&day) && !matches!(day.weekday(), Weekday::Sat | Weekday::Sun)
    }

    /// The local calendar day an instant falls on.
    pub fn local_date(&self, at: DateTime<Utc>) -> NaiveDate {
        at.with_timezone(&self.tz).date_naive()
    }

    /// Midnight at the end of `day`, local time.
    pub fn end_of_day(&self, day: NaiveDate) -> DateTime<Utc> {
        let next = (day + Duration::days(1)).and_hms_opt(0, 0, 0).expect("midnight exists");
        // Midnight always exists in the zones this serves; if a zone skipped it, take the earliest valid instant.
        self.tz
            .from_local_datetime(&next)
            .earliest()
            .unwrap_or_else(|| self.tz.from_utc_datetime(&next))
            .with_timezone(&Utc)
    }

    /// The last day of a period of `days` counted after the day of `start`.
    pub fn last_day(&self, start: DateTime<Utc>, days: u32, count: DayCount) -> NaiveDate {
        let mut day = self.local_date(start);
        match count {
            DayCount::Calendar => day + Duration::days(i64::from(days)),
            DayCount::Working => {
                let mut left = days;
                while left > 0 {
                    day += Duration::days(1);
                    if self.is_working_day(day) {
                        left -= 1;
                    }
                }
                day
            }
        }
    }

    /// When a period of `days` after `start` runs out.
    pub fn due_at(&self, start: DateTime<Utc>, days: u32, count: DayCount) -> DateTime<Utc> {
        self.end_of_day(self.last_day(start, days, count))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cal() -> WorkCalendar {
        WorkCalendar::new(chrono_tz::Asia::Shanghai)
    }

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn the_last_day_is_the_day_before_the_midnight_a_period_runs_out_at() {
        let due = cal().due_at(at("2022-01-20T09:00:00+08:00"), 15, DayCount::Calendar);
        assert_eq!(last_day_before(due, chrono_tz::Asia::Shanghai).to_string(), "2022-02-04");
        assert_eq!(last_day_before(at("2022-02-05T00:00:00Z"), chrono_tz::UTC).to_string(), "2022-02-04");
    }

    #[test]
    fn calendar_periods_end_at_local_midnight_after_the_last_day() {
        // Received 20 January, 09:00 in Shanghai: 15 days run to the end of 4 February, local time.
        let due = cal().due_at(at("2022-01-20T09:00:00+08:00"), 15, DayCount::Calendar);
        assert_eq!(due, at("2022-02-05T00:00:00+08:00"));
    }

    #[test]
    fn the_day_is_the_local_day_not_the_utc_day() {
        // 23:30 UTC on the 19th is already the 20th in Shanghai.
        let due = cal().due_at(at("2022-01-19T23:30:00Z"), 1, DayCount::Calendar);
        assert_eq!(due, at("2022-01-22T00:00:00+08:00"));
        let utc = WorkCalendar::new(chrono_tz::UTC);
        assert_eq!(utc.due_at(at("2022-01-19T23:30:00Z"), 1, DayCount::Calendar), at("2022-01-21T00:00:00Z"));
    }

    #[test]
    fn working_days_skip_weekends_holidays_and_count_working_weekends() {
        let mut c = cal();
        // Friday 2024-09-27 + 5 working days: Mon 30 Sep, then the National Day holidays 1-7 Oct, with Saturday
        // 12 Oct worked: 30 Sep, 8, 9, 10, 11 Oct.
        for d in 1..=7 {
            c.holidays.insert(NaiveDate::from_ymd_opt(2024, 10, d).unwrap());
        }
        c.working_weekends.insert(NaiveDate::from_ymd_opt(2024, 10, 12).unwrap());
        assert_eq!(
            c.last_day(at("2024-09-27T10:00:00+08:00"), 5, DayCount::Working),
            NaiveDate::from_ymd_opt(2024, 10, 11).unwrap()
        );
        assert_eq!(
            c.last_day(at("2024-09-27T10:00:00+08:00"), 6, DayCount::Working),
            NaiveDate::from_ymd_opt(2024, 10, 12).unwrap()
        );
        // Plain weekends.
        assert_eq!(
            cal().last_day(at("2024-06-07T10:00:00+08:00"), 5, DayCount::Working),
            NaiveDate::from_ymd_opt(2024, 6, 14).unwrap()
        );
    }
}
