//! Jurisdictions and units: public administrative data, readable by anyone (a petitioner must be able to say where
//! their matter lies before they have an account).

use async_graphql::{Context, InputObject, Object, Result, SimpleObject, ID};
use chrono::NaiveDate;

use crate::domain::figures::{Change, CohortCounts, Comparison, Ratio, SkipLevel};
use crate::domain::organisation::{JurisdictionLevel, UnitKind};
use crate::domain::permission::may_see_figures;
use crate::error::AppError;
use crate::graphql::connection::{connection, wants_total, PageArgs};
use crate::graphql::context::{caller, state, viewer};
use crate::graphql::loaders::FigureKey;
use crate::graphql::loaders::Loaders;
use crate::models::jurisdiction::{self, Jurisdiction, JurisdictionFilter};
use crate::models::unit::{self, Unit, UnitFilter};
use crate::services::oversight::figures::{Figures, Period};

mod figures;

pub use figures::*;

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
        Ok(UnitConnection::build(rows, total, |u| u.id.uuid(), UnitNode))
    }
}
