//! Jurisdictions and units: public administrative data, readable by anyone (a petitioner must be able to say where
//! their matter lies before they have an account).

use async_graphql::{Context, InputObject, Object, Result, SimpleObject, ID};
use chrono::NaiveDate;

use super::connection::{connection, wants_total, PageArgs};
use super::context::{caller, state, viewer};
use super::loaders::FigureKey;
use super::loaders::Loaders;
use crate::domain::figures::{Change, CohortCounts, Comparison, Ratio, SkipLevel};
use crate::domain::organisation::{JurisdictionLevel, UnitKind};
use crate::domain::permission::may_see_figures;
use crate::error::AppError;
use crate::models::jurisdiction::{self, Jurisdiction, JurisdictionFilter};
use crate::models::unit::{self, Unit, UnitFilter};
use crate::services::oversight::figures::{Figures, Period};

/// A node of the administrative tree: province, city, county or township (行政区划).
#[derive(Clone)]
pub struct JurisdictionNode(pub Jurisdiction);

/// A node of the administrative tree: province, city, county or township (行政区划).
#[Object(name = "Jurisdiction")]
impl JurisdictionNode {
    /// The administrative division code: 6 digits, 9 for townships (e.g. `510502`).
    async fn code(&self) -> &str {
        &self.0.code
    }

    /// The official name (e.g. 江阳区).
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// Province, city, county or township.
    async fn level(&self) -> Result<JurisdictionLevel> {
        Ok(self.0.level)
    }

    /// The jurisdiction one level up; null for a province.
    async fn parent(&self, ctx: &Context<'_>) -> Result<Option<JurisdictionNode>> {
        let Some(code) = &self.0.parent_code else { return Ok(None) };
        Ok(ctx.data_unchecked::<Loaders>().jurisdiction().load_one(code.clone()).await?.map(JurisdictionNode))
    }

    /// The jurisdictions directly below, ordered by code (a few dozen at most, so not paged).
    #[graphql(complexity = "25 * child_complexity")]
    async fn children(&self, ctx: &Context<'_>) -> Result<Vec<JurisdictionNode>> {
        let rows = ctx.data_unchecked::<Loaders>().children().load_one(self.0.code.clone()).await?;
        Ok(rows.unwrap_or_default().into_iter().map(JurisdictionNode).collect())
    }

    /// Portal figures (DOMAIN.md §8) for this jurisdiction's subtree and a period of whole local days: the cases
    /// received in the period, with their deadlines and evaluations as they stand now; the backlog now; the cases
    /// whose lead was designated in the period; the supervision notices issued in the period. For bureau and
    /// committee staff whose jurisdiction covers it. Asked for on `children` too, it costs the same few statements
    /// however many children there are.
    // A fixed cost in the complexity limit, whatever figures are picked: they come from the same statements, and a
    // portal must be able to ask for a province, its cities and their counties in one request.
    #[graphql(complexity = 3)]
    async fn stats(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The first day (inclusive).")] from: NaiveDate,
        #[graphql(desc = "The last day (inclusive); at most 731 days after `from`.")] to: NaiveDate,
        #[graphql(desc = "Also the figures of this period to compare with, and every change (同比、环比).")]
        compare_with: Option<Comparison>,
    ) -> Result<JurisdictionStats> {
        let proof = may_see_figures(caller(ctx)?, &self.0.path)?;
        let period = Period::parse(from, to)?;
        let key = |period| FigureKey::new(&proof, self.0.code.clone(), self.0.path.clone(), period);
        let loader = ctx.data_unchecked::<Loaders>().figures();
        let path = self.0.path.clone();
        let Some(with) = compare_with else {
            let figures = loader.load_one(key(period)).await?.unwrap_or_default();
            return Ok(JurisdictionStats { path, ..JurisdictionStats::new(period, figures) });
        };
        // Both periods in one load: the figures of each are read together with the other's.
        let other = period.compared(with);
        let (figures, compared) = futures_util::try_join!(loader.load_one(key(period)), loader.load_one(key(other)))?;
        let (figures, compared) = (figures.unwrap_or_default(), compared.unwrap_or_default());
        let change = FiguresChange::between(&figures, &compared);
        let mut stats = JurisdictionStats { path: path.clone(), ..JurisdictionStats::new(period, figures) };
        stats.compared = Some(Box::new(JurisdictionStats { path, ..JurisdictionStats::new(other, compared) }));
        stats.change = Some(change);
        Ok(stats)
    }

    /// The units of this jurisdiction (bureau, committee, handling units), by kind and name.
    #[graphql(complexity = "10 * child_complexity")]
    async fn units(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only units of this kind.")] kind: Option<UnitKind>,
    ) -> Result<Vec<UnitNode>> {
        let rows = ctx.data_unchecked::<Loaders>().units_of().load_one(self.0.code.clone()).await?;
        Ok(rows.unwrap_or_default().into_iter().filter(|u| kind.is_none_or(|k| u.kind == k)).map(UnitNode).collect())
    }
}

/// A unit that takes part in petition work: a bureau (信访部门), a handling unit (责任单位) or a committee
/// (联席会议).
#[derive(Clone)]
pub struct UnitNode(pub Unit);

/// A unit that takes part in petition work: a bureau (信访部门), a handling unit (责任单位) or a committee
/// (联席会议).
#[Object(name = "Unit")]
impl UnitNode {
    /// The unit's id.
    pub async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// The unit's official name.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// What the unit does in petition work.
    async fn kind(&self) -> UnitKind {
        self.0.kind
    }

    /// Whether the unit takes new cases and staff; a deactivated one stays for the history.
    async fn active(&self) -> bool {
        self.0.active
    }

    /// The jurisdiction the unit belongs to.
    async fn jurisdiction(&self, ctx: &Context<'_>) -> Result<JurisdictionNode> {
        let j = ctx.data_unchecked::<Loaders>().jurisdiction().load_one(self.0.jurisdiction_code.clone()).await?;
        Ok(JurisdictionNode(j.ok_or_else(|| AppError::internal("unit without jurisdiction"))?))
    }
}

connection!(
    JurisdictionConnection,
    JurisdictionEdge,
    JurisdictionNode,
    "A page of jurisdictions, ordered by code (Relay connection).",
    "A jurisdiction in a page, with its cursor."
);
connection!(
    UnitConnection,
    UnitEdge,
    UnitNode,
    "A page of units (Relay connection).",
    "A unit in a page, with its cursor."
);

/// Which jurisdictions to list.
#[derive(InputObject, Default)]
pub struct JurisdictionFilterInput {
    /// Only jurisdictions of this level.
    pub level: Option<JurisdictionLevel>,
    /// Only the direct children of this jurisdiction.
    pub parent_code: Option<String>,
    /// Only jurisdictions in the subtree of this one (itself included).
    pub within: Option<String>,
}

/// Which units to list.
#[derive(InputObject, Default)]
pub struct UnitFilterInput {
    /// Only units of this jurisdiction.
    pub jurisdiction_code: Option<String>,
    /// Only units of this kind.
    pub kind: Option<UnitKind>,
    /// Only active (`true`) or deactivated (`false`) units.
    pub active: Option<bool>,
    /// Only units of jurisdictions in the subtree of this one (itself included).
    pub within: Option<String>,
}

#[derive(Default)]
pub struct JurisdictionQuery;

#[Object]
impl JurisdictionQuery {
    /// One jurisdiction by its code; `NOT_FOUND` if there is none.
    async fn jurisdiction(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The division code, e.g. `510502`.")] code: String,
    ) -> Result<Option<JurisdictionNode>> {
        viewer(ctx)?;
        let found = ctx.data_unchecked::<Loaders>().jurisdiction().load_one(code).await?;
        Ok(Some(found.map(JurisdictionNode).ok_or_else(|| AppError::not_found("jurisdiction"))?))
    }

    /// Jurisdictions, ordered by code, paged.
    #[graphql(complexity = "first.or(last).unwrap_or(20).max(1) as usize * child_complexity")]
    async fn jurisdictions(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which jurisdictions.")] filter: Option<JurisdictionFilterInput>,
        #[graphql(desc = "Return the first n items (at most the maximum page size).")] first: Option<i32>,
        #[graphql(desc = "Return items after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return the last n items (at most the maximum page size).")] last: Option<i32>,
        #[graphql(desc = "Return items before this cursor.")] before: Option<String>,
    ) -> Result<JurisdictionConnection> {
        viewer(ctx)?;
        let st = state(ctx);
        let page = PageArgs { first, after, last, before }.parse::<String>(st.settings.limits.max_page_size)?;
        let filter = filter.unwrap_or_default();
        let count = wants_total(ctx);
        let (rows, total) = st
            .db
            .run(move |conn| {
                let within_path =
                    filter.within.map(|code| jurisdiction::subtree_path(conn, &code, "filter.within")).transpose()?;
                let filter =
                    JurisdictionFilter { level: filter.level, parent: filter.parent_code.map(Some), within_path };
                let total = count.then(|| jurisdiction::count(conn, &filter)).transpose()?;
                Ok((jurisdiction::list(conn, &filter, &page)?, total.unwrap_or(0)))
            })
            .await?;
        Ok(JurisdictionConnection::build(rows, total, |j| j.code.clone(), JurisdictionNode))
    }

    /// Units, paged.
    #[graphql(complexity = "first.or(last).unwrap_or(20).max(1) as usize * child_complexity")]
    async fn units(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which units.")] filter: Option<UnitFilterInput>,
        #[graphql(desc = "Return the first n items (at most the maximum page size).")] first: Option<i32>,
        #[graphql(desc = "Return items after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return the last n items (at most the maximum page size).")] last: Option<i32>,
        #[graphql(desc = "Return items before this cursor.")] before: Option<String>,
    ) -> Result<UnitConnection> {
        viewer(ctx)?;
        let st = state(ctx);
        let page = PageArgs { first, after, last, before }.parse::<uuid::Uuid>(st.settings.limits.max_page_size)?;
        let filter = filter.unwrap_or_default();
        let within = filter.within;
        let filter = UnitFilter {
            jurisdiction_code: filter.jurisdiction_code,
            kind: filter.kind,
            active: filter.active,
            within_path: None,
        };
        let count = wants_total(ctx);
        let (rows, total) = st
            .db
            .run(move |conn| {
                let mut filter = filter;
                filter.within_path =
                    within.map(|code| jurisdiction::subtree_path(conn, &code, "filter.within")).transpose()?;
                let total = count.then(|| unit::count(conn, &filter)).transpose()?;
                Ok((unit::list(conn, &filter, &page)?, total.unwrap_or(0)))
            })
            .await?;
        Ok(UnitConnection::build(rows, total, |u| u.id, UnitNode))
    }
}

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
    async fn reception(&self, ctx: &Context<'_>) -> Result<super::reception::ReceptionFigures> {
        let key = (self.path.clone(), Period { from: self.from, to: self.to });
        let rows = ctx.data_unchecked::<Loaders>().reception().load_one(key).await?;
        Ok(super::reception::ReceptionFigures::of(rows.unwrap_or_default()))
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
    fn between(current: &Figures, compared: &Figures) -> Self {
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
    fn new(period: Period, f: Figures) -> Self {
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
