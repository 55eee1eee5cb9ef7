//! Webhooks (DOMAIN.md §9): admins of a jurisdiction subscribe an integrator's endpoint to the event feed of their
//! subtree; the servers deliver it, signed, at least once and in feed order (`delivery`). One shape with the other
//! services: `fn(conn, &WorkContext, …)`, the GraphQL layer owns the transaction.

pub mod delivery;

use crate::domain::ids::WebhookId;
use diesel::PgConnection;

use crate::domain::case::EventKind;
use crate::domain::permission::{act, authorize_administration, may_administer, Authorized, SystemWrite};
use crate::domain::scope::Caller;
use crate::domain::sealing::{SealingKeys, Unopened};
use crate::domain::webhook::{may_post_to, Network, WebhookSecret, WebhookStatus};
use crate::error::{AppError, AppResult, Message};
use crate::models::feed::{self, FeedKey};
use crate::models::webhook::{self as model, Delivery, NewWebhook, Webhook};
use crate::models::{jurisdiction, unscoped};
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

/// A new signing secret for the webhook `id`: the secret to show once, and what is stored of it (sealed for that
/// webhook's row).
fn new_secret(keys: &SealingKeys, id: WebhookId) -> (String, String) {
    let mut rng = rand::thread_rng();
    let secret = WebhookSecret::generate(&mut rng).to_text();
    let sealed = keys.seal(&secret, id.uuid().as_bytes(), &mut rng);
    (secret, sealed)
}

/// The signing secret of `hook`, opened; whether it should be sealed again (stored in clear, or under an earlier
/// key).
fn secret_of(keys: &SealingKeys, hook: &Webhook) -> AppResult<(WebhookSecret, bool)> {
    let opened = keys.open(&hook.secret, hook.id.uuid().as_bytes()).map_err(|why| {
        AppError::internal(match why {
            Unopened::UnknownKey(key) => format!(
                "webhook {}: its secret is sealed under key {key}, which this server is not given: name the old key \
                 in WEBHOOK_SECRETS_OLD_KEYS, or rotate the webhook's secret",
                hook.id
            ),
            Unopened::Damaged => format!("webhook {}: its stored secret does not open (altered or moved)", hook.id),
        })
    })?;
    let secret = WebhookSecret::parse(&opened.text)
        .ok_or_else(|| AppError::internal(format!("webhook {}: its secret does not read", hook.id)))?;
    Ok((secret, opened.stale))
}

/// Seals again, under the current key, every secret stored in clear or under an earlier key (at start-up, as the
/// owner); how many. One that does not open stays as it is: delivery to it waits for its key or a rotation.
pub fn seal_stored_secrets(conn: &mut PgConnection, keys: &SealingKeys) -> AppResult<usize> {
    let mut sealed = 0;
    for hook in unscoped::all_webhooks(conn)? {
        // One that does not open is in the log already (`secret_of`).
        if let Ok((secret, true)) = secret_of(keys, &hook) {
            let again = keys.seal(&secret.to_text(), hook.id.uuid().as_bytes(), &mut rand::thread_rng());
            model::update_secret(conn, &SystemWrite::new(), hook.id, &again)?;
            sealed += 1;
        }
    }
    Ok(sealed)
}

/// Makes a webhook; delivery starts with the events that become final from now on. The secret is returned once;
/// what is stored is sealed under `keys`.
pub fn create(
    conn: &mut PgConnection,
    work: &WorkContext,
    req: &WebhookRequest,
    allowed: &[Network],
    keys: &SealingKeys,
) -> AppResult<(Webhook, String)> {
    let (caller, now) = (&work.caller, work.env.now);
    may_administer(caller)?;
    let path = jurisdiction::subtree_path(conn, &req.jurisdiction_code, "input.jurisdictionCode")?;
    let proof = authorize_administration(caller, &path, "jurisdiction")?;
    let url = parse_url(&req.url, allowed)?;
    if req.kinds.as_ref().is_some_and(Vec::is_empty) {
        return Err(AppError::bad_input("input.kinds", Message::NoKinds));
    }
    let id = WebhookId::new_v4();
    let (secret, sealed) = new_secret(keys, id);
    let start = FeedKey::before(feed::horizon(conn)?);
    let hook = model::insert(
        conn,
        &proof,
        &NewWebhook {
            id,
            jurisdiction_code: &req.jurisdiction_code,
            url: &url,
            kinds: req.kinds.clone(),
            secret: &sealed,
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
pub fn rotate_secret(
    conn: &mut PgConnection,
    work: &WorkContext,
    id: WebhookId,
    keys: &SealingKeys,
) -> AppResult<(Webhook, String)> {
    let (proof, _) = administered(conn, &work.caller, id)?;
    let (secret, sealed) = new_secret(keys, id);
    Ok((model::update_secret(conn, &proof, id, &sealed)?, secret))
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
