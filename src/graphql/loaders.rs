//! DataLoaders: nested fields of list items are fetched in one query per level, never one per row.
//!
//! Loaders live in the per-request data, so their cache never carries one caller's results into another's request.

use std::collections::HashMap;
use std::time::Duration;

use async_graphql::dataloader::{DataLoader, Loader};
use uuid::Uuid;

use crate::db::Db;
use crate::models::case_event::{self, CaseEvent};
use crate::models::escalation::{self, Escalation};
use crate::models::jurisdiction::{self, Jurisdiction};
use crate::models::unit::{self, Unit};

/// How long a loader waits by default to collect keys before it queries (`DATALOADER_DELAY_US`). Sibling fields
/// of a list are resolved in the same poll, so a short wait already batches them; `cargo bench` measures it.
pub const DEFAULT_BATCH_DELAY: Duration = Duration::from_micros(200);

pub struct Loaders {
    pub events: DataLoader<EventsByCase>,
    pub escalations: DataLoader<EscalationsByCase>,
    pub jurisdiction: DataLoader<JurisdictionByCode>,
    pub children: DataLoader<ChildrenByParent>,
    pub unit: DataLoader<UnitById>,
    pub units_of: DataLoader<UnitsByJurisdiction>,
}

impl Loaders {
    pub fn new(db: &Db, delay: Duration) -> Loaders {
        fn make<L: Send + Sync + 'static>(loader: L, delay: Duration) -> DataLoader<L> {
            DataLoader::new(loader, tokio::spawn).delay(delay)
        }
        Loaders {
            events: make(EventsByCase(db.clone()), delay),
            escalations: make(EscalationsByCase(db.clone()), delay),
            jurisdiction: make(JurisdictionByCode(db.clone()), delay),
            children: make(ChildrenByParent(db.clone()), delay),
            unit: make(UnitById(db.clone()), delay),
            units_of: make(UnitsByJurisdiction(db.clone()), delay),
        }
    }
}

type LoadResult<K, V> = Result<HashMap<K, V>, async_graphql::Error>;

pub struct JurisdictionByCode(Db);

impl Loader<String> for JurisdictionByCode {
    type Value = Jurisdiction;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[String]) -> LoadResult<String, Jurisdiction> {
        let keys = keys.to_vec();
        let rows = self.0.run(move |conn| Ok(jurisdiction::find_many(conn, &keys)?)).await?;
        Ok(rows.into_iter().map(|j| (j.code.clone(), j)).collect())
    }
}

pub struct ChildrenByParent(Db);

impl Loader<String> for ChildrenByParent {
    type Value = Vec<Jurisdiction>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[String]) -> LoadResult<String, Vec<Jurisdiction>> {
        let keys = keys.to_vec();
        let rows = self.0.run(move |conn| Ok(jurisdiction::children_of(conn, &keys)?)).await?;
        let mut map: HashMap<String, Vec<Jurisdiction>> = HashMap::new();
        for j in rows {
            map.entry(j.parent_code.clone().unwrap_or_default()).or_default().push(j);
        }
        Ok(map)
    }
}

pub struct UnitById(Db);

impl Loader<Uuid> for UnitById {
    type Value = Unit;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[Uuid]) -> LoadResult<Uuid, Unit> {
        let keys = keys.to_vec();
        let rows = self.0.run(move |conn| Ok(unit::find_many(conn, &keys)?)).await?;
        Ok(rows.into_iter().map(|u| (u.id, u)).collect())
    }
}

pub struct UnitsByJurisdiction(Db);

impl Loader<String> for UnitsByJurisdiction {
    type Value = Vec<Unit>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[String]) -> LoadResult<String, Vec<Unit>> {
        let keys = keys.to_vec();
        let rows = self.0.run(move |conn| Ok(unit::of_jurisdictions(conn, &keys)?)).await?;
        let mut map: HashMap<String, Vec<Unit>> = HashMap::new();
        for u in rows {
            map.entry(u.jurisdiction_code.clone()).or_default().push(u);
        }
        Ok(map)
    }
}

/// Whole histories (staff-only entries included; resolvers filter by viewer).
pub struct EventsByCase(Db);

impl Loader<Uuid> for EventsByCase {
    type Value = Vec<CaseEvent>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[Uuid]) -> LoadResult<Uuid, Vec<CaseEvent>> {
        let keys = keys.to_vec();
        let rows = self.0.run(move |conn| Ok(case_event::of_cases(conn, &keys, true)?)).await?;
        let mut map: HashMap<Uuid, Vec<CaseEvent>> = HashMap::new();
        for e in rows {
            map.entry(e.case_id).or_default().push(e);
        }
        Ok(map)
    }
}

pub struct EscalationsByCase(Db);

impl Loader<Uuid> for EscalationsByCase {
    type Value = Vec<Escalation>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[Uuid]) -> LoadResult<Uuid, Vec<Escalation>> {
        let keys = keys.to_vec();
        let rows = self.0.run(move |conn| Ok(escalation::of_cases(conn, &keys)?)).await?;
        let mut map: HashMap<Uuid, Vec<Escalation>> = HashMap::new();
        for e in rows {
            map.entry(e.case_id).or_default().push(e);
        }
        Ok(map)
    }
}
