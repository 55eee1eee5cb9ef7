//! Cases as the API shows them: `case(id)` and `cases(...)`, always through the caller's scope.

use async_graphql::{Context, InputObject, Object, Result, ID};
use chrono::{DateTime, FixedOffset};
use uuid::Uuid;

use super::connection::{connection, PageArgs};
use super::context::{caller, local_time, state};
use super::jurisdiction::{JurisdictionNode, UnitNode};
use super::loaders::Loaders;
use crate::domain::access::{case_scope, may_see_petitioner, CaseFacts};
use crate::domain::case::{CaseStatus, Category, Channel};
use crate::error::AppError;
use crate::models::case::{self as case_model, Case, CaseFilter, CaseKey};
use crate::models::jurisdiction;

/// A petition case (信访事项).
#[derive(Clone)]
pub struct CaseNode(pub Case);

/// A petition case (信访事项).
#[Object(name = "Case")]
impl CaseNode {
    /// The case's id.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// The public reference, `<county code>-<year>-<serial>` (e.g. `510502-2022-000017`).
    async fn reference(&self) -> &str {
        &self.0.reference
    }

    /// Where the case stands in its lifecycle.
    async fn status(&self) -> Result<CaseStatus> {
        Ok(CaseStatus::parse(&self.0.status).ok_or_else(|| AppError::internal("unknown status"))?)
    }

    /// How the petition reached the state.
    async fn channel(&self) -> Result<Channel> {
        Ok(Channel::parse(&self.0.channel).ok_or_else(|| AppError::internal("unknown channel"))?)
    }

    /// The kind of matter; null until classified.
    async fn category(&self) -> Option<Category> {
        self.0.category.as_deref().and_then(Category::parse)
    }

    /// A short title of the matter.
    async fn title(&self) -> &str {
        &self.0.title
    }

    /// The matter as the petitioner put it.
    async fn content(&self) -> &str {
        &self.0.content
    }

    /// When the petition was received (the start of the routing deadline).
    async fn received_at(&self, ctx: &Context<'_>) -> DateTime<FixedOffset> {
        local_time(ctx, self.0.received_at)
    }

    /// The county (or other jurisdiction) the case belongs to.
    async fn jurisdiction(&self, ctx: &Context<'_>) -> Result<JurisdictionNode> {
        let j = ctx.data_unchecked::<Loaders>().jurisdiction.load_one(self.0.jurisdiction_code.clone()).await?;
        Ok(JurisdictionNode(j.ok_or_else(|| AppError::internal("case without jurisdiction"))?))
    }

    /// The township the matter arose in, if known.
    async fn township(&self, ctx: &Context<'_>) -> Result<Option<JurisdictionNode>> {
        let Some(code) = &self.0.township_code else { return Ok(None) };
        Ok(ctx.data_unchecked::<Loaders>().jurisdiction.load_one(code.clone()).await?.map(JurisdictionNode))
    }

    /// The unit now handling the case; null while the bureau has not routed it.
    async fn current_unit(&self, ctx: &Context<'_>) -> Result<Option<UnitNode>> {
        let Some(id) = self.0.current_unit_id else { return Ok(None) };
        Ok(ctx.data_unchecked::<Loaders>().unit.load_one(id).await?.map(UnitNode))
    }

    /// The petitioner's name, or null where the caller may not know it: anonymous petitions, and accusations seen
    /// by the handling unit (Art 30 ¶3).
    async fn petitioner_name(&self, ctx: &Context<'_>) -> Result<Option<&str>> {
        let facts = CaseFacts {
            petitioner_account_id: self.0.petitioner_account_id,
            category: self.0.category.as_deref().and_then(Category::parse),
            is_anonymous: self.0.is_anonymous,
        };
        Ok(may_see_petitioner(caller(ctx)?, &facts).then_some(self.0.petitioner_name.as_str()))
    }

    /// Whether the petitioner's identity is withheld from the caller.
    async fn petitioner_withheld(&self, ctx: &Context<'_>) -> Result<bool> {
        Ok(self.petitioner_name(ctx).await?.is_none())
    }

    /// How many people the petition speaks for (group petitions).
    async fn group_size(&self) -> i32 {
        self.0.group_size
    }

    /// Whether this is a backlog case (积案).
    async fn is_backlog(&self) -> bool {
        self.0.is_backlog
    }
}

connection!(
    CaseConnection,
    CaseEdge,
    CaseNode,
    "A page of cases, newest received first (Relay connection).",
    "A case in a page, with its cursor."
);

/// Which cases to list, on top of what the caller may see anyway.
#[derive(InputObject, Default)]
pub struct CaseFilterInput {
    /// Only cases in one of these statuses.
    pub status: Option<Vec<CaseStatus>>,
    /// Only cases in the subtree of this jurisdiction.
    pub jurisdiction_code: Option<String>,
}

#[derive(Default)]
pub struct CaseQuery;

#[Object]
impl CaseQuery {
    /// One case. `NOT_FOUND` when it does not exist or lies outside what the caller may see.
    async fn case(&self, ctx: &Context<'_>, #[graphql(desc = "The case's id.")] id: ID) -> Result<CaseNode> {
        let scope = case_scope(caller(ctx)?);
        let id: Uuid = id.parse().map_err(|_| AppError::not_found("case"))?;
        let found = state(ctx).db.run(move |conn| Ok(case_model::find_visible(conn, &scope, id)?)).await?;
        Ok(CaseNode(found.ok_or_else(|| AppError::not_found("case"))?))
    }

    /// The cases the caller may see, newest received first, paged. Petitioners see their own; staff the cases of
    /// their jurisdiction's subtree (handling units: the cases with their unit).
    #[graphql(complexity = "first.or(last).unwrap_or(20).max(1) as usize * child_complexity")]
    async fn cases(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which cases.")] filter: Option<CaseFilterInput>,
        #[graphql(desc = "Return the first n items (at most the maximum page size).")] first: Option<i32>,
        #[graphql(desc = "Return items after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return the last n items (at most the maximum page size).")] last: Option<i32>,
        #[graphql(desc = "Return items before this cursor.")] before: Option<String>,
    ) -> Result<CaseConnection> {
        let scope = case_scope(caller(ctx)?);
        let st = state(ctx);
        let page = PageArgs { first, after, last, before }.parse::<CaseKey>(st.settings.limits.max_page_size)?;
        let filter = filter.unwrap_or_default();
        let statuses = filter.status.map(|s| s.iter().map(|s| s.as_str().to_owned()).collect());
        let within = filter.jurisdiction_code;
        let (rows, total) = st
            .db
            .run(move |conn| {
                let within_path = within
                    .map(|code| jurisdiction::subtree_path(conn, &code, "filter.jurisdictionCode"))
                    .transpose()?;
                let filter = CaseFilter { statuses, within_path };
                Ok((
                    case_model::list_visible(conn, &scope, &filter, &page)?,
                    case_model::count_visible(conn, &scope, &filter)?,
                ))
            })
            .await?;
        Ok(CaseConnection::build(rows, total, case_model::key_of, CaseNode))
    }
}
