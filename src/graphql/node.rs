//! The Relay `Node` interface: `node(id:)` finds a case, escalation, supervision notice, account or unit by its id,
//! through the same scope as the lookup of its own kind (out of scope reads as `NOT_FOUND`).

use async_graphql::{Context, Interface, Object, Result, ID};

use super::account::AccountNode;
use super::case::CaseNode;
use super::context::{object_id, state, viewer};
use super::escalation::EscalationNode;
use super::jurisdiction::UnitNode;
use super::supervision::SupervisionNoticeNode;
use crate::domain::scope::{account_scope, case_scope, escalation_scope, notice_scope};
use crate::error::AppError;
use crate::models::{account, case as case_model, escalation, supervision_notice, unit};

/// An object with a global id (Relay): refetch it with `node(id:)`.
// One value per `node` field, held for the moment of answering: boxing the larger kinds would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Interface)]
#[graphql(field(name = "id", ty = "ID", desc = "The object's id, unique across all kinds."))]
pub enum Node {
    Case(CaseNode),
    Escalation(EscalationNode),
    SupervisionNotice(SupervisionNoticeNode),
    Account(AccountNode),
    Unit(UnitNode),
}

/// What one id turned out to be.
#[allow(clippy::large_enum_variant)]
enum Found {
    Case(crate::models::case::Case),
    Escalation(crate::models::escalation::Escalation),
    Notice(crate::models::supervision_notice::SupervisionNotice),
    Account(crate::models::account::Account),
    Unit(crate::models::unit::Unit),
}

#[derive(Default)]
pub struct NodeQuery;

#[Object]
impl NodeQuery {
    /// The object with this id, whatever its kind, if the caller may see it (`NOT_FOUND` otherwise, and the field
    /// is null). Units are public; the rest needs a signed-in caller.
    async fn node(&self, ctx: &Context<'_>, #[graphql(desc = "The object's id.")] id: ID) -> Result<Option<Node>> {
        let caller = viewer(ctx)?.cloned();
        let id: uuid::Uuid = object_id(&id, "object")?;
        let found = state(ctx)
            .db
            .run(move |conn| {
                if let Some(caller) = &caller {
                    if let Some(c) = case_model::find_visible(conn, &case_scope(caller), id.into())? {
                        return Ok(Some(Found::Case(c)));
                    }
                    if let Some(e) = escalation::find_visible(conn, &escalation_scope(caller), id.into())? {
                        return Ok(Some(Found::Escalation(e)));
                    }
                    if let Some(n) = supervision_notice::find_visible(conn, &notice_scope(caller), id.into())? {
                        return Ok(Some(Found::Notice(n)));
                    }
                    if let Some(a) = account::find_visible(conn, &account_scope(caller), id.into())? {
                        return Ok(Some(Found::Account(a)));
                    }
                }
                Ok(unit::find(conn, id.into())?.map(Found::Unit))
            })
            .await?;
        let node = match found.ok_or_else(|| AppError::not_found("object"))? {
            Found::Case(c) => Node::Case(CaseNode(c)),
            Found::Escalation(e) => Node::Escalation(EscalationNode(e)),
            Found::Notice(n) => Node::SupervisionNotice(SupervisionNoticeNode(n)),
            Found::Account(a) => Node::Account(AccountNode(a)),
            Found::Unit(u) => Node::Unit(UnitNode(u)),
        };
        Ok(Some(node))
    }
}
