//! DataLoaders: nested fields of list items are fetched in one query per level, never one per row.
//!
//! Loaders live in the per-request data (per connection for subscriptions) and do not cache, so they never carry
//! one caller's results into another's request. Loaders of data that depends on who asks hold the caller's scope.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use async_graphql::dataloader::{DataLoader, Loader};

use super::context::AppState;
use crate::clock::Clock;
use crate::config::Settings;
use crate::db::Db;
use crate::domain::deadline::WorkCalendar;
use crate::domain::ids::{AccountId, CaseId, NoticeId, ReceptionSessionId, UnitId, WebhookId};
use crate::domain::permission::{act, Authorized};
use crate::domain::schedule::Deadline;
use crate::domain::scope::{case_scope, notice_scope, Caller, CaseScope, NoticeScope};
use crate::models::account;
use crate::models::attachment::Attachment;
use crate::models::case::{self as case_model, Case};
use crate::models::case_event::CaseEvent;
use crate::models::escalation::Escalation;
use crate::models::jurisdiction::{self, Jurisdiction};
use crate::models::reception::{Booking, Session, Visit};
use crate::models::supervision_notice::{self as notice_model, NoticeEvent, SupervisionNotice};
use crate::models::unit::{self, Unit};
use crate::models::unscoped;
use crate::models::webhook::Delivery;
use crate::services::oversight::figures::{self, Figures, Period};
use crate::services::webhooks;

mod reception;
pub use reception::{AtTheDesk, ReceptionBySubtree};

/// `pub fn name(&self) -> &DataLoader<Type>` for loaders made from the database handle alone.
macro_rules! by_key_of_db {
    ($($(#[$doc:meta])* $name:ident: $loader:ident,)+) => {
        $(
            $(#[$doc])*
            pub fn $name(&self) -> &DataLoader<$loader> {
                self.lazily(&self.$name, || $loader(self.db.clone()))
            }
        )+
    };
}

/// The loaders of one request, each made when a field first asks for it: most requests use one or two (reading
/// one case uses none), and making all of them up front cost every request a dozen loaders and handles.
pub struct Loaders {
    db: Db,
    /// Where figures read (a standby when there is one).
    reads: Db,
    clock: Arc<dyn Clock>,
    settings: Arc<Settings>,
    delay: Duration,
    cases: CaseScope,
    notices: NoticeScope,
    events: OnceLock<DataLoader<EventsByCase>>,
    deadlines: OnceLock<DataLoader<DeadlinesByCase>>,
    history_heads: OnceLock<DataLoader<HistoryHeadByCase>>,
    escalations: OnceLock<DataLoader<EscalationsByCase>>,
    attachments: OnceLock<DataLoader<AttachmentsByCase>>,
    jurisdiction: OnceLock<DataLoader<JurisdictionByCode>>,
    children: OnceLock<DataLoader<ChildrenByParent>>,
    unit: OnceLock<DataLoader<UnitById>>,
    units_of: OnceLock<DataLoader<UnitsByJurisdiction>>,
    case: OnceLock<DataLoader<VisibleCaseById>>,
    notices_of_case: OnceLock<DataLoader<NoticesByCase>>,
    notice: OnceLock<DataLoader<VisibleNoticeById>>,
    cases_of_notice: OnceLock<DataLoader<CaseIdsByNotice>>,
    notice_events: OnceLock<DataLoader<EventsByNotice>>,
    figures: OnceLock<DataLoader<FiguresByJurisdiction>>,
    reception: OnceLock<DataLoader<ReceptionBySubtree>>,
    display_names: OnceLock<DataLoader<DisplayNameById>>,
    sessions: OnceLock<DataLoader<SessionById>>,
    desk_bookings: OnceLock<DataLoader<AtTheDesk<Booking>>>,
    desk_visits: OnceLock<DataLoader<AtTheDesk<Visit>>>,
    webhook_deliveries: OnceLock<DataLoader<DeliveriesOfWebhook>>,
    /// Who asks (for what only the bureau's desk sees).
    caller: Option<Caller>,
}

impl Loaders {
    pub fn new(state: &AppState, caller: Option<&Caller>) -> Loaders {
        Loaders {
            db: state.db.clone(),
            reads: state.reads.clone(),
            clock: state.clock.clone(),
            settings: state.settings.clone(),
            delay: state.settings.loader_delay,
            cases: caller.map(case_scope).unwrap_or_default(),
            notices: caller.map(notice_scope).unwrap_or_default(),
            events: OnceLock::new(),
            deadlines: OnceLock::new(),
            history_heads: OnceLock::new(),
            escalations: OnceLock::new(),
            attachments: OnceLock::new(),
            jurisdiction: OnceLock::new(),
            children: OnceLock::new(),
            unit: OnceLock::new(),
            units_of: OnceLock::new(),
            case: OnceLock::new(),
            notices_of_case: OnceLock::new(),
            notice: OnceLock::new(),
            cases_of_notice: OnceLock::new(),
            notice_events: OnceLock::new(),
            figures: OnceLock::new(),
            reception: OnceLock::new(),
            display_names: OnceLock::new(),
            sessions: OnceLock::new(),
            desk_bookings: OnceLock::new(),
            desk_visits: OnceLock::new(),
            webhook_deliveries: OnceLock::new(),
            caller: caller.cloned(),
        }
    }

    /// The loader in `cell`, made by `loader` the first time.
    fn lazily<'a, L: Send + Sync + 'static>(
        &self,
        cell: &'a OnceLock<DataLoader<L>>,
        loader: impl FnOnce() -> L,
    ) -> &'a DataLoader<L> {
        cell.get_or_init(|| {
            // A batch runs in a task of its own; it logs under the span of the request that started it.
            let spawn = |batch| tokio::spawn(tracing::Instrument::in_current_span(batch));
            DataLoader::new(loader(), spawn).delay(self.delay)
        })
    }

    // Loaders that need only the database, and read rows the caller may see (the case or notice was read through
    // the caller's scope first) or rows of no one's (jurisdictions, units).
    by_key_of_db! {
        events: EventsByCase,
        deadlines: DeadlinesByCase,
        history_heads: HistoryHeadByCase,
        attachments: AttachmentsByCase,
        escalations: EscalationsByCase,
        jurisdiction: JurisdictionByCode,
        children: ChildrenByParent,
        unit: UnitById,
        units_of: UnitsByJurisdiction,
        cases_of_notice: CaseIdsByNotice,
        notice_events: EventsByNotice,
        /// Accounts' display names (the leaders named in a reception schedule).
        display_names: DisplayNameById,
        /// Reception sessions by id (the sessions of a petitioner's bookings).
        sessions: SessionById,
        /// The latest delivery attempts of webhooks (an admin read the webhooks first).
        webhook_deliveries: DeliveriesOfWebhook,
    }

    /// Cases by id, as far as the caller may see them.
    pub fn case(&self) -> &DataLoader<VisibleCaseById> {
        self.lazily(&self.case, || VisibleCaseById(self.db.clone(), self.cases.clone()))
    }

    /// The notices the caller may see, by id.
    pub fn notice(&self) -> &DataLoader<VisibleNoticeById> {
        self.lazily(&self.notice, || VisibleNoticeById(self.db.clone(), self.notices.clone()))
    }

    /// Supervision notices about each case, as far as the caller may see them.
    pub fn notices_of_case(&self) -> &DataLoader<NoticesByCase> {
        self.lazily(&self.notices_of_case, || NoticesByCase(self.db.clone(), self.notices.clone()))
    }

    pub fn figures(&self) -> &DataLoader<FiguresByJurisdiction> {
        self.lazily(&self.figures, || FiguresByJurisdiction {
            // Figures tolerate a moment's lag: a standby serves them when there is one.
            db: self.reads.clone(),
            clock: self.clock.clone(),
            calendar: self.settings.calendar(),
            read: Default::default(),
        })
    }

    /// Reception figures (leaders' sessions) of subtrees for a period: a roll-up's levels in one statement each.
    pub fn reception(&self) -> &DataLoader<ReceptionBySubtree> {
        self.lazily(&self.reception, || ReceptionBySubtree {
            db: self.reads.clone(),
            calendar: self.settings.calendar(),
        })
    }

    /// Who booked each session, for the bureaus that may keep it (keyed by session id and jurisdiction code).
    pub fn desk_bookings(&self) -> &DataLoader<AtTheDesk<Booking>> {
        self.lazily(&self.desk_bookings, || AtTheDesk {
            db: self.db.clone(),
            caller: self.caller.clone(),
            read: unscoped::bookings_of_sessions,
            session_of: |b| b.session_id,
        })
    }

    /// Who was received at each session, for the bureaus that may keep it.
    pub fn desk_visits(&self) -> &DataLoader<AtTheDesk<Visit>> {
        self.lazily(&self.desk_visits, || AtTheDesk {
            db: self.db.clone(),
            caller: self.caller.clone(),
            read: unscoped::visits_of_sessions,
            session_of: |v| v.session_id,
        })
    }
}

/// A loader that reads the rows of all its keys in one statement (`$read`, with `$conn` and the keys as `$keys`)
/// and gives each key its value: `one(key of a row)` a row per key, `grouped(key of a row)` the rows of each key in
/// the order read, `pairs` (key, value) rows grouped by key, `pairs_one` (key, value) rows one per key.
macro_rules! loader {
    ($(#[$doc:meta])* $name:ident: $key:ty => $value:ty, |$conn:ident, $keys:ident| $read:expr, $($shape:tt)+) => {
        $(#[$doc])*
        pub struct $name(Db);

        impl Loader<$key> for $name {
            type Value = $value;
            type Error = async_graphql::Error;

            async fn load(&self, keys: &[$key]) -> LoadResult<$key, $value> {
                let owned = keys.to_vec();
                let rows = self.0.run(move |$conn| {
                    let $keys = &owned;
                    Ok($read?)
                }).await?;
                Ok(loader!(@answer rows, $($shape)+))
            }
        }
    };
    (@answer $rows:ident, one($by:expr)) => { by_key($rows, $by) };
    (@answer $rows:ident, grouped($by:expr)) => { grouped($rows, $by) };
    (@answer $rows:ident, pairs) => { grouped_pairs($rows) };
    (@answer $rows:ident, pairs_one) => { $rows.into_iter().collect() };
}

type LoadResult<K, V> = Result<HashMap<K, V>, async_graphql::Error>;

/// Pairs of (key, value), grouped by key in the order they came.
fn grouped_pairs<K: Hash + Eq, V>(pairs: impl IntoIterator<Item = (K, V)>) -> HashMap<K, Vec<V>> {
    let mut map: HashMap<K, Vec<V>> = HashMap::new();
    for (key, value) in pairs {
        map.entry(key).or_default().push(value);
    }
    map
}

/// Rows of several keys, one per key.
fn by_key<K: Hash + Eq, V>(rows: impl IntoIterator<Item = V>, key: impl Fn(&V) -> K) -> HashMap<K, V> {
    rows.into_iter().map(|row| (key(&row), row)).collect()
}

/// Rows of several keys, grouped by key in the order they came.
fn grouped<K: Hash + Eq, V>(rows: impl IntoIterator<Item = V>, key: impl Fn(&V) -> K) -> HashMap<K, Vec<V>> {
    grouped_pairs(rows.into_iter().map(|row| (key(&row), row)))
}

loader!(
    JurisdictionByCode: String => Jurisdiction,
    |conn, keys| jurisdiction::find_many(conn, keys),
    one(|j| j.code.clone())
);

loader!(
    ChildrenByParent: String => Vec<Jurisdiction>,
    |conn, keys| jurisdiction::children_of(conn, keys),
    grouped(|j| j.parent_code.clone().unwrap_or_default())
);

loader!(
    UnitById: UnitId => Unit, |conn, keys| unit::find_many(conn, keys), one(|u| u.id)
);

loader!(
    UnitsByJurisdiction: String => Vec<Unit>,
    |conn, keys| unit::of_jurisdictions(conn, keys),
    grouped(|u| u.jurisdiction_code.clone())
);

loader!(
    /// Whole histories (staff-only entries included; resolvers filter by viewer).
    EventsByCase: CaseId => Vec<CaseEvent>, |conn, keys| unscoped::histories(conn, keys, true), grouped(|e| e.case_id)
);

loader!(
    /// The stored deadlines of each case (kept by every step, so a list does not re-derive them from histories).
    DeadlinesByCase: CaseId => Vec<Deadline>, |conn, keys| unscoped::deadlines(conn, keys), pairs
);

loader!(
    /// The digest at the head of each case's history chain (the case was read through the caller's scope).
    HistoryHeadByCase: CaseId => String, |conn, keys| unscoped::history_heads(conn, keys), pairs_one
);

loader!(
    /// The files of each case (resolvers filter by viewer: the confidentiality rule of DOMAIN.md §7).
    AttachmentsByCase: CaseId => Vec<Attachment>, |conn, keys| unscoped::attachments(conn, keys), grouped(|a| a.case_id)
);

loader!(
    /// Every escalation of each case (resolvers filter by viewer: petitioners see only their reviews).
    EscalationsByCase: CaseId => Vec<Escalation>, |conn, keys| unscoped::escalations(conn, keys), grouped(|e| e.case_id)
);

pub struct VisibleCaseById(Db, CaseScope);

impl Loader<CaseId> for VisibleCaseById {
    type Value = Case;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[CaseId]) -> LoadResult<CaseId, Case> {
        let (keys, scope) = (keys.to_vec(), self.1.clone());
        let rows = self.0.run(move |conn| Ok(case_model::find_many_visible(conn, &scope, &keys)?)).await?;
        Ok(rows.into_iter().map(|c| (c.id, c)).collect())
    }
}

pub struct VisibleNoticeById(Db, NoticeScope);

impl Loader<NoticeId> for VisibleNoticeById {
    type Value = SupervisionNotice;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[NoticeId]) -> LoadResult<NoticeId, SupervisionNotice> {
        let (keys, scope) = (keys.to_vec(), self.1.clone());
        if scope.is_empty() {
            return Ok(HashMap::new());
        }
        let rows = self.0.run(move |conn| Ok(notice_model::find_many_visible(conn, &scope, &keys)?)).await?;
        Ok(rows.into_iter().map(|n| (n.id, n)).collect())
    }
}

pub struct NoticesByCase(Db, NoticeScope);

impl Loader<CaseId> for NoticesByCase {
    type Value = Vec<SupervisionNotice>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[CaseId]) -> LoadResult<CaseId, Vec<SupervisionNotice>> {
        let (keys, scope) = (keys.to_vec(), self.1.clone());
        if scope.is_empty() {
            return Ok(HashMap::new());
        }
        let rows = self.0.run(move |conn| Ok(notice_model::of_cases(conn, &scope, &keys)?)).await?;
        Ok(grouped_pairs(rows))
    }
}

loader!(
    /// The ids of the cases of each notice (resolvers then load the ones the caller may see).
    CaseIdsByNotice: NoticeId => Vec<CaseId>, |conn, keys| unscoped::cases_of_notices(conn, keys), pairs
);

loader!(
    EventsByNotice: NoticeId => Vec<NoticeEvent>, |conn, keys| unscoped::notice_histories(conn, keys), grouped(|e| e.notice_id)
);

/// A jurisdiction (code and materialised path) and a period to count.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct FigureKey {
    code: String,
    path: String,
    period: Period,
}

impl FigureKey {
    /// The figures of one jurisdiction for one period, for a caller allowed to see them.
    pub fn new(_allowed: &Authorized<act::SeeFigures>, code: String, path: String, period: Period) -> FigureKey {
        FigureKey { code, path, period }
    }
}

/// Portal figures. The jurisdictions asked for at one level of a query (a province, say) are read together,
/// every jurisdiction of their subtrees at once; deeper levels (its cities, their counties) lie inside what was
/// read and cost no statement at all.
pub struct FiguresByJurisdiction {
    db: Db,
    clock: Arc<dyn Clock>,
    calendar: WorkCalendar,
    /// What this request has read so far, per period. Held across a read, so that a deeper level asked for
    /// while the level above is still being read waits for it instead of reading its part again.
    read: tokio::sync::Mutex<Vec<(Period, figures::SubtreeCounts)>>,
}

impl Loader<FigureKey> for FiguresByJurisdiction {
    type Value = Figures;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[FigureKey]) -> LoadResult<FigureKey, Figures> {
        let mut read = self.read.lock().await;
        let covered = |read: &[(Period, figures::SubtreeCounts)], key: &FigureKey| {
            read.iter().any(|(p, c)| *p == key.period && c.covers(&key.path))
        };
        let mut missing: HashMap<Period, Vec<String>> = HashMap::new();
        for key in keys.iter().filter(|k| !covered(&read, k)) {
            missing.entry(key.period).or_default().push(key.path.clone());
        }
        if !missing.is_empty() {
            let (calendar, now) = (self.calendar.clone(), self.clock.now());
            let fresh = self
                .db
                .run(move |conn| {
                    missing
                        .into_iter()
                        .map(|(period, roots)| Ok((period, figures::read(conn, roots, period, &calendar, now)?)))
                        .collect::<crate::error::AppResult<Vec<_>>>()
                })
                .await?;
            read.extend(fresh);
        }
        Ok(keys
            .iter()
            .filter_map(|key| {
                let (_, counts) = read.iter().find(|(p, c)| *p == key.period && c.covers(&key.path))?;
                Some((key.clone(), counts.figures_of(&key.path)))
            })
            .collect())
    }
}

loader!(
    DisplayNameById: AccountId => String, |conn, keys| account::display_names(conn, keys), pairs_one
);

loader!(
    SessionById: ReceptionSessionId => Session, |conn, keys| unscoped::reception_sessions(conn, keys), one(|s| s.id)
);

/// The latest attempts of each webhook, keyed by the webhook and how many are asked for: the webhooks of one list in
/// one statement.
pub struct DeliveriesOfWebhook(Db);

impl Loader<(WebhookId, i64)> for DeliveriesOfWebhook {
    type Value = Vec<Delivery>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[(WebhookId, i64)]) -> LoadResult<(WebhookId, i64), Vec<Delivery>> {
        let ids: Vec<WebhookId> = keys.iter().map(|(id, _)| *id).collect();
        let most = keys.iter().map(|(_, first)| *first).max().unwrap_or_default();
        let rows = self.0.run(move |conn| webhooks::recent_deliveries(conn, &ids, most)).await?;
        let of_webhook = grouped(rows, |d| d.webhook_id);
        Ok(keys
            .iter()
            .map(|&(id, first)| {
                let newest = of_webhook.get(&id).map_or(&[][..], Vec::as_slice);
                ((id, first), newest.iter().take(first as usize).cloned().collect())
            })
            .collect())
    }
}
