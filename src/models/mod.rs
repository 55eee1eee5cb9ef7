//! Rows and queries, one module per table family. Every function takes a `&mut PgConnection`, so it runs the same
//! inside a transaction or outside one; nothing here knows about GraphQL.

pub mod account;
pub mod admin_event;
pub mod attachment;
pub mod case;
pub mod case_event;
pub mod deadline;
pub mod escalation;
pub mod feed;
pub mod figures;
mod history_chain;
pub mod idempotency;
pub mod jurisdiction;
pub mod page;
pub mod reception;
pub mod refresh_token;
pub mod serials;
pub mod served_environment;
pub mod supervision_notice;
pub mod unit;
pub mod unscoped;
pub mod webhook;

/// Refuses a decision granted for another object than the one written about (a proof for case A used on case B):
/// a mistake in the code, answered as an internal error, and nothing is written.
pub(crate) fn decided_for(
    decided: &impl crate::domain::permission::Decision,
    object: impl Into<uuid::Uuid>,
) -> diesel::QueryResult<()> {
    let object = object.into();
    if decided.allows(object) {
        Ok(())
    } else {
        tracing::error!(%object, "a write was attempted with a decision about another object");
        Err(diesel::result::Error::QueryBuilderError("a decision about another object".into()))
    }
}
