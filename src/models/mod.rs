//! Rows and queries, one module per table family. Every function takes a `&mut PgConnection`, so it runs the same
//! inside a transaction or outside one; nothing here knows about GraphQL.

pub mod account;
pub mod admin_event;
pub mod attachment;
pub mod case;
pub mod case_event;
pub mod deadline;
pub mod escalation;
pub mod figures;
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
