//! Live updates over WebSocket (`graphql-transport-ws`, authenticated in `connection_init`; see `http::live`).
//!
//! Every delivery is checked with the same scope rules as queries, against the database at the time of the event:
//! a subscriber never receives an event about a case or notice it could not read then, petitioners never receive
//! staff-only entries, and every subscription ends when the access token it was opened with expires, or at its
//! next event after the account's password or roles changed (which revokes the token). One
//! connection holds at most [`MAX_SUBSCRIPTIONS_PER_CONNECTION`] subscriptions at once.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use async_graphql::{Context, Object, Result, Subscription, ID};
use chrono::Utc;
use futures_util::{Stream, StreamExt};
use tokio::sync::broadcast;

use super::case::{CaseEventNode, CaseNode};
use super::context::{caller, state, AppState};
use super::supervision::{NoticeEventNode, SupervisionNoticeNode};
use crate::domain::organisation::is_within;
use crate::domain::permission::{may_follow_cases, may_follow_cases_in, may_follow_notices_of};
use crate::domain::scope::{case_scope, notice_scope, Caller};
use crate::error::{AppError, AppResult, ErrorCode, Message};
use crate::live::{CaseSignal, NoticeSignal, Signal};
use crate::models::supervision_notice as notice_model;
use crate::models::{account, case as case_model, jurisdiction, unit};
use crate::services::sessions::TokenSession;

/// What one signal means for one subscriber.
enum Delivery<T> {
    /// Something the subscriber may see.
    Deliver(T),
    /// Nothing for this subscriber.
    Skip,
    /// The subscriber's token was revoked (password or role change, signing out): the subscription ends.
    Revoked,
}

/// Whether the token the connection was opened with still stands: the account's token version has not moved and
/// its session was not ended.
fn still_valid(conn: &mut diesel::PgConnection, caller: &Caller, session: Option<TokenSession>) -> AppResult<bool> {
    let Some(session) = session else { return Ok(true) };
    Ok(account::token_stands(conn, caller.account_id, session.version, session.session)?)
}

/// What an account change or an ended session means for a subscriber: `Revoked` when it was theirs and their token
/// no longer stands, `Skip` for anyone else's; `None` for the signals a subscription handles itself.
async fn access_change<T>(
    state: &AppState,
    caller: &Caller,
    session: Option<TokenSession>,
    signal: &Signal,
) -> Option<Delivery<T>> {
    match signal {
        Signal::SessionEnded(ended) if session.and_then(|s| s.session) == Some(*ended) => Some(Delivery::Revoked),
        Signal::AccountChanged(who) if who.is_none_or(|w| w == caller.account_id) => {
            let who = caller.clone();
            let stands = state.db.run(move |conn| still_valid(conn, &who, session)).await;
            // A database that cannot answer now is not a verdict on the token: the next signal asks again.
            Some(if matches!(stands, Ok(false)) { Delivery::Revoked } else { Delivery::Skip })
        }
        Signal::SessionEnded(_) | Signal::AccountChanged(_) => Some(Delivery::Skip),
        Signal::Case(_) | Signal::Notice(_) => None,
    }
}

/// This process's signals as one subscriber's deliveries: account changes and ended sessions are checked for every
/// subscription alike ([`access_change`]); every other signal goes to `deliver`.
fn followed<T, F, Fut>(
    state: &AppState,
    caller: Caller,
    session: Option<TokenSession>,
    deliver: F,
) -> impl Stream<Item = Delivery<T>> + Send + 'static
where
    T: Send + 'static,
    F: Fn(AppState, Caller, Signal) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = Delivery<T>> + Send + 'static,
{
    let (st, deliver) = (state.clone(), std::sync::Arc::new(deliver));
    signals(state).then(move |signal| {
        let (st, caller, deliver) = (st.clone(), caller.clone(), deliver.clone());
        async move {
            match access_change(&st, &caller, session, &signal).await {
                Some(delivery) => delivery,
                None => deliver(st, caller, signal).await,
            }
        }
    })
}

/// Ends the stream of deliveries at a revocation, and keeps what is for the subscriber.
fn deliveries<T: Send + 'static>(
    stream: impl Stream<Item = Delivery<T>> + Send + 'static,
) -> impl Stream<Item = T> + Send + 'static {
    stream.take_while(|d| std::future::ready(!matches!(d, Delivery::Revoked))).filter_map(|d| {
        std::future::ready(match d {
            Delivery::Deliver(item) => Some(item),
            _ => None,
        })
    })
}

/// A change of a case: the new entry in its history and the case as it is now.
pub struct CaseUpdate {
    case: CaseNode,
    event: CaseEventNode,
}

/// A change of a case: the new entry in its history and the case as it is now.
#[Object]
impl CaseUpdate {
    /// The case after the change.
    async fn case(&self) -> &CaseNode {
        &self.case
    }

    /// The new history entry.
    async fn event(&self) -> &CaseEventNode {
        &self.event
    }
}

/// A change of a supervision notice: the new entry in its history and the notice as it is now.
pub struct SupervisionNoticeUpdate {
    notice: SupervisionNoticeNode,
    event: NoticeEventNode,
}

/// A change of a supervision notice: the new entry in its history and the notice as it is now.
#[Object]
impl SupervisionNoticeUpdate {
    /// The notice after the change.
    async fn notice(&self) -> &SupervisionNoticeNode {
        &self.notice
    }

    /// The new history entry.
    async fn event(&self) -> &NoticeEventNode {
        &self.event
    }
}

/// The signals of this server's feed, skipping ahead when a slow subscriber fell behind.
fn signals(state: &AppState) -> impl Stream<Item = Signal> + Send + 'static {
    futures_util::stream::unfold(state.live.subscribe(), |mut rx| async move {
        loop {
            match rx.recv().await {
                Ok(signal) => return Some((signal, rx)),
                Err(broadcast::error::RecvError::Lagged(n)) => {
                    tracing::warn!(skipped = n, "a live subscriber fell behind");
                }
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    })
}

/// How many subscriptions one WebSocket connection may hold open at once: each costs a query per event it is
/// offered, so one client must not be able to multiply that without bound.
pub const MAX_SUBSCRIPTIONS_PER_CONNECTION: usize = 10;

/// The open subscriptions of one connection (put in the connection's data): one more than it may hold is refused
/// with `RATE_LIMITED` (an `error` message), and the others go on.
#[derive(Clone, Default)]
pub struct SubscriptionBudget {
    open: Arc<AtomicUsize>,
}

/// One open subscription's share of the budget, given back when the subscription's stream is dropped.
struct Permit(Arc<AtomicUsize>);

impl Drop for Permit {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl SubscriptionBudget {
    fn take(&self) -> AppResult<Permit> {
        let open = self.open.fetch_add(1, Ordering::SeqCst);
        let permit = Permit(self.open.clone());
        if open >= MAX_SUBSCRIPTIONS_PER_CONNECTION {
            drop(permit);
            let message = Message::TooManySubscriptions(MAX_SUBSCRIPTIONS_PER_CONNECTION.to_string());
            return Err(AppError::new(ErrorCode::RateLimited, message));
        }
        Ok(permit)
    }
}

/// Opens `stream` as a subscription of this connection: within its budget, and ending when the session's token
/// expires.
fn open<S: Stream + Send + 'static>(ctx: &Context<'_>, stream: S) -> Result<impl Stream<Item = S::Item> + Send> {
    let permit = ctx.data_opt::<SubscriptionBudget>().map(SubscriptionBudget::take).transpose()?;
    let counted = state(ctx).metrics.subscription();
    let expires = ctx.data_opt::<TokenSession>().map(|s| s.expires);
    let wait = expires.map(|at| (at - Utc::now()).to_std().unwrap_or(Duration::ZERO));
    let stream = stream.take_until(async move {
        match wait {
            Some(wait) => tokio::time::sleep(wait).await,
            None => std::future::pending().await,
        }
    });
    // The permit, and the count of open subscriptions, live as long as the stream.
    Ok(stream.map(move |item| {
        let _held = (&permit, &counted);
        item
    }))
}

/// The update a case signal means for `caller`, if they may see it.
async fn case_update(
    state: AppState,
    caller: Caller,
    session: Option<TokenSession>,
    signal: CaseSignal,
) -> Delivery<CaseUpdate> {
    let scope = case_scope(&caller);
    let who = caller.clone();
    let found = state
        .db
        .run(move |conn| {
            if !still_valid(conn, &who, session)? {
                return Ok(Err(()));
            }
            let Some(case) = case_model::find_visible(conn, &scope, signal.case_id)? else { return Ok(Ok(None)) };
            Ok(Ok(crate::models::unscoped::history_entry(conn, signal.id)?.map(|e| (case, e))))
        })
        .await;
    let (case, event) = match found {
        Ok(Ok(Some(found))) => found,
        Ok(Ok(None)) => return Delivery::Skip,
        Ok(Err(())) => return Delivery::Revoked,
        Err(e) => {
            tracing::error!(error = ?e, "live update: cannot load the case");
            return Delivery::Skip;
        }
    };
    let case = CaseNode(case);
    let view = case.view(&caller);
    if !view.shows_event(event.staff_only) {
        return Delivery::Skip;
    }
    Delivery::Deliver(CaseUpdate { case, event: CaseEventNode { event, public: view.public_only } })
}

#[derive(Default)]
pub struct CaseSubscription;

#[Subscription]
impl CaseSubscription {
    /// Every change of one case: for its petitioner (public entries only) and for staff who may see it.
    /// `NOT_FOUND` when the caller may not see the case.
    async fn case_updated(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The case's id.")] case_id: ID,
    ) -> Result<impl Stream<Item = CaseUpdate>> {
        let caller = caller(ctx)?.clone();
        let st = state(ctx).clone();
        let id = super::context::object_id(&case_id, "case")?;
        let scope = case_scope(&caller);
        let visible = st.db.run(move |conn| Ok(case_model::find_visible(conn, &scope, id)?)).await?;
        if visible.is_none() {
            return Err(AppError::not_found("case").into());
        }
        let session = ctx.data_opt::<TokenSession>().copied();
        let stream = followed(&st, caller, session, move |st, caller, signal| async move {
            match signal {
                Signal::Case(s) if s.case_id == id => case_update(st, caller, session, s).await,
                _ => Delivery::Skip,
            }
        });
        open(ctx, deliveries(stream))
    }

    /// Every change of the cases of a jurisdiction's subtree that the caller may see: for staff dashboards. The
    /// jurisdiction must lie within the caller's own.
    async fn case_events(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The jurisdiction's code.")] jurisdiction_code: String,
    ) -> Result<impl Stream<Item = CaseUpdate>> {
        let caller = caller(ctx)?.clone();
        may_follow_cases(&caller)?;
        let st = state(ctx).clone();
        let path = st
            .db
            .run(move |conn| jurisdiction::subtree_path(conn, jurisdiction_code.trim(), "jurisdictionCode"))
            .await?;
        may_follow_cases_in(&caller, &path)?;
        let session = ctx.data_opt::<TokenSession>().copied();
        let stream = followed(&st, caller, session, move |st, caller, signal| {
            let path = path.clone();
            async move {
                match signal {
                    Signal::Case(s) if is_within(&s.path, &path) => case_update(st, caller, session, s).await,
                    _ => Delivery::Skip,
                }
            }
        });
        open(ctx, deliveries(stream))
    }
}

/// The update a notice signal means for `caller` watching `unit`, if they may see it.
async fn notice_update(
    state: AppState,
    caller: Caller,
    session: Option<TokenSession>,
    unit: crate::domain::ids::UnitId,
    signal: NoticeSignal,
) -> Delivery<SupervisionNoticeUpdate> {
    let scope = notice_scope(&caller);
    let found = state
        .db
        .run(move |conn| {
            if !still_valid(conn, &caller, session)? {
                return Ok(Err(()));
            }
            let Some(notice) = notice_model::find_visible(conn, &scope, signal.notice_id)? else {
                return Ok(Ok(None));
            };
            if notice.target_unit_id != unit && notice.issuer_unit_id != unit {
                return Ok(Ok(None));
            }
            Ok(Ok(crate::models::unscoped::notice_history_entry(conn, signal.id)?.map(|e| (notice, e))))
        })
        .await;
    match found {
        Ok(Ok(Some((notice, event)))) => Delivery::Deliver(SupervisionNoticeUpdate {
            notice: SupervisionNoticeNode(notice),
            event: NoticeEventNode(event),
        }),
        Ok(Ok(None)) => Delivery::Skip,
        Ok(Err(())) => Delivery::Revoked,
        Err(e) => {
            tracing::error!(error = ?e, "live update: cannot load the notice");
            Delivery::Skip
        }
    }
}

#[derive(Default)]
pub struct NoticeSubscription;

#[Subscription]
impl NoticeSubscription {
    /// Every change of the supervision notices a unit issued or received: for its own staff, and for bureau and
    /// committee staff whose jurisdiction covers the unit.
    async fn supervision_notice_events(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The unit; the caller's own by default.")] unit_id: Option<ID>,
    ) -> Result<impl Stream<Item = SupervisionNoticeUpdate>> {
        let caller = caller(ctx)?.clone();
        let st = state(ctx).clone();
        let own = caller.unit.map(|(id, _)| id);
        let unit_id = match &unit_id {
            Some(id) => id.parse().map_err(|_| AppError::not_found("unit").with_field("unitId"))?,
            None => own.ok_or_else(|| AppError::forbidden(Message::NoticesForStaff))?,
        };
        if own != Some(unit_id) {
            let unit_path = st
                .db
                .run(move |conn| {
                    let u = unit::find_many(conn, &[unit_id])?.pop();
                    Ok(match u {
                        Some(u) => jurisdiction::find(conn, &u.jurisdiction_code)?.map(|j| j.path),
                        None => None,
                    })
                })
                .await?
                .ok_or_else(|| AppError::not_found("unit").with_field("unitId"))?;
            may_follow_notices_of(&caller, unit_id, &unit_path)?;
        }
        let session = ctx.data_opt::<TokenSession>().copied();
        let stream = followed(&st, caller, session, move |st, caller, signal| async move {
            match signal {
                Signal::Notice(s) => notice_update(st, caller, session, unit_id, s).await,
                _ => Delivery::Skip,
            }
        });
        open(ctx, deliveries(stream))
    }
}
