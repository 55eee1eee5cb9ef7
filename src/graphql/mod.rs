//! The GraphQL API: the root merged from one module per domain (as Vector does), the limits on what one request
//! may ask, and the SDL printer.

pub mod account;
pub mod administration;
pub mod case;
pub mod connection;
pub mod context;
pub mod date_arguments;
pub mod documents;
pub mod escalation;
pub mod event_detail;
pub mod evidence;
pub mod feed;
pub mod handling;
pub mod intake;
pub mod jurisdiction;
pub mod limits;
pub mod live;
pub mod loaders;
pub mod node;
pub mod nulls;
pub mod reception;
pub mod supervision;
pub mod tracking;
pub mod webhook;

use async_graphql::{MergedObject, MergedSubscription, Schema, SchemaBuilder};

use crate::config::Limits;

/// Everything that can be read.
#[derive(MergedObject, Default)]
pub struct Query(
    account::AccountQuery,
    administration::AdministrationQuery,
    jurisdiction::JurisdictionQuery,
    case::CaseQuery,
    tracking::TrackingQuery,
    escalation::EscalationQuery,
    supervision::SupervisionQuery,
    node::NodeQuery,
    reception::ReceptionQuery,
    feed::FeedQuery,
    webhook::WebhookQuery,
);

/// Everything that can be changed. Mutations are accepted only over POST with a JSON body.
#[derive(MergedObject, Default)]
pub struct Mutation(
    account::AccountMutation,
    administration::AdministrationMutation,
    intake::IntakeMutation,
    handling::HandlingMutation,
    escalation::EscalationMutation,
    supervision::SupervisionMutation,
    evidence::EvidenceMutation,
    reception::ReceptionMutation,
    webhook::WebhookMutation,
);

/// Everything that can be followed live, over WebSocket at `/graphql` (`graphql-transport-ws`).
#[derive(MergedSubscription, Default)]
pub struct Subscription(live::CaseSubscription, live::NoticeSubscription);

pub type AppSchema = Schema<Query, Mutation, Subscription>;

/// The schema with its limits but without runtime data (enough to print the SDL).
pub fn schema_builder(limits: &Limits) -> SchemaBuilder<Query, Mutation, Subscription> {
    // Depth is checked by `DocumentChecks`, which measures introspection apart (see `limits`).
    // Complexity is limited by `DocumentChecks` too, whose refusal states the cost and the limit.
    let builder = Schema::build(Query::default(), Mutation::default(), Subscription::default())
        .limit_recursive_depth(32)
        .limit_directives(10)
        .extension(limits::DocumentChecks {
            max_depth: limits.max_depth,
            max_aliases: limits.max_aliases,
            max_complexity: limits.max_complexity,
            introspection: limits.introspection,
            date_fields: Default::default(),
        });
    // Without introspection, async-graphql alone would answer `__schema` with null; `DocumentChecks` refuses it
    // with the reason first.
    let builder = if limits.introspection { builder } else { builder.disable_introspection() };
    builder
        .override_output_type_description::<chrono::DateTime<chrono::FixedOffset>>(
            "An instant: RFC 3339 with its offset, e.g. `2026-03-01T09:30:00+08:00`. Answers give the time in the \
             service's time zone (Asia/Shanghai by default); inputs may use any offset.",
        )
        .override_output_type_description::<chrono::NaiveDate>(
            "A calendar day: ISO 8601 `YYYY-MM-DD`, e.g. `2026-03-01`, in the service's time zone (Asia/Shanghai by \
             default).",
        )
        .override_output_type_description::<async_graphql::Json<serde_json::Value>>(
            "Any JSON value, where the shape is not one type: the before and after of an administration log entry.",
        )
}

/// The SDL as served; `schema.graphql` must equal it (a test checks).
pub fn sdl() -> String {
    // `@specifiedBy` included: introspection gives the scalars' `specifiedByURL`, so the file does too.
    let options = async_graphql::SDLExportOptions::new().include_specified_by();
    schema_builder(&Limits::default()).finish().sdl_with_options(options)
}
