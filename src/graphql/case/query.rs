//! The case queries: one case by id or reference, and the list with its filter and order.

use super::*;
use crate::error::Message;

connection!(
    CaseConnection,
    CaseEdge,
    CaseNode,
    "A page of cases (Relay connection).",
    "A case in a page, with its cursor."
);

/// The order of a case list.
#[derive(Enum, Clone, Copy, PartialEq, Eq, Default)]
pub enum CaseOrder {
    /// Newest received first.
    #[default]
    ReceivedDesc,
    /// Oldest received first.
    ReceivedAsc,
}

/// Which cases to list, on top of what the caller may see anyway.
#[derive(InputObject, Default)]
pub struct CaseFilterInput {
    /// Only cases in one of these statuses.
    pub status: Option<Vec<CaseStatus>>,
    /// Only cases of this category.
    pub category: Option<Category>,
    /// Only cases in the subtree of this jurisdiction.
    pub jurisdiction_code: Option<String>,
    /// Only cases now with this unit.
    pub unit_id: Option<ID>,
    /// Only cases led by this case lead.
    pub case_lead_id: Option<ID>,
    /// Only cases with a staff deadline past due and unmet (true), or only the others (false is not supported:
    /// leave it out).
    pub overdue: Option<bool>,
    /// Only cases received at or after this time.
    pub received_from: Option<DateTime<Utc>>,
    /// Only cases received before this time.
    pub received_before: Option<DateTime<Utc>>,
    /// Only cases whose title or content contains this text (works for Chinese; at least 1 character).
    pub search: Option<String>,
}

#[derive(Default)]
pub struct CaseQuery;

#[Object]
impl CaseQuery {
    /// One case. `NOT_FOUND` when it does not exist or lies outside what the caller may see.
    async fn case(&self, ctx: &Context<'_>, #[graphql(desc = "The case's id.")] id: ID) -> Result<Option<CaseNode>> {
        let scope = case_scope(caller(ctx)?);
        let id = object_id(&id, "case")?;
        let found = state(ctx).db.read_by_key(|conn| case_model::find_visible_pipelined(conn, &scope, id)).await?;
        Ok(Some(CaseNode(found.ok_or_else(|| AppError::not_found("case"))?)))
    }

    /// One case by its reference, within what the caller may see.
    async fn case_by_reference(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The reference, e.g. `510502-2022-000017`.")] reference: String,
    ) -> Result<Option<CaseNode>> {
        let scope = case_scope(caller(ctx)?);
        let found = state(ctx)
            .db
            .read_by_key(|conn| case_model::find_visible_by_reference_pipelined(conn, &scope, reference.trim()))
            .await?;
        Ok(Some(CaseNode(found.ok_or_else(|| AppError::not_found("case"))?)))
    }

    /// The cases the caller may see, paged. Petitioners see their own; staff the cases of their jurisdiction's
    /// subtree (handling units: the cases with their unit; case leads also the cases they lead).
    #[graphql(complexity = "first.or(last).unwrap_or(20).max(1) as usize * child_complexity")]
    #[allow(clippy::too_many_arguments)]
    async fn cases(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which cases.")] filter: Option<CaseFilterInput>,
        #[graphql(desc = "The order; newest received first by default.")] order: Option<CaseOrder>,
        #[graphql(desc = "Return the first n items (at most the maximum page size).")] first: Option<i32>,
        #[graphql(desc = "Return items after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return the last n items (at most the maximum page size).")] last: Option<i32>,
        #[graphql(desc = "Return items before this cursor.")] before: Option<String>,
    ) -> Result<CaseConnection> {
        let scope = case_scope(caller(ctx)?);
        let st = state(ctx);
        let page = PageArgs { first, after, last, before }.parse::<CaseKey>(st.settings.limits.max_page_size)?;
        let f = filter.unwrap_or_default();
        if let (Some(from), Some(before)) = (f.received_from, f.received_before) {
            if from > before {
                return Err(AppError::bad_input("filter.receivedBefore", Message::BeforeReceivedFrom).into());
            }
        }
        let search = f.search.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
        if search.as_ref().is_some_and(|s| s.chars().count() > 100) {
            return Err(AppError::bad_input("filter.search", Message::AtMost100Characters).into());
        }
        let unit_id = filter_id(f.unit_id.as_ref(), "filter.unitId")?;
        let case_lead_id = filter_id(f.case_lead_id.as_ref(), "filter.caseLeadId")?;
        let now = st.clock.now();
        let filter = CaseFilter {
            statuses: f.status,
            category: f.category,
            within_path: None,
            unit_id,
            case_lead_id,
            overdue_at: overdue_filter(f.overdue, now)?,
            received_from: f.received_from,
            received_before: f.received_before,
            text: search,
            ascending: order.unwrap_or_default() == CaseOrder::ReceivedAsc,
        };
        let (rows, total) = scoped_page::<CaseList>(ctx, scope, filter, f.jurisdiction_code, page).await?;
        Ok(CaseConnection::build(rows, total, case_model::key_of, CaseNode))
    }
}
