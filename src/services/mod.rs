//! The services: what each capability does, over the models, once the GraphQL layer has decoded a request. Each
//! capability is a module here; GraphQL resolvers call them, and so do the command line's tools.
//!
//! One shape for every act: `fn(conn, &WorkContext, …) -> AppResult<T>`, synchronous, over the one connection of
//! the transaction the caller (the GraphQL layer, a tool) opened. What must happen outside a transaction (hashing a
//! password on the hashing threads, forgetting a cached caller after the commit) stays with that caller.

pub mod administration;
pub mod case_work;
pub mod evidence;
pub mod oversight;
pub mod reception;
pub mod sessions;
pub mod webhooks;

use chrono::{DateTime, Utc};

use crate::domain::deadline::WorkCalendar;
use crate::domain::schedule::Rules;
use crate::domain::scope::Caller;

/// What an act needs besides who acts: the moment, and the rules and calendar that turn a history into deadlines.
/// Public tracking needs only this; every act needs it with a caller.
#[derive(Clone)]
pub struct Environment {
    pub now: DateTime<Utc>,
    pub rules: Rules,
    pub calendar: WorkCalendar,
}

impl Environment {
    /// The environment the settings give, at `now`.
    pub fn of(settings: &crate::config::Settings, now: DateTime<Utc>) -> Environment {
        Environment { now, rules: settings.rules.clone(), calendar: settings.calendar() }
    }
}

/// Who is acting, and in which environment: the first argument after the connection of every service.
#[derive(Clone)]
pub struct WorkContext {
    pub caller: Caller,
    pub env: Environment,
}
