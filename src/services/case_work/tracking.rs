//! `trackCase`: anyone with a reference and its query code (letter and phone petitioners have no account) can
//! follow progress: status, dates, deadlines and the notices addressed to the petitioner, never names or internal
//! notes. A wrong code answers exactly as an unknown reference does, and misses are rate-limited per address.

use chrono::{DateTime, Utc};
use diesel::PgConnection;

use super::{history, Environment};
use crate::auth::token::{query_code_matches, stored_query_code};
use crate::config::QueryCodeKeys;
use crate::domain::details::notice_of;
use crate::domain::schedule::Deadline;
use crate::error::{AppError, AppResult};
use crate::models::case::Case;
use crate::models::unscoped;

/// A public history entry: what happened, when, and the notice for the petitioner if there was one.
pub struct PublicEvent {
    pub kind: crate::domain::case::EventKind,
    pub at: DateTime<Utc>,
    pub notice: Option<String>,
}

pub struct Progress {
    pub case: Case,
    pub deadlines: Vec<Deadline>,
    pub events: Vec<PublicEvent>,
}

/// The one answer for unknown references and wrong codes alike.
pub fn not_found() -> AppError {
    AppError::not_found("case with this reference and query code")
}

pub fn track(
    conn: &mut PgConnection,
    env: &Environment,
    keys: &QueryCodeKeys,
    reference: &str,
    query_code: &str,
) -> AppResult<Progress> {
    let found = unscoped::case_by_reference(conn, reference.trim())?;
    // An unknown reference costs the same hashing as a wrong code, so that timing tells nothing.
    let Some((case, stored)) = found else {
        let _ = stored_query_code(keys, query_code);
        return Err(not_found());
    };
    if !query_code_matches(keys, &stored, query_code) {
        return Err(not_found());
    }
    let (events, deadlines) = history::deadlines(conn, env, case.id)?;
    let events = events
        .into_iter()
        .filter(|e| !e.staff_only)
        .map(|e| PublicEvent {
            notice: notice_of(&e.entry.payload).map(str::to_owned),
            kind: e.entry.kind,
            at: e.entry.occurred_at,
        })
        .collect();
    Ok(Progress { case, deadlines, events })
}
