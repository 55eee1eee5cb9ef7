//! Webhooks and their deliveries (migration 26). An admin's changes take the admin's proof; the delivery worker's
//! (taking a webhook's lease, recording an attempt, moving its position) the system's.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use super::feed::FeedKey;
use crate::db::schema::{jurisdictions, webhook_deliveries, webhooks};
use crate::domain::case::EventKind;
use crate::domain::ids::{AccountId, WebhookId};
use crate::domain::permission::Decision;
use crate::domain::webhook::WebhookStatus;

#[derive(Queryable, Selectable, Clone, Debug)]
#[diesel(table_name = webhooks, check_for_backend(diesel::pg::Pg))]
pub struct Webhook {
    pub id: WebhookId,
    pub jurisdiction_code: String,
    pub url: String,
    pub kinds: Option<Vec<EventKind>>,
    /// The signing secret, sealed for this row (`domain::sealing`; in clear only as written before sealing, until
    /// the next start-up seals it).
    pub secret: String,
    pub status: WebhookStatus,
    pub after_written_in: i64,
    pub after_source: i16,
    pub after_id: i64,
    pub failures: i32,
    pub failing_since: Option<DateTime<Utc>>,
    pub next_attempt_at: DateTime<Utc>,
    pub created_by: AccountId,
    pub created_at: DateTime<Utc>,
}

impl Webhook {
    /// The feed position delivered last.
    pub fn position(&self) -> FeedKey {
        FeedKey { written_in: self.after_written_in, source: self.after_source, id: self.after_id }
    }
}

#[derive(Insertable)]
#[diesel(table_name = webhooks)]
pub struct NewWebhook<'a> {
    pub id: WebhookId,
    pub jurisdiction_code: &'a str,
    pub url: &'a str,
    pub kinds: Option<Vec<EventKind>>,
    pub secret: &'a str,
    pub after_written_in: i64,
    pub after_source: i16,
    pub after_id: i64,
    pub next_attempt_at: DateTime<Utc>,
    pub created_by: AccountId,
    pub created_at: DateTime<Utc>,
}

#[derive(Queryable, QueryableByName, Selectable, Clone, Debug)]
#[diesel(table_name = webhook_deliveries, check_for_backend(diesel::pg::Pg))]
pub struct Delivery {
    pub id: i64,
    pub webhook_id: WebhookId,
    pub message_id: String,
    pub event_kind: EventKind,
    pub attempted_at: DateTime<Utc>,
    pub status_code: Option<i32>,
    pub error: Option<String>,
    pub succeeded: bool,
}

#[derive(Insertable)]
#[diesel(table_name = webhook_deliveries)]
pub struct NewDelivery<'a> {
    pub webhook_id: WebhookId,
    pub message_id: &'a str,
    pub event_kind: EventKind,
    pub attempted_at: DateTime<Utc>,
    pub status_code: Option<i32>,
    pub error: Option<&'a str>,
    pub succeeded: bool,
}

pub fn insert(conn: &mut PgConnection, _decided: &impl Decision, w: &NewWebhook<'_>) -> QueryResult<Webhook> {
    diesel::insert_into(webhooks::table).values(w).returning(Webhook::as_returning()).get_result(conn)
}

/// The webhooks of jurisdictions in the subtree with path `path` (an admin's), newest first.
pub fn list_within(conn: &mut PgConnection, path: &str) -> QueryResult<Vec<Webhook>> {
    let codes = jurisdictions::table
        .filter(jurisdictions::path.like(format!("{}%", super::jurisdiction::escape_like(path))))
        .select(jurisdictions::code);
    webhooks::table
        .filter(webhooks::jurisdiction_code.eq_any(codes))
        .order((webhooks::created_at.desc(), webhooks::id))
        .select(Webhook::as_select())
        .load(conn)
}

pub(in crate::models) fn all(conn: &mut PgConnection) -> QueryResult<Vec<Webhook>> {
    webhooks::table.order(webhooks::id).select(Webhook::as_select()).load(conn)
}

/// One webhook, locked for the rest of the transaction (an admin's change).
pub fn lock(conn: &mut PgConnection, id: WebhookId) -> QueryResult<Option<Webhook>> {
    webhooks::table.find(id).select(Webhook::as_select()).for_update().first(conn).optional()
}

/// Switches a webhook off or on; on again, it is tried at once from `position`.
pub fn update_status(
    conn: &mut PgConnection,
    _decided: &impl Decision,
    id: WebhookId,
    status: WebhookStatus,
    position: Option<FeedKey>,
    now: DateTime<Utc>,
) -> QueryResult<Webhook> {
    let current = webhooks::table.find(id).select(Webhook::as_select()).first(conn)?;
    let at = position.unwrap_or_else(|| current.position());
    diesel::update(webhooks::table.find(id))
        .set((
            webhooks::status.eq(status),
            webhooks::after_written_in.eq(at.written_in),
            webhooks::after_source.eq(at.source),
            webhooks::after_id.eq(at.id),
            webhooks::failures.eq(0),
            webhooks::failing_since.eq(None::<DateTime<Utc>>),
            webhooks::next_attempt_at.eq(now),
        ))
        .returning(Webhook::as_returning())
        .get_result(conn)
}

pub fn update_secret(
    conn: &mut PgConnection,
    _decided: &impl Decision,
    id: WebhookId,
    secret: &str,
) -> QueryResult<Webhook> {
    diesel::update(webhooks::table.find(id))
        .set(webhooks::secret.eq(secret))
        .returning(Webhook::as_returning())
        .get_result(conn)
}

/// The most recent attempts of each webhook, newest first, at most `per_webhook` each.
pub fn deliveries_of(conn: &mut PgConnection, ids: &[WebhookId], per_webhook: i64) -> QueryResult<Vec<Delivery>> {
    use diesel::sql_types::{Array, BigInt, Uuid as SqlUuid};
    // Each webhook once, however often it is asked for.
    let ids: Vec<Uuid> =
        ids.iter().map(|id| id.uuid()).collect::<std::collections::BTreeSet<_>>().into_iter().collect();
    // Each webhook's newest rows by its index (webhook_id, id DESC), all webhooks in one statement.
    diesel::sql_query(
        "SELECT d.* FROM unnest($1::uuid[]) AS w(id) \
         CROSS JOIN LATERAL (SELECT * FROM webhook_deliveries WHERE webhook_id = w.id ORDER BY id DESC LIMIT $2) d \
         ORDER BY d.webhook_id, d.id DESC",
    )
    .bind::<Array<SqlUuid>, _>(ids)
    .bind::<BigInt, _>(per_webhook)
    .load(conn)
}

/// Takes the lease of one active webhook that is due and not delivered by another server, until `until`.
pub fn take_due(
    conn: &mut PgConnection,
    _decided: &impl Decision,
    server: Uuid,
    now: DateTime<Utc>,
    until: DateTime<Utc>,
) -> QueryResult<Option<Webhook>> {
    let due = webhooks::table
        .filter(webhooks::status.eq(WebhookStatus::Active))
        .filter(webhooks::next_attempt_at.le(now))
        .filter(webhooks::lease_until.is_null().or(webhooks::lease_until.lt(now)))
        .order(webhooks::next_attempt_at)
        .select(webhooks::id)
        .for_update()
        .skip_locked()
        .first::<Uuid>(conn)
        .optional()?;
    let Some(id) = due else { return Ok(None) };
    diesel::update(webhooks::table.find(id))
        .set((webhooks::leased_by.eq(server), webhooks::lease_until.eq(until)))
        .returning(Webhook::as_returning())
        .get_result(conn)
        .optional()
}

/// After a delivery: the position moves on and the failures are forgotten, if `server` still holds the lease
/// (else another server took over and delivers from the position it read).
pub fn settle_delivered(
    conn: &mut PgConnection,
    _decided: &impl Decision,
    id: WebhookId,
    server: Uuid,
    position: FeedKey,
) -> QueryResult<bool> {
    let moved = diesel::update(webhooks::table.find(id).filter(webhooks::leased_by.eq(server)))
        .set((
            webhooks::after_written_in.eq(position.written_in),
            webhooks::after_source.eq(position.source),
            webhooks::after_id.eq(position.id),
            webhooks::failures.eq(0),
            webhooks::failing_since.eq(None::<DateTime<Utc>>),
        ))
        .execute(conn)?;
    Ok(moved == 1)
}

/// After a failure: when to try again, and whether to give up (dead-letter).
pub fn settle_failed(
    conn: &mut PgConnection,
    _decided: &impl Decision,
    id: WebhookId,
    server: Uuid,
    next_attempt_at: DateTime<Utc>,
    failing_since: DateTime<Utc>,
    give_up: bool,
) -> QueryResult<()> {
    let status = if give_up { WebhookStatus::Dead } else { WebhookStatus::Active };
    diesel::update(webhooks::table.find(id).filter(webhooks::leased_by.eq(server)))
        .set((
            webhooks::failures.eq(webhooks::failures + 1),
            webhooks::failing_since.eq(failing_since),
            webhooks::next_attempt_at.eq(next_attempt_at),
            webhooks::status.eq(status),
            webhooks::leased_by.eq(None::<Uuid>),
            webhooks::lease_until.eq(None::<DateTime<Utc>>),
        ))
        .execute(conn)?;
    Ok(())
}

/// Gives the lease back (nothing more to deliver now).
pub fn free_lease(
    conn: &mut PgConnection,
    _decided: &impl Decision,
    id: WebhookId,
    server: Uuid,
    next: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::update(webhooks::table.find(id).filter(webhooks::leased_by.eq(server)))
        .set((
            webhooks::leased_by.eq(None::<Uuid>),
            webhooks::lease_until.eq(None::<DateTime<Utc>>),
            webhooks::next_attempt_at.eq(next),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn insert_delivery(conn: &mut PgConnection, _decided: &impl Decision, d: &NewDelivery<'_>) -> QueryResult<()> {
    diesel::insert_into(webhook_deliveries::table).values(d).execute(conn)?;
    Ok(())
}
