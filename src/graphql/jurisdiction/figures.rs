//! A jurisdiction's figures as the portals read them: rates, their changes, the months, skip-level petitions.

use super::*;

/// A figure as numerator over denominator, with the rate.
#[derive(SimpleObject, Clone, Copy, Default)]
#[graphql(name = "Ratio")]
pub struct RatioView {
    /// What was counted as meeting the measure.
    pub numerator: i64,
    /// Everything the measure is taken over.
    pub denominator: i64,
    /// numerator / denominator in percent, rounded to 0.1 (84.6 for 22 of 26); null when the denominator is 0.
    pub rate: Option<f64>,
}

impl From<Ratio> for RatioView {
    fn from(r: Ratio) -> Self {
        RatioView { numerator: r.numerator, denominator: r.denominator, rate: r.percent() }
    }
}

/// Supervision notices to units of a subtree issued in a period.
#[derive(SimpleObject)]
pub struct NoticeFigures {
    /// Issued in the period.
    pub issued: i64,
    /// Of those, not closed yet.
    pub open: i64,
    /// Of those, awaiting a response past due now.
    pub overdue: i64,
}

/// Skip-level petitions (越级): received above the county of the matter, by the city's or the province's bureau or
/// through a national channel, over all petitions of the matters.
#[derive(SimpleObject)]
pub struct SkipLevelFigures {
    /// All skip-level petitions / all petitions received.
    pub all: RatioView,
    /// Received by the city's bureau / all petitions received.
    pub city: RatioView,
    /// Received by the province's bureau / all petitions received.
    pub province: RatioView,
    /// Through a national channel / all petitions received.
    pub national: RatioView,
    /// Repeat petitions among the skip-level ones / skip-level petitions.
    pub repeats: RatioView,
}

impl From<SkipLevel> for SkipLevelFigures {
    fn from(s: SkipLevel) -> Self {
        SkipLevelFigures {
            all: s.all.into(),
            city: s.city.into(),
            province: s.province.into(),
            national: s.national.into(),
            repeats: s.repeats.into(),
        }
    }
}

/// The figures of one month of a period (cases received that month).
#[derive(SimpleObject)]
pub struct MonthlyFigures {
    /// The month, `YYYY-MM`.
    pub month: String,
    /// Cases received (受理量).
    pub received: i64,
    /// 及时受理率: routed within 15 days / (routed on time + routed late + overdue unrouted).
    pub timely_acceptance: RatioView,
    /// 按期办结率: answered by the deadline / (answered on time + late + overdue unanswered).
    pub on_time_answer: RatioView,
    /// 满意率 of the handling units.
    pub unit_satisfaction: RatioView,
    /// 越级: skip-level petitions of the month.
    pub skip_level: SkipLevelFigures,
}

impl MonthlyFigures {
    fn new(month: String, c: &CohortCounts) -> Self {
        MonthlyFigures {
            month,
            received: c.received,
            timely_acceptance: c.timely_acceptance().into(),
            on_time_answer: c.on_time_answer().into(),
            unit_satisfaction: c.unit_satisfaction().into(),
            skip_level: c.skip_level().into(),
        }
    }
}

/// Portal figures of a jurisdiction's subtree for a period (DOMAIN.md §8).
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct JurisdictionStats {
    /// The first day counted.
    pub from: NaiveDate,
    /// The last day counted.
    pub to: NaiveDate,
    /// Cases received in the period.
    pub received: i64,
    /// 及时受理率: routed within 15 days / (routed on time + routed late + overdue unrouted).
    pub timely_acceptance: RatioView,
    /// 按期办结率: answered by the deadline / (answered on time + answered late + overdue unanswered).
    pub on_time_answer: RatioView,
    /// 参评率: evaluated / (evaluated + evaluation window expired unevaluated).
    pub participation: RatioView,
    /// 满意率 of the bureaus: (satisfied + basically satisfied) / evaluated.
    pub bureau_satisfaction: RatioView,
    /// 满意率 of the handling units: (satisfied + basically satisfied) / evaluated.
    pub unit_satisfaction: RatioView,
    /// 重复信访率: repeat petitions / received.
    pub repeat_rate: RatioView,
    /// 越级: petitions received above the county of the matter, by level reached, over all received.
    pub skip_level: SkipLevelFigures,
    /// 积案: open cases past a deadline staff owe or flagged as backlog / open cases, as it stands now.
    pub backlog: RatioView,
    /// 包案化解率: resolved / cases whose case lead was designated in the period.
    pub case_lead_resolution: RatioView,
    /// Supervision notices issued in the period.
    pub supervision_notices: NoticeFigures,
    /// Month by month, for a chart (every month of the period, empty ones included).
    pub monthly: Vec<MonthlyFigures>,
    /// The subtree's materialised path, for the figures read only when asked for.
    #[graphql(skip)]
    pub path: String,
    /// With `compareWith`: the figures of the period compared with, in the same shape; null otherwise.
    pub compared: Option<Box<JurisdictionStats>>,
    /// With `compareWith`: how every count and rate moved from the compared period to this one; null otherwise.
    pub change: Option<FiguresChange>,
}

#[async_graphql::ComplexObject]
impl JurisdictionStats {
    /// Leaders' reception (领导接访、下访、约访) in the period: the sessions that started in it. Read only when asked
    /// for, one statement for all the jurisdictions of a level.
    async fn reception(&self, ctx: &Context<'_>) -> Result<crate::graphql::reception::ReceptionFigures> {
        let key = (self.path.clone(), Period { from: self.from, to: self.to });
        let rows = ctx.data_unchecked::<Loaders>().reception().load_one(key).await?;
        Ok(crate::graphql::reception::ReceptionFigures::of(rows.unwrap_or_default()))
    }
}

/// How a figure moved from the compared period to this one.
#[derive(SimpleObject)]
#[graphql(name = "Change")]
pub struct ChangeView {
    /// This period's value (for a rate, in percent; null when nothing was counted).
    pub current: Option<f64>,
    /// The compared period's value.
    pub compared: Option<f64>,
    /// current − compared (for a rate, in percentage points, rounded to 0.1).
    pub absolute: Option<f64>,
    /// The difference relative to the compared value, in percent rounded to 0.1 (−81.8 reads "down 81.8%"); null
    /// where the compared value is 0 or unknown.
    pub percent: Option<f64>,
}

impl From<Change> for ChangeView {
    fn from(c: Change) -> Self {
        ChangeView { current: c.current, compared: c.compared, absolute: c.absolute, percent: c.percent }
    }
}

/// How a rate moved: its numerator as a count, and the rate itself.
#[derive(SimpleObject)]
pub struct RatioChange {
    /// The numerator, as a count.
    pub numerator: ChangeView,
    /// The rate, in percent.
    pub rate: ChangeView,
}

impl RatioChange {
    fn between(current: Ratio, compared: Ratio) -> Self {
        RatioChange {
            numerator: Change::of_count(current.numerator, compared.numerator).into(),
            rate: Change::of_rate(current, compared).into(),
        }
    }
}

/// How the skip-level petitions moved, by level.
#[derive(SimpleObject)]
pub struct SkipLevelChange {
    /// All skip-level petitions.
    pub all: RatioChange,
    /// To the city.
    pub city: RatioChange,
    /// To the province.
    pub province: RatioChange,
    /// Through national channels.
    pub national: RatioChange,
    /// Repeat petitions among them.
    pub repeats: RatioChange,
}

/// How every count and rate of the period moved from the compared period. The backlog is left out: it is the
/// backlog as it stands now whatever the period, so it has nothing to compare.
#[derive(SimpleObject)]
pub struct FiguresChange {
    /// Cases received.
    pub received: ChangeView,
    /// 及时受理率.
    pub timely_acceptance: RatioChange,
    /// 按期办结率.
    pub on_time_answer: RatioChange,
    /// 参评率.
    pub participation: RatioChange,
    /// 满意率 of the bureaus.
    pub bureau_satisfaction: RatioChange,
    /// 满意率 of the handling units.
    pub unit_satisfaction: RatioChange,
    /// 重复信访率.
    pub repeat_rate: RatioChange,
    /// 越级, by level.
    pub skip_level: SkipLevelChange,
    /// 包案化解率.
    pub case_lead_resolution: RatioChange,
    /// Supervision notices issued.
    pub supervision_notices_issued: ChangeView,
}

impl FiguresChange {
    pub(super) fn between(current: &Figures, compared: &Figures) -> Self {
        let (c, p) = (&current.counts, &compared.counts);
        let (cs, ps) = (c.skip_level(), p.skip_level());
        FiguresChange {
            received: Change::of_count(c.received, p.received).into(),
            timely_acceptance: RatioChange::between(c.timely_acceptance(), p.timely_acceptance()),
            on_time_answer: RatioChange::between(c.on_time_answer(), p.on_time_answer()),
            participation: RatioChange::between(c.participation(), p.participation()),
            bureau_satisfaction: RatioChange::between(c.bureau_satisfaction(), p.bureau_satisfaction()),
            unit_satisfaction: RatioChange::between(c.unit_satisfaction(), p.unit_satisfaction()),
            repeat_rate: RatioChange::between(c.repeat_rate(), p.repeat_rate()),
            skip_level: SkipLevelChange {
                all: RatioChange::between(cs.all, ps.all),
                city: RatioChange::between(cs.city, ps.city),
                province: RatioChange::between(cs.province, ps.province),
                national: RatioChange::between(cs.national, ps.national),
                repeats: RatioChange::between(cs.repeats, ps.repeats),
            },
            case_lead_resolution: RatioChange::between(current.case_lead_resolution, compared.case_lead_resolution),
            supervision_notices_issued: Change::of_count(current.notices_issued, compared.notices_issued).into(),
        }
    }
}

impl JurisdictionStats {
    pub(super) fn new(period: Period, f: Figures) -> Self {
        let c = &f.counts;
        JurisdictionStats {
            from: period.from,
            to: period.to,
            received: c.received,
            timely_acceptance: c.timely_acceptance().into(),
            on_time_answer: c.on_time_answer().into(),
            participation: c.participation().into(),
            bureau_satisfaction: c.bureau_satisfaction().into(),
            unit_satisfaction: c.unit_satisfaction().into(),
            repeat_rate: c.repeat_rate().into(),
            skip_level: c.skip_level().into(),
            backlog: f.backlog.into(),
            case_lead_resolution: f.case_lead_resolution.into(),
            supervision_notices: NoticeFigures {
                issued: f.notices_issued,
                open: f.notices_open,
                overdue: f.notices_overdue,
            },
            monthly: f.months.into_iter().map(|(m, c)| MonthlyFigures::new(m, &c)).collect(),
            path: String::new(),
            compared: None,
            change: None,
        }
    }
}
