//! The GraphQL API: the root merged from one module per domain (as Vector does), the limits on what one request
//! may ask, and the SDL printer.

pub mod account;
pub mod case;
pub mod case_work;
pub mod connection;
pub mod context;
pub mod guards;
pub mod jurisdiction;
pub mod limits;
pub mod loaders;

use async_graphql::{EmptySubscription, MergedObject, Schema, SchemaBuilder};

use crate::config::Limits;

/// Everything that can be read.
#[derive(MergedObject, Default)]
pub struct Query(account::AccountQuery, jurisdiction::JurisdictionQuery, case::CaseQuery, case_work::TrackingQuery);

/// Everything that can be changed. Mutations are accepted only over POST with a JSON body.
#[derive(MergedObject, Default)]
pub struct Mutation(account::AccountMutation, case_work::CaseWorkMutation);

pub type AppSchema = Schema<Query, Mutation, EmptySubscription>;

/// The schema with its limits but without runtime data (enough to print the SDL).
pub fn schema_builder(limits: &Limits) -> SchemaBuilder<Query, Mutation, EmptySubscription> {
    Schema::build(Query::default(), Mutation::default(), EmptySubscription)
        .limit_depth(limits.max_depth)
        .limit_complexity(limits.max_complexity)
        .limit_recursive_depth(32)
        .limit_directives(10)
        .extension(limits::AliasLimit(limits.max_aliases))
}

/// The SDL as served; `schema.graphql` must equal it (a test checks).
pub fn sdl() -> String {
    schema_builder(&Limits::default()).finish().sdl()
}
