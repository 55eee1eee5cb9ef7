//! Jurisdictions and units: public administrative data, readable by anyone (a petitioner must be able to say where
//! their matter lies before they have an account).

use async_graphql::{Context, InputObject, Object, Result, ID};

use super::connection::{connection, PageArgs};
use super::context::{state, viewer};
use super::loaders::Loaders;
use crate::domain::organisation::{JurisdictionLevel, UnitKind};
use crate::error::AppError;
use crate::models::jurisdiction::{self, Jurisdiction, JurisdictionFilter};
use crate::models::unit::{self, Unit, UnitFilter};

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
        Ok(JurisdictionLevel::parse(&self.0.level).ok_or_else(|| AppError::internal("unknown level"))?)
    }

    /// The jurisdiction one level up; null for a province.
    async fn parent(&self, ctx: &Context<'_>) -> Result<Option<JurisdictionNode>> {
        let Some(code) = &self.0.parent_code else { return Ok(None) };
        Ok(ctx.data_unchecked::<Loaders>().jurisdiction.load_one(code.clone()).await?.map(JurisdictionNode))
    }

    /// The jurisdictions directly below, ordered by code (a few dozen at most, so not paged).
    #[graphql(complexity = "25 * child_complexity")]
    async fn children(&self, ctx: &Context<'_>) -> Result<Vec<JurisdictionNode>> {
        let rows = ctx.data_unchecked::<Loaders>().children.load_one(self.0.code.clone()).await?;
        Ok(rows.unwrap_or_default().into_iter().map(JurisdictionNode).collect())
    }

    /// The units of this jurisdiction (bureau, committee, handling units), by kind and name.
    #[graphql(complexity = "10 * child_complexity")]
    async fn units(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only units of this kind.")] kind: Option<UnitKind>,
    ) -> Result<Vec<UnitNode>> {
        let rows = ctx.data_unchecked::<Loaders>().units_of.load_one(self.0.code.clone()).await?;
        Ok(rows
            .unwrap_or_default()
            .into_iter()
            .filter(|u| kind.is_none_or(|k| u.kind == k.as_str()))
            .map(UnitNode)
            .collect())
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
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// The unit's official name.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// What the unit does in petition work.
    async fn kind(&self) -> Result<UnitKind> {
        Ok(UnitKind::parse(&self.0.kind).ok_or_else(|| AppError::internal("unknown unit kind"))?)
    }

    /// The jurisdiction the unit belongs to.
    async fn jurisdiction(&self, ctx: &Context<'_>) -> Result<JurisdictionNode> {
        let j = ctx.data_unchecked::<Loaders>().jurisdiction.load_one(self.0.jurisdiction_code.clone()).await?;
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
    ) -> Result<JurisdictionNode> {
        viewer(ctx)?;
        let found = ctx.data_unchecked::<Loaders>().jurisdiction.load_one(code).await?;
        Ok(found.map(JurisdictionNode).ok_or_else(|| AppError::not_found("jurisdiction"))?)
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
        let (rows, total) = st
            .db
            .run(move |conn| {
                let within_path =
                    filter.within.map(|code| jurisdiction::subtree_path(conn, &code, "filter.within")).transpose()?;
                let filter = JurisdictionFilter {
                    level: filter.level.map(|l| l.as_str().to_owned()),
                    parent: filter.parent_code.map(Some),
                    within_path,
                };
                Ok((jurisdiction::list(conn, &filter, &page)?, jurisdiction::count(conn, &filter)?))
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
        let filter = UnitFilter {
            jurisdiction_code: filter.jurisdiction_code,
            kind: filter.kind.map(|k| k.as_str().to_owned()),
        };
        let (rows, total) =
            st.db.run(move |conn| Ok((unit::list(conn, &filter, &page)?, unit::count(conn, &filter)?))).await?;
        Ok(UnitConnection::build(rows, total, |u| u.id, UnitNode))
    }
}
