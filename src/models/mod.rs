//! Rows and queries, one module per table family. Every function takes a `&mut PgConnection`, so it runs the same
//! inside a transaction or outside one; nothing here knows about GraphQL.

/// What an entry of an append-only history says, declared once for every history (a case's, a notice's) and
/// embedded (`#[diesel(embed)]`) in both the row read and the row written: its kind, the statuses it moved
/// between, who wrote it in which role, when it happened, the staff note and the details.
macro_rules! history_entry {
    ($(#[$doc:meta])* $name:ident, $table:ident, $kind:ty, $status:ty) => {
        $(#[$doc])*
        #[derive(Queryable, Selectable, Insertable, Clone, Debug)]
        #[diesel(table_name = $table, check_for_backend(diesel::pg::Pg))]
        pub struct $name {
            pub kind: $kind,
            pub from_status: Option<$status>,
            pub to_status: Option<$status>,
            pub actor_account_id: Option<crate::domain::ids::AccountId>,
            pub actor_role: Option<crate::domain::role::ActorRole>,
            pub occurred_at: chrono::DateTime<chrono::Utc>,
            pub note: Option<String>,
            pub payload: serde_json::Value,
        }

        impl $name {
            /// An entry of `kind` written by an account (or none) in a role at `at`, with no statuses, note or
            /// details yet.
            pub fn new(
                kind: $kind,
                (account, role): (Option<crate::domain::ids::AccountId>, crate::domain::role::ActorRole),
                at: chrono::DateTime<chrono::Utc>,
            ) -> Self {
                let (actor_account_id, actor_role, occurred_at) = (account, Some(role), at);
                let (from_status, to_status, note, payload) = (None, None, None, serde_json::json!({}));
                $name { kind, from_status, to_status, actor_account_id, actor_role, occurred_at, note, payload }
            }

            /// The entry, moving its object from one status to another.
            pub fn moving(self, from_status: Option<$status>, to_status: Option<$status>) -> Self {
                $name { from_status, to_status, ..self }
            }

            /// The entry, with a note for staff and its details.
            pub fn saying(self, note: Option<String>, payload: serde_json::Value) -> Self {
                $name { note, payload, ..self }
            }
        }
    };
}

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
