//! The services: what each capability does, over the models, once the GraphQL layer has decoded a request. Each
//! capability is a module here; GraphQL resolvers call them, and so do the command line's tools.

pub mod administration;
pub mod case_work;
pub mod oversight;
pub mod reception;
pub mod sessions;
pub mod webhooks;
