//! Loaders of reception days: the figures of leaders' sessions by subtree, and what only the bureau keeping a
//! session sees of it.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;

use super::{grouped_pairs, LoadResult};
use crate::db::Db;
use crate::domain::deadline::WorkCalendar;
use crate::domain::ids::ReceptionSessionId;
use crate::domain::scope::Caller;
use crate::models::reception::ReceptionCounts;
use crate::services::oversight::figures::Period;
use crate::services::reception;

/// Reception figures, keyed by a subtree's materialised path and the period; every subtree asked for at one level
/// of a query is counted in one statement per period. Figures only: the caller was allowed to see the subtree's
/// figures when its `JurisdictionStats` was made.
pub struct ReceptionBySubtree {
    pub(super) db: Db,
    pub(super) calendar: WorkCalendar,
}

impl Loader<(String, Period)> for ReceptionBySubtree {
    type Value = Vec<ReceptionCounts>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[(String, Period)]) -> LoadResult<(String, Period), Vec<ReceptionCounts>> {
        let mut asked: HashMap<Period, Vec<String>> = HashMap::new();
        for (path, period) in keys {
            asked.entry(*period).or_default().push(path.clone());
        }
        let calendar = self.calendar.clone();
        let rows = self
            .db
            .run(move |conn| {
                let mut rows = Vec::new();
                for (period, paths) in asked {
                    let (from, to) = period.bounds(&calendar);
                    let counted = reception::figures(conn, &paths, from, to)?;
                    rows.extend(counted.into_iter().map(|r| ((r.within, period), r.counts)));
                }
                Ok(rows)
            })
            .await?;
        Ok(grouped_pairs(rows))
    }
}

/// What only the bureau keeping a session sees of it, for the sessions of one level of a query together (a week's
/// schedule at the desk): one statement for their jurisdictions, one for the rows. A session the caller does not
/// keep has no entry.
pub struct AtTheDesk<T> {
    pub(super) db: Db,
    pub(super) caller: Option<Caller>,
    pub(super) read: fn(&mut diesel::PgConnection, &[ReceptionSessionId]) -> diesel::QueryResult<Vec<T>>,
    pub(super) session_of: fn(&T) -> ReceptionSessionId,
}

impl<T: Clone + Send + Sync + 'static> Loader<(ReceptionSessionId, String)> for AtTheDesk<T> {
    type Value = Vec<T>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[(ReceptionSessionId, String)]) -> LoadResult<(ReceptionSessionId, String), Vec<T>> {
        let Some(caller) = self.caller.clone() else { return Ok(HashMap::new()) };
        let (sessions, read, session_of) = (keys.to_vec(), self.read, self.session_of);
        let mut seen =
            self.db.run(move |conn| reception::at_the_desk(conn, &caller, &sessions, read, session_of)).await?;
        Ok(keys.iter().filter_map(|key| Some((key.clone(), seen.remove(&key.0)?))).collect())
    }
}
