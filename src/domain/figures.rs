//! The portal figures of DOMAIN.md §8 as numbers: each a numerator over a denominator, with the rate rounded to
//! 0.1%. Pure: `crate::services::oversight::figures` counts, this divides.

text_enum! {
    /// The period a portal compares the figures of a period with.
    Comparison {
        /// The period of the same length just before (环比).
        PreviousPeriod => "PREVIOUS_PERIOD",
        /// The same days a year earlier (同比).
        SamePeriodLastYear => "SAME_PERIOD_LAST_YEAR",
    }
}

/// A rate as the portals show it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Ratio {
    pub numerator: i64,
    pub denominator: i64,
}

impl Ratio {
    pub const fn new(numerator: i64, denominator: i64) -> Self {
        Ratio { numerator, denominator }
    }

    /// The rate in percent, rounded half away from zero to one decimal (22 of 26 is 84.6); none when nothing
    /// was counted, which is not the same as 0%.
    pub fn percent(self) -> Option<f64> {
        if self.denominator <= 0 {
            return None;
        }
        // Integer arithmetic in tenths of a percent, so that 0.05 rounds the same everywhere.
        let tenths = (self.numerator * 2000 + self.denominator) / (self.denominator * 2);
        Some(tenths as f64 / 10.0)
    }
}

impl std::ops::Add for Ratio {
    type Output = Ratio;
    fn add(self, other: Ratio) -> Ratio {
        Ratio::new(self.numerator + other.numerator, self.denominator + other.denominator)
    }
}

/// Counts of one cohort of cases (one jurisdiction subtree, received in one month or period), as the statements
/// of `models::figures` return them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CohortCounts {
    pub received: i64,
    pub repeats: i64,
    pub route_on_time: i64,
    pub route_late: i64,
    pub route_overdue: i64,
    pub answer_on_time: i64,
    pub answer_late: i64,
    pub answer_overdue: i64,
    pub evaluated: i64,
    pub evaluation_expired: i64,
    pub bureau_evaluated: i64,
    pub bureau_satisfied: i64,
    pub unit_evaluated: i64,
    pub unit_satisfied: i64,
    /// Skip-level petitions (越级), by the level they went to, and the repeat petitions among them.
    pub skip_city: i64,
    pub skip_province: i64,
    pub skip_national: i64,
    pub skip_repeats: i64,
}

impl std::ops::AddAssign for CohortCounts {
    fn add_assign(&mut self, o: CohortCounts) {
        self.received += o.received;
        self.repeats += o.repeats;
        self.route_on_time += o.route_on_time;
        self.route_late += o.route_late;
        self.route_overdue += o.route_overdue;
        self.answer_on_time += o.answer_on_time;
        self.answer_late += o.answer_late;
        self.answer_overdue += o.answer_overdue;
        self.evaluated += o.evaluated;
        self.evaluation_expired += o.evaluation_expired;
        self.bureau_evaluated += o.bureau_evaluated;
        self.bureau_satisfied += o.bureau_satisfied;
        self.unit_evaluated += o.unit_evaluated;
        self.unit_satisfied += o.unit_satisfied;
        self.skip_city += o.skip_city;
        self.skip_province += o.skip_province;
        self.skip_national += o.skip_national;
        self.skip_repeats += o.skip_repeats;
    }
}

impl CohortCounts {
    /// 及时受理率: routed within 15 days / (routed on time + routed late + overdue unrouted).
    pub fn timely_acceptance(&self) -> Ratio {
        Ratio::new(self.route_on_time, self.route_on_time + self.route_late + self.route_overdue)
    }

    /// 按期办结率: answered by the deadline / (answered on time + answered late + overdue unanswered).
    pub fn on_time_answer(&self) -> Ratio {
        Ratio::new(self.answer_on_time, self.answer_on_time + self.answer_late + self.answer_overdue)
    }

    /// 参评率: evaluated / (evaluated + window expired unevaluated).
    pub fn participation(&self) -> Ratio {
        Ratio::new(self.evaluated, self.evaluated + self.evaluation_expired)
    }

    /// 满意率 of the bureau: (satisfied + basically satisfied) / evaluated.
    pub fn bureau_satisfaction(&self) -> Ratio {
        Ratio::new(self.bureau_satisfied, self.bureau_evaluated)
    }

    /// 满意率 of the handling unit.
    pub fn unit_satisfaction(&self) -> Ratio {
        Ratio::new(self.unit_satisfied, self.unit_evaluated)
    }

    /// 重复信访率: repeats / received.
    pub fn repeat_rate(&self) -> Ratio {
        Ratio::new(self.repeats, self.received)
    }

    /// 越级: petitions received above the county of the matter / all petitions of the matters, in all and by the
    /// level reached.
    pub fn skip_level(&self) -> SkipLevel {
        let all = self.skip_city + self.skip_province + self.skip_national;
        SkipLevel {
            all: Ratio::new(all, self.received),
            city: Ratio::new(self.skip_city, self.received),
            province: Ratio::new(self.skip_province, self.received),
            national: Ratio::new(self.skip_national, self.received),
            repeats: Ratio::new(self.skip_repeats, all),
        }
    }
}

/// How a figure moved from a compared period to this one: both values, the difference, and the difference relative
/// to the compared value in percent (rounded to 0.1; none where the compared value is 0 or unknown), so a portal
/// can print "down 81.8% on last year". For a rate the values are percentages and the difference is in percentage
/// points.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Change {
    pub current: Option<f64>,
    pub compared: Option<f64>,
    pub absolute: Option<f64>,
    pub percent: Option<f64>,
}

fn tenths(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

impl Change {
    /// The change of a count.
    pub fn of_count(current: i64, compared: i64) -> Change {
        let percent = (compared != 0).then(|| tenths((current - compared) as f64 * 100.0 / compared as f64));
        Change {
            current: Some(current as f64),
            compared: Some(compared as f64),
            absolute: Some((current - compared) as f64),
            percent,
        }
    }

    /// The change of a rate, computed from the exact ratios (not the rounded percentages).
    pub fn of_rate(current: Ratio, compared: Ratio) -> Change {
        let exact = |r: Ratio| (r.denominator > 0).then(|| r.numerator as f64 * 100.0 / r.denominator as f64);
        let (now, then) = (exact(current), exact(compared));
        let both = now.zip(then);
        Change {
            current: current.percent(),
            compared: compared.percent(),
            absolute: both.map(|(n, t)| tenths(n - t)),
            percent: both.filter(|(_, t)| *t != 0.0).map(|(n, t)| tenths((n - t) * 100.0 / t)),
        }
    }
}

/// Skip-level petitions (越级) of a cohort.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SkipLevel {
    /// Received above the county of the matter / received.
    pub all: Ratio,
    /// By the city's bureau / received.
    pub city: Ratio,
    /// By the province's bureau / received.
    pub province: Ratio,
    /// Through a national channel / received.
    pub national: Ratio,
    /// Repeat petitions among the skip-level ones / skip-level ones.
    pub repeats: Ratio,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_round_to_a_tenth_of_a_percent() {
        assert_eq!(Ratio::new(22, 26).percent(), Some(84.6));
        assert_eq!(Ratio::new(1, 3).percent(), Some(33.3));
        assert_eq!(Ratio::new(2, 3).percent(), Some(66.7));
        assert_eq!(Ratio::new(1, 2000).percent(), Some(0.1)); // 0.05% rounds up
        assert_eq!(Ratio::new(0, 5).percent(), Some(0.0));
        assert_eq!(Ratio::new(5, 5).percent(), Some(100.0));
        assert_eq!(Ratio::new(0, 0).percent(), None);
    }

    #[test]
    fn changes_are_relative_to_the_compared_value() {
        let down = Change::of_count(2, 11);
        assert_eq!((down.absolute, down.percent), (Some(-9.0), Some(-81.8)));
        assert_eq!(Change::of_count(5, 0).percent, None);
        assert_eq!(Change::of_count(0, 0).percent, None);
        assert_eq!(Change::of_count(3, 2).percent, Some(50.0));
        let rate = Change::of_rate(Ratio::new(9, 10), Ratio::new(3, 4));
        assert_eq!((rate.current, rate.compared, rate.absolute), (Some(90.0), Some(75.0), Some(15.0)));
        assert_eq!(rate.percent, Some(20.0));
        let unknown = Change::of_rate(Ratio::new(1, 2), Ratio::new(0, 0));
        assert_eq!((unknown.compared, unknown.absolute, unknown.percent), (None, None, None));
        assert_eq!(Change::of_rate(Ratio::new(1, 2), Ratio::new(0, 4)).percent, None);
    }

    #[test]
    fn each_figure_has_its_denominator() {
        let c = CohortCounts {
            received: 10,
            repeats: 1,
            route_on_time: 6,
            route_late: 2,
            route_overdue: 1,
            answer_on_time: 3,
            answer_late: 1,
            answer_overdue: 4,
            evaluated: 3,
            evaluation_expired: 1,
            bureau_evaluated: 3,
            bureau_satisfied: 2,
            unit_evaluated: 3,
            unit_satisfied: 1,
            skip_city: 2,
            skip_province: 1,
            skip_national: 1,
            skip_repeats: 1,
        };
        assert_eq!(c.timely_acceptance(), Ratio::new(6, 9));
        assert_eq!(c.on_time_answer(), Ratio::new(3, 8));
        assert_eq!(c.participation(), Ratio::new(3, 4));
        assert_eq!(c.bureau_satisfaction(), Ratio::new(2, 3));
        assert_eq!(c.unit_satisfaction(), Ratio::new(1, 3));
        assert_eq!(c.repeat_rate(), Ratio::new(1, 10));
        let skip = c.skip_level();
        assert_eq!((skip.all, skip.city, skip.province), (Ratio::new(4, 10), Ratio::new(2, 10), Ratio::new(1, 10)));
        assert_eq!((skip.national, skip.repeats), (Ratio::new(1, 10), Ratio::new(1, 4)));
        let mut sum = c;
        sum += c;
        assert_eq!(sum.timely_acceptance(), Ratio::new(12, 18));
    }
}
