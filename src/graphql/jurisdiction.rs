//! Jurisdictions and units: public administrative data, readable by anyone (a petitioner must be able to say where
//! their matter lies before they have an account).

use async_graphql::{Context, InputObject, Object, Result, SimpleObject, ID};
use chrono::NaiveDate;

use super::connection::{connection, wants_total, PageArgs};
use super::context::{caller, state, viewer};
use super::loaders::FigureKey;
use super::loaders::Loaders;
use crate::domain::figures::{CohortCounts, Ratio, SkipLevel};
use crate::domain::organisation::{JurisdictionLevel, UnitKind};
use crate::domain::permission::may_see_figures;
use crate::error::AppError;
use crate::models::jurisdiction::{self, Jurisdiction, JurisdictionFilter};
use crate::models::unit::{self, Unit, UnitFilter};
use crate::oversight::figures::{Figures, Period};

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
    ) -> Result<JurisdictionStats> {
        let proof = may_see_figures(caller(ctx)?, &self.0.path)?;
        let period = Period::parse(from, to)?;
        let key = FigureKey::new(&proof, self.0.code.clone(), self.0.path.clone(), period);
        let figures = ctx.data_unchecked::<Loaders>().figures().load_one(key).await?.unwrap_or_default();
        Ok(JurisdictionStats::new(period, figures))
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
#[derive(SimpleObject, Clone, Copy)]
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
        }
    }
}
