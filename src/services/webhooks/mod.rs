//! Webhooks (DOMAIN.md §9): admins of a jurisdiction subscribe an integrator's endpoint to the event feed of their
//! subtree; the servers deliver it, signed, at least once and in feed order (`delivery`). One shape with the other
//! services: `fn(conn, &WorkContext, …)`, the GraphQL layer owns the transaction.

pub mod delivery;

use crate::domain::ids::WebhookId;
use diesel::PgConnection;

use crate::domain::case::EventKind;
use crate::domain::permission::{act, authorize_administration, may_administer, Authorized};
use crate::domain::scope::Caller;
use crate::domain::webhook::{may_post_to, Network, WebhookSecret, WebhookStatus};
use crate::error::{AppError, AppResult, Message};
use crate::models::feed::{self, FeedKey};
use crate::models::jurisdiction;
use crate::models::webhook::{self as model, Delivery, NewWebhook, Webhook};
use crate::services::WorkContext;

/// The longest URL a webhook may have.
const MAX_URL: usize = 2_000;

/// A webhook as an admin asks for it.
pub struct WebhookRequest {
    pub url: String,
    pub kinds: Option<Vec<EventKind>>,
    pub jurisdiction_code: String,
}

/// A URL an endpoint can be reached at: `http` or `https` with a host, and nothing a header could not carry; an
/// address written out must be one webhooks may be posted to (a name is checked at each delivery, as it resolves).
fn parse_url(url: &str, allowed: &[Network]) -> AppResult<String> {
    let url = url.trim();
    let bad = |why: Message| AppError::bad_input("input.url", why);
    if url.len() > MAX_URL {
        return Err(bad(Message::AtMost2000Characters));
    }
    let rest =
        url.strip_prefix("https://").or_else(|| url.strip_prefix("http://")).ok_or_else(|| bad(Message::NotHttp))?;
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if host.is_empty() || host.contains('@') || url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad(Message::BadAddress));
    }
    if literal_address(url).is_some_and(|ip| !may_post_to(ip, allowed)) {
        return Err(bad(Message::AddressNotReachable));
    }
    Ok(url.to_owned())
}

/// The IP address a URL names its host by, if it names it so (`http://10.0.0.5:8080/`, `https://[fd00::1]/`).
pub fn literal_address(url: &str) -> Option<std::net::IpAddr> {
    let rest = url.split_once("://")?.1;
    let host = rest.split(['/', '?', '#']).next()?;
    let host = host.rsplit_once('@').map_or(host, |(_, h)| h);
    match host.strip_prefix('[') {
        Some(v6) => v6.split(']').next()?.parse().ok(),
        None => host.split(':').next()?.parse().ok(),
    }
}

/// A webhook the caller administers, locked for the rest of the transaction, with the proof to change it. Others
/// are `NOT_FOUND`; callers who administer nothing are `FORBIDDEN`.
fn administered(
    conn: &mut PgConnection,
    caller: &Caller,
    id: WebhookId,
) -> AppResult<(Authorized<act::Administer>, Webhook)> {
    may_administer(caller)?;
    let hook = model::lock(conn, id)?.ok_or_else(|| AppError::not_found("webhook"))?;
    let path = jurisdiction::subtree_path(conn, &hook.jurisdiction_code, "input.webhookId")?;
    Ok((authorize_administration(caller, &path, "webhook")?, hook))
}

/// Makes a webhook; delivery starts with the events that become final from now on. The secret is returned once.
pub fn create(
    conn: &mut PgConnection,
    work: &WorkContext,
    req: &WebhookRequest,
    allowed: &[Network],
) -> AppResult<(Webhook, String)> {
    let (caller, now) = (&work.caller, work.env.now);
    may_administer(caller)?;
    let path = jurisdiction::subtree_path(conn, &req.jurisdiction_code, "input.jurisdictionCode")?;
    let proof = authorize_administration(caller, &path, "jurisdiction")?;
    let url = parse_url(&req.url, allowed)?;
    if req.kinds.as_ref().is_some_and(Vec::is_empty) {
        return Err(AppError::bad_input("input.kinds", Message::NoKinds));
    }
    let secret = WebhookSecret::generate(&mut rand::thread_rng()).to_text();
    let start = FeedKey::before(feed::horizon(conn)?);
    let hook = model::insert(
        conn,
        &proof,
        &NewWebhook {
            id: WebhookId::new_v4(),
            jurisdiction_code: &req.jurisdiction_code,
            url: &url,
            kinds: req.kinds.clone(),
            secret: &secret,
            after_written_in: start.written_in,
            after_source: start.source,
            after_id: start.id,
            next_attempt_at: now,
            created_by: caller.account_id,
            created_at: now,
        },
    )?;
    Ok((hook, secret))
}

/// Stops delivering to a webhook.
pub fn disable(conn: &mut PgConnection, work: &WorkContext, id: WebhookId) -> AppResult<Webhook> {
    let (proof, _) = administered(conn, &work.caller, id)?;
    Ok(model::update_status(conn, &proof, id, WebhookStatus::Disabled, None, work.env.now)?)
}

/// Delivers again, at once: from `after` (a feed position) when given, else from where delivery stood; a disabled
/// or dead webhook is active again.
pub fn redeliver(
    conn: &mut PgConnection,
    work: &WorkContext,
    id: WebhookId,
    after: Option<FeedKey>,
) -> AppResult<Webhook> {
    let (proof, _) = administered(conn, &work.caller, id)?;
    Ok(model::update_status(conn, &proof, id, WebhookStatus::Active, after, work.env.now)?)
}

/// A new secret, returned once; deliveries are signed with it from now on.
pub fn rotate_secret(conn: &mut PgConnection, work: &WorkContext, id: WebhookId) -> AppResult<(Webhook, String)> {
    let (proof, _) = administered(conn, &work.caller, id)?;
    let secret = WebhookSecret::generate(&mut rand::thread_rng()).to_text();
    Ok((model::update_secret(conn, &proof, id, &secret)?, secret))
}

/// The webhooks of the jurisdictions the caller administers, newest first.
pub fn list(conn: &mut PgConnection, work: &WorkContext) -> AppResult<Vec<Webhook>> {
    may_administer(&work.caller)?;
    let Some(path) = work.caller.jurisdiction_path() else { return Ok(Vec::new()) };
    Ok(model::list_within(conn, path)?)
}

/// The latest attempts of each webhook (the caller read the webhooks through [`list`]).
pub fn recent_deliveries(conn: &mut PgConnection, ids: &[WebhookId], per_webhook: i64) -> AppResult<Vec<Delivery>> {
    Ok(model::deliveries_of(conn, ids, per_webhook)?)
}
