//! Delivering webhooks: each server looks for a due webhook every tick, takes its lease (one server at a time per
//! webhook, `SKIP LOCKED`), reads the feed after the webhook's position as a member of its jurisdiction's bureau
//! would (public entries only), and posts each event, signed as Standard Webhooks says, in feed order. A 2xx answer
//! moves the position on; anything else is retried later with exponential back-off and jitter, and after a day of
//! failures the webhook is given up (`DEAD`) until an admin asks for a redelivery. A server that stops mid-batch
//! leaves the position at the last event answered: the next server to take the lease sends the rest, so an event
//! may arrive twice (its `webhook-id` is the same), never out of order, never not at all.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::json;
use uuid::Uuid;

use super::literal_address;
use crate::domain::details::notice_of;
use crate::domain::ids::CaseId;
use crate::domain::permission::SystemWrite;
use crate::domain::scope::CaseScope;
use crate::domain::webhook::{may_post_to, next_try_after, Network, WebhookSecret, GIVE_UP_AFTER};
use crate::error::{AppError, AppResult};
use crate::models::case_event::CaseEvent;
use crate::models::feed::{self, FeedFilter, FeedKey};
use crate::models::webhook::{self as model, NewDelivery, Webhook};
use crate::models::{jurisdiction, unscoped};
use crate::state::AppState;

/// Events posted per lease.
const BATCH: i64 = 50;
/// How long a lease lasts. A batch stops posting when the next POST could outlast it, so that no other server takes
/// over while one still posts; a server that dies holding a lease delays its webhook by at most this long.
const LEASE: chrono::Duration = chrono::Duration::seconds(30);
/// Why an event was not sent when the servers cannot open the webhook's signing secret.
const NOT_SIGNED: &str = "not sent: the servers cannot open this webhook's signing secret (sealed under a key they \
                          are not given); rotate the secret and redeliver, or ask the operator to name the old key";
/// How long one POST may take.
const TIMEOUT: Duration = Duration::from_secs(10);

/// Delivers due webhooks every `every`, until the server stops.
pub async fn deliver_every(state: AppState, every: Duration) {
    let server = Uuid::new_v4();
    let resolver = Arc::new(PermittedResolver { allowed: state.settings.webhook_networks.clone() });
    let client = reqwest::Client::builder()
        .timeout(TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .dns_resolver(resolver)
        .build();
    let client = match client {
        Ok(client) => client,
        Err(e) => return tracing::error!(error = %e, "webhooks: no HTTP client; nothing will be delivered"),
    };
    let mut ticks = tokio::time::interval(every);
    loop {
        ticks.tick().await;
        // One webhook after another while some are due.
        loop {
            match deliver_one(&state, &client, server).await {
                Ok(true) => continue,
                Ok(false) => break,
                Err(e) => {
                    tracing::warn!(error = ?e, "webhooks: delivery failed; trying again at the next tick");
                    break;
                }
            }
        }
    }
}

/// Takes one due webhook and delivers what waits for it; whether one was due.
async fn deliver_one(state: &AppState, client: &reqwest::Client, server: Uuid) -> AppResult<bool> {
    let now = state.clock.now();
    // In one transaction: the row stays locked (and skipped by the other servers) until the lease is written.
    let take = move |conn: &mut diesel::PgConnection| {
        Ok(model::take_due(conn, &SystemWrite::new(), server, now, now + LEASE)?)
    };
    let Some(hook) = state.db.transaction(take).await? else {
        return Ok(false);
    };
    let events = pending(state, &hook).await?;
    // Opened when there is something to sign; one that does not open is in the log at each try, and in the
    // webhook's deliveries as a failed attempt, so that its admin sees why nothing arrives.
    let secret = (!events.is_empty()).then(|| super::secret_of(&state.settings.webhook_secret_keys, &hook));
    let lease_ends = now + LEASE;
    for (key, event, reference) in &events {
        if state.clock.now() + chrono::Duration::from_std(TIMEOUT).unwrap_or(LEASE) >= lease_ends {
            break;
        }
        let message_id = key.position();
        let body = payload(&message_id, event, reference.as_deref());
        let attempted_at = state.clock.now();
        // The signature's timestamp is the moment of sending by the wall clock, which receivers compare with theirs.
        let outcome = match &secret {
            Some(Ok((secret, _))) => {
                post(client, &state.settings.webhook_networks, &hook.url, secret, &message_id, Utc::now(), &body).await
            }
            _ => Err(NOT_SIGNED.to_owned()),
        };
        let (status_code, error) = match &outcome {
            Ok(status) => (Some(*status as i32), (!(200..300).contains(status)).then(|| format!("answered {status}"))),
            Err(e) => (None, Some(e.clone())),
        };
        let succeeded = error.is_none();
        let (id, kind, key) = (hook.id, event.entry.kind, *key);
        let failing_since = hook.failing_since.unwrap_or(attempted_at);
        let failures = hook.failures as u32 + 1;
        // The attempt and what it settles, in one transaction: the log never shows a success the position missed.
        let still_ours = state
            .db
            .transaction(move |conn| {
                let system = SystemWrite::new();
                let delivery = NewDelivery {
                    webhook_id: id,
                    message_id: &message_id,
                    event_kind: kind,
                    attempted_at,
                    status_code,
                    error: error.as_deref(),
                    succeeded,
                };
                model::insert_delivery(conn, &system, &delivery)?;
                if succeeded {
                    return Ok(model::settle_delivered(conn, &system, id, server, key)?);
                } else {
                    let wait = next_try_after(failures, rand::random::<f64>());
                    let next = attempted_at + chrono::Duration::from_std(wait).unwrap_or(LEASE);
                    let give_up =
                        attempted_at - failing_since >= chrono::Duration::from_std(GIVE_UP_AFTER).unwrap_or(LEASE);
                    model::settle_failed(conn, &system, id, server, next, failing_since, give_up)?;
                }
                Ok::<_, AppError>(false)
            })
            .await?;
        // A failure ends the batch (the event is tried again later); so does a lease another server took over.
        if !still_ours {
            return Ok(true);
        }
    }
    let id = hook.id;
    state.db.run(move |conn| Ok(model::free_lease(conn, &SystemWrite::new(), id, server, now)?)).await?;
    // More may wait than one batch held.
    Ok(events.len() as i64 == BATCH)
}

/// The events waiting for `hook`, with their cases' references.
async fn pending(state: &AppState, hook: &Webhook) -> AppResult<Vec<(FeedKey, CaseEvent, Option<String>)>> {
    let kinds = hook.kinds.as_ref().map(|kinds| kinds.iter().map(|k| k.as_str().to_owned()).collect());
    let (code, after) = (hook.jurisdiction_code.clone(), hook.position());
    state
        .db
        .run(move |conn| {
            let path = jurisdiction::subtree_path(conn, &code, "jurisdictionCode")?;
            let scope = CaseScope { subtree: Some(path), ..Default::default() };
            let filter = FeedFilter { kinds, public_only: true, ..Default::default() };
            let events = feed::case_entries(conn, &scope, &filter, Some(after), BATCH)?;
            let ids: Vec<CaseId> = events.iter().map(|(_, e)| e.case_id).collect();
            let references: HashMap<CaseId, String> = unscoped::references(conn, &ids)?.into_iter().collect();
            Ok(events
                .into_iter()
                .map(|(k, e)| {
                    let reference = references.get(&e.case_id).cloned();
                    (k, e, reference)
                })
                .collect())
        })
        .await
}

/// What an event's POST carries: ids, kinds, times and the public wording, nothing about the petitioner.
fn payload(message_id: &str, event: &CaseEvent, reference: Option<&str>) -> Vec<u8> {
    json!({
        "type": format!("case.{}", event.entry.kind.as_str()),
        "timestamp": event.recorded_at.to_rfc3339(),
        "data": {
            "position": message_id,
            "caseId": event.case_id,
            "reference": reference,
            "kind": event.entry.kind.as_str(),
            "toStatus": event.entry.to_status.map(|s| s.as_str()),
            "occurredAt": event.entry.occurred_at.to_rfc3339(),
            "notice": notice_of(&event.entry.payload),
        }
    })
    .to_string()
    .into_bytes()
}

/// Resolves a webhook's host name and keeps only the addresses webhooks may be posted to, at every delivery: a name
/// that resolves to a private address, the machine itself or the cloud's metadata service is refused however it
/// resolved when the webhook was made.
struct PermittedResolver {
    allowed: Vec<Network>,
}

impl reqwest::dns::Resolve for PermittedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let allowed = self.allowed.clone();
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let found: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let permitted: Vec<SocketAddr> = found.into_iter().filter(|a| may_post_to(a.ip(), &allowed)).collect();
            if permitted.is_empty() {
                return Err(format!("{host} resolves to no address webhooks may be posted to").into());
            }
            Ok(Box::new(permitted.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// Posts one event; the status of the answer, or why there was none.
async fn post(
    client: &reqwest::Client,
    allowed: &[Network],
    url: &str,
    secret: &WebhookSecret,
    message_id: &str,
    at: DateTime<Utc>,
    body: &[u8],
) -> Result<u16, String> {
    // A name goes through the resolver above; an address written out is checked here.
    if let Some(ip) = literal_address(url).filter(|ip| !may_post_to(*ip, allowed)) {
        return Err(format!("{ip} is no address webhooks may be posted to (WEBHOOK_ALLOWED_NETWORKS)"));
    }
    let timestamp = at.timestamp();
    let answer = client
        .post(url)
        .header("content-type", "application/json")
        .header("webhook-id", message_id)
        .header("webhook-timestamp", timestamp.to_string())
        .header("webhook-signature", secret.sign(message_id, timestamp, body))
        .body(body.to_vec())
        .send()
        .await
        .map_err(|e| format!("no answer: {}", with_causes(&e)))?;
    Ok(answer.status().as_u16())
}

/// An error with the errors that caused it, as an admin reading a delivery needs it (reqwest's own says only that
/// sending failed).
fn with_causes(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(e) = cause {
        let said = e.to_string();
        if !text.contains(&said) {
            text.push_str(": ");
            text.push_str(&said);
        }
        cause = e.source();
    }
    text
}
