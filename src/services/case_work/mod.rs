//! Case work: every step of the lifecycle (DOMAIN.md §3, §4, §7) as a function over one connection, run by the
//! GraphQL layer inside one transaction per mutation. Each step loads and locks the case through the caller's
//! scope, asks `crate::domain` whether it is allowed, appends to the history, and re-derives the deadlines.

pub mod closing;
pub mod contact;
pub mod engine;
pub mod escalations;
pub mod handling;
pub mod history;
pub mod intake;
pub mod reviews;
pub mod routing;
pub mod tracking;

use chrono::{DateTime, Utc};

use crate::error::{AppError, Message};
use crate::services::{Environment, WorkContext};

/// Checks a time a client says something happened: not in the future (a few minutes of clock skew allowed) and
/// not before `not_before`.
pub fn check_past(
    at: DateTime<Utc>,
    now: DateTime<Utc>,
    not_before: Option<DateTime<Utc>>,
    field: &str,
) -> Result<DateTime<Utc>, AppError> {
    if at > now + chrono::Duration::minutes(5) {
        return Err(AppError::bad_input(field, Message::InTheFuture));
    }
    if let Some(earliest) = not_before.filter(|e| at < *e) {
        return Err(AppError::bad_input(field, Message::Before(earliest.to_rfc3339().to_string())));
    }
    Ok(at)
}
