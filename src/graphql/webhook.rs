//! Webhooks for integrators (DOMAIN.md §9), managed by the admins of a jurisdiction: made, disabled, their secret
//! rotated, redelivered from any feed position; with their latest deliveries. Everyone else is `FORBIDDEN`; a
//! webhook of another subtree is `NOT_FOUND`.

use async_graphql::{Context, InputObject, Object, Result, SimpleObject, ID};
use chrono::{DateTime, FixedOffset};

use super::context::{local_time, object_id, state, work};
use super::loaders::Loaders;
use crate::domain::case::EventKind;
use crate::domain::webhook::WebhookStatus;
use crate::error::{AppError, Message};
use crate::models::feed::FeedKey;
use crate::models::webhook::{Delivery, Webhook};
use crate::services::webhooks::{self, WebhookRequest};

/// How many deliveries a webhook lists at most.
const MAX_DELIVERIES: i32 = 100;

/// A webhook, as its admins see it.
pub struct WebhookNode(pub Webhook);

/// An endpoint the event feed of a jurisdiction's subtree is posted to.
#[Object(name = "Webhook")]
impl WebhookNode {
    /// The webhook's id.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// Where events are posted.
    async fn url(&self) -> &str {
        &self.0.url
    }

    /// The kinds of case entry posted; null for every kind.
    async fn kinds(&self) -> Option<&Vec<EventKind>> {
        self.0.kinds.as_ref()
    }

    /// The jurisdiction whose subtree's events are posted (its code).
    async fn jurisdiction_code(&self) -> &str {
        &self.0.jurisdiction_code
    }

    /// Whether it is delivered to.
    async fn status(&self) -> WebhookStatus {
        self.0.status
    }

    /// The feed position delivered last: the events after it are still to come (`events(after:)` reads them).
    async fn position(&self) -> String {
        self.0.position().position()
    }

    /// Failures in a row since the last delivery that succeeded.
    async fn failures(&self) -> i32 {
        self.0.failures
    }

    /// When it is tried next.
    async fn next_attempt_at(&self, ctx: &Context<'_>) -> DateTime<FixedOffset> {
        local_time(ctx, self.0.next_attempt_at)
    }

    /// When it was made.
    async fn created_at(&self, ctx: &Context<'_>) -> DateTime<FixedOffset> {
        local_time(ctx, self.0.created_at)
    }

    /// The latest attempts, newest first.
    async fn deliveries(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many (1 to 100).", default = 20)] first: i32,
    ) -> Result<Vec<WebhookDelivery>> {
        if !(1..=MAX_DELIVERIES).contains(&first) {
            return Err(AppError::bad_input("first", Message::OneTo100).into());
        }
        let rows = ctx.data_unchecked::<Loaders>().webhook_deliveries().load_one((self.0.id, i64::from(first))).await?;
        Ok(rows.unwrap_or_default().into_iter().map(|d| WebhookDelivery::of(ctx, d)).collect())
    }
}

/// One attempt to post an event.
#[derive(SimpleObject)]
pub struct WebhookDelivery {
    /// The event's position (its `webhook-id`).
    pub message_id: String,
    /// The kind of entry.
    pub kind: EventKind,
    /// When it was tried.
    pub attempted_at: DateTime<FixedOffset>,
    /// The endpoint's HTTP status, if it answered.
    pub status_code: Option<i32>,
    /// What went wrong, if anything.
    pub error: Option<String>,
    /// Whether it was accepted (a 2xx answer).
    pub succeeded: bool,
}

impl WebhookDelivery {
    fn of(ctx: &Context<'_>, d: Delivery) -> WebhookDelivery {
        WebhookDelivery {
            message_id: d.message_id,
            kind: d.event_kind,
            attempted_at: local_time(ctx, d.attempted_at),
            status_code: d.status_code,
            error: d.error,
            succeeded: d.succeeded,
        }
    }
}

/// A new webhook.
#[derive(InputObject)]
pub struct CreateWebhookInput {
    /// Where to post (`https://…`, or `http://` inside a trusted network).
    pub url: String,
    /// Only these kinds of case entry; leave out for every kind.
    pub kinds: Option<Vec<EventKind>>,
    /// The jurisdiction whose subtree's events to post (in the admin's own subtree).
    pub jurisdiction_code: String,
}

/// A webhook made, and its secret (shown this once).
#[derive(SimpleObject)]
pub struct WebhookWithSecret {
    /// The signing secret (`whsec_…`): keep it with the endpoint, it is not shown again.
    pub secret: String,
    /// The webhook.
    pub webhook: WebhookNode,
}

/// Which webhook.
#[derive(InputObject)]
pub struct WebhookInput {
    /// The webhook.
    pub webhook_id: ID,
}

/// Redelivering a webhook.
#[derive(InputObject)]
pub struct RedeliverWebhookInput {
    /// The webhook.
    pub webhook_id: ID,
    /// Deliver the events after this feed position (a `FeedEvent.position` or a delivery's `messageId`); leave out
    /// to go on from where delivery stood.
    pub after: Option<String>,
}

#[derive(Default)]
pub struct WebhookQuery;

#[Object]
impl WebhookQuery {
    /// The webhooks of the jurisdictions the caller administers, newest first (admins only).
    async fn webhooks(&self, ctx: &Context<'_>) -> Result<Vec<WebhookNode>> {
        let work = work(ctx)?;
        let rows = state(ctx).db.run(move |conn| webhooks::list(conn, &work)).await?;
        Ok(rows.into_iter().map(WebhookNode).collect())
    }
}

#[derive(Default)]
pub struct WebhookMutation;

#[Object]
impl WebhookMutation {
    /// Posts the events of a jurisdiction's subtree to an endpoint, from now on, signed as Standard Webhooks says.
    async fn create_webhook(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The webhook.")] input: CreateWebhookInput,
    ) -> Result<WebhookWithSecret> {
        let work = work(ctx)?;
        let request = WebhookRequest { url: input.url, kinds: input.kinds, jurisdiction_code: input.jurisdiction_code };
        let settings = &state(ctx).settings;
        let (allowed, keys) = (settings.webhook_networks.clone(), settings.webhook_secret_keys.clone());
        let create = move |conn: &mut _| webhooks::create(conn, &work, &request, &allowed, &keys);
        let (hook, secret) = state(ctx).db.transaction(create).await?;
        Ok(WebhookWithSecret { secret, webhook: WebhookNode(hook) })
    }

    /// Stops posting to a webhook (`redeliverWebhook` starts again).
    async fn disable_webhook(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The webhook.")] input: WebhookInput,
    ) -> Result<WebhookNode> {
        let work = work(ctx)?;
        let id = object_id(&input.webhook_id, "webhook")?;
        Ok(WebhookNode(state(ctx).db.transaction(move |conn| webhooks::disable(conn, &work, id)).await?))
    }

    /// A new signing secret, shown this once; every delivery from now on is signed with it.
    async fn rotate_webhook_secret(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The webhook.")] input: WebhookInput,
    ) -> Result<WebhookWithSecret> {
        let work = work(ctx)?;
        let id = object_id(&input.webhook_id, "webhook")?;
        let keys = state(ctx).settings.webhook_secret_keys.clone();
        let rotate = move |conn: &mut _| webhooks::rotate_secret(conn, &work, id, &keys);
        let (hook, secret) = state(ctx).db.transaction(rotate).await?;
        Ok(WebhookWithSecret { secret, webhook: WebhookNode(hook) })
    }

    /// Delivers again from a position (or from where delivery stood), at once; a disabled or given-up webhook is
    /// active again.
    async fn redeliver_webhook(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The webhook, and from where.")] input: RedeliverWebhookInput,
    ) -> Result<WebhookNode> {
        let work = work(ctx)?;
        let id = object_id(&input.webhook_id, "webhook")?;
        let after = input
            .after
            .map(|p| {
                FeedKey::from_position(&p).ok_or_else(|| AppError::bad_input("input.after", Message::NotAFeedPosition))
            })
            .transpose()?;
        Ok(WebhookNode(state(ctx).db.transaction(move |conn| webhooks::redeliver(conn, &work, id, after)).await?))
    }
}
